import type { AnswerCtx } from "../domain/knowledge/answer-types";
import type { VoiceCtx } from "../domain/voice/ports";
import type { CallRoom } from "../domain/voice/ports";
import { openRetellSession, type RetellSession } from "../domain/voice/retell-llm";
import { roomAnswerer } from "./room-ctx";
import { send, type RetellSocketInfo, type SocketAttachment } from "./room-sockets";

/**
 * The Retell custom-LLM socket as a channel adapter beside the room: the room hands it the
 * sockets tagged `retell`, and the session speaks to the conversation only through `room`, a
 * CallRoom made of room commands (append, set_mode, call) — never through methods of the class.
 * Sessions live in memory while the room is awake; a woken room rebuilds them from the attachments.
 */
export class RetellChannel {
  private readonly sessions = new Map<WebSocket, Promise<RetellSession | undefined>>();

  constructor(
    private readonly host: {
      state: DurableObjectState;
      conversationId: () => string;
      /** The voice context whose `deps.room` resolves this conversation to `room`. */
      voiceCtx: () => VoiceCtx;
      log: (msg: string, fields: Record<string, unknown>) => void;
    },
  ) {}

  /** Accepts the socket the Worker forwarded (token checked, call ensured), then sends config and the begin message. */
  async accept(p: { integrationId: string; callId: string }): Promise<Response> {
    const pair = new WebSocketPair();
    const ws = pair[1];
    const info: RetellSocketInfo = {
      kind: "retell",
      integrationId: p.integrationId,
      callId: p.callId,
      latest: -1,
      stored: 0,
    };
    const session = await this.session(ws, info);
    if (!session) {
      this.sessions.delete(ws);
      return new Response("not found", { status: 404 });
    }
    this.host.state.acceptWebSocket(ws, ["retell"]);
    ws.serializeAttachment(info);
    try {
      await session.start();
    } catch (err) {
      ws.close(1011, "the call could not start");
      throw err;
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** Retell frames go to the socket's session only: they are never parsed as room frames. */
  async onFrame(ws: WebSocket, info: RetellSocketInfo, raw: string | ArrayBuffer) {
    try {
      const session = await this.session(ws, info);
      if (!session) return ws.close(1011, "the call is gone");
      await session.onFrame(raw);
    } catch (err) {
      this.host.log("room: retell frame failed", {
        error: String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
  }

  /** True for a Retell socket (its running answer is stopped); visitor and operator sockets are left alone. */
  end(ws: WebSocket): boolean {
    if ((ws.deserializeAttachment() as SocketAttachment | null)?.kind !== "retell") return false;
    void this.sessions.get(ws)?.then(
      (s) => s?.stop(),
      () => {},
    );
    this.sessions.delete(ws);
    return true;
  }

  private session(ws: WebSocket, info: RetellSocketInfo): Promise<RetellSession | undefined> {
    const known = this.sessions.get(ws);
    if (known) return known;
    const { kind: _k, ...resume } = info;
    const session = openRetellSession(this.host.voiceCtx(), {
      conversationId: this.host.conversationId(),
      resume,
      sink: { send: (data) => send(ws, data), close: (code, reason) => ws.close(code, reason) },
      save: (progress) => ws.serializeAttachment({ ...info, ...progress } satisfies RetellSocketInfo),
      answer: (ctx, input, signal) => roomAnswerer()(ctx, input, signal),
    }).catch((err: unknown) => {
      this.sessions.delete(ws);
      throw err;
    });
    this.sessions.set(ws, session);
    return session;
  }
}

/** The conversation as voice verbs see it (CallRoom), built from the room's commands. */
/** The room's own commands a call's voice verbs use (the ConversationRoom itself provides them). */
export type RoomCommands = Pick<
  CallRoom,
  "appendMessage" | "setMode" | "setCallState" | "snapshot" | "messages" | "triageWords"
>;

/** This room as a call room: direct calls to its commands (not RPC to itself); it is initialised already. */
export function callRoomOf(cmds: RoomCommands): CallRoom {
  return {
    init: () => Promise.reject(new Error("room: already initialised")),
    appendMessage: (input) => cmds.appendMessage(input),
    setMode: (mode, reason) => cmds.setMode(mode, reason),
    setCallState: (state, data) => cmds.setCallState(state, data),
    snapshot: () => cmds.snapshot(),
    messages: (afterSeq, limit) => cmds.messages(afterSeq, limit),
    triageWords: (text) => cmds.triageWords(text),
  };
}

/** The voice context of a room: its own conversation resolves to `cmds` (direct calls), any other to `others`. */
export function voiceCtxOf(
  ctx: AnswerCtx,
  meta: { tenantId: string; conversationId: string },
  others: VoiceCtx["deps"]["room"],
  cmds: RoomCommands,
): VoiceCtx {
  const self = callRoomOf(cmds);
  const room = (t: string, c: string) => (t === meta.tenantId && c === meta.conversationId ? self : others(t, c));
  return { ...ctx, deps: { room, fetch: (input, init) => fetch(input, init) } };
}
