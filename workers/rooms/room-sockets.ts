import type { RetellResume } from "../domain/voice/retell-llm";
import type { Operator } from "./protocol";
import type { RoomMeta, RoomState } from "./room-state";
import { toMsgFrame, type NoteRecord, type RoomStore } from "./room-store";
import { socketExpired } from "./socket-auth";

/**
 * Socket fan-out for a room. Socket identity lives in each socket's serialized attachment (and
 * its hibernation tag, `visitor`, `operator` or `retell`), so it survives the object hibernating.
 * A `retell` socket (a call's custom-LLM socket) speaks Retell's protocol: room frames, presence
 * and typing are for visitors and operators only.
 */
/** An operator's `exp`: its access token's expiry (seconds), extended by `auth` frames; absent for API keys. */
export type SocketInfo =
  | { kind: "visitor" }
  | { kind: "operator"; userId: string; name: string; canWrite: boolean; acts?: OperatorActs; exp?: number };
/** Which acting frames an operator's role allows (absent: all, when it may write). */
export type OperatorActs = { reply: boolean; note: boolean; takeover: boolean };
export type RetellSocketInfo = { kind: "retell" } & RetellResume;
/** What a room socket's attachment holds. */
export type SocketAttachment = SocketInfo | RetellSocketInfo;

const REPLAY_PAGE = 500;

export function send(ws: WebSocket, frame: object | string) {
  try {
    ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  } catch {
    // the socket closed under us; its close handler updates presence
  }
}

/**
 * The operator sockets still within their access token's life. One past its `exp` (no `auth` frame
 * extended it) gets TOKEN_EXPIRED and a 4001 close here, so it receives nothing more.
 */
function liveOperators(state: DurableObjectState): WebSocket[] {
  const now = Date.now();
  return state.getWebSockets("operator").filter((ws) => {
    const i = ws.deserializeAttachment() as SocketInfo | null;
    if (i?.kind !== "operator" || !socketExpired(i.exp, now)) return true;
    send(ws, { type: "error", code: "TOKEN_EXPIRED", message: "your access token expired; reconnect" });
    try {
      ws.close(4001, "token expired");
    } catch {}
    return false;
  });
}

/** The sockets that speak the room's protocol: visitors and (unexpired) operators. */
export function participants(state: DurableObjectState): WebSocket[] {
  return [...state.getWebSockets("visitor"), ...liveOperators(state)];
}

/** Sends one frame to every socket with `tag` (every visitor and operator without one). */
export function fanOut(state: DurableObjectState, frame: object, tag?: "visitor" | "operator") {
  const text = JSON.stringify(frame);
  const to = tag === "operator" ? liveOperators(state) : tag ? state.getWebSockets(tag) : participants(state);
  for (const ws of to) send(ws, text);
}

export const noteFrame = (n: NoteRecord) => ({
  type: "note",
  id: n.id,
  seq: n.afterSeq,
  ...(n.cid ? { cid: n.cid } : {}),
  text: n.text,
  at: new Date(n.createdAt).toISOString(),
  author: n.author,
});

/** Operators present (one entry per user) and whether a visitor is connected. */
export function presenceFrame(state: DurableObjectState, except?: WebSocket) {
  const ops = new Map<string, Operator>();
  let visitor = false;
  for (const ws of participants(state)) {
    if (ws === except) continue;
    const i = ws.deserializeAttachment() as SocketInfo;
    if (i.kind === "operator") ops.set(i.userId, { userId: i.userId, name: i.name });
    else visitor = true;
  }
  return { type: "presence", operators: [...ops.values()], visitor };
}

/** Accepts a visitor's or operator's socket (hibernatable, tagged by kind) and tells operators who is here. */
export function acceptSocket(state: DurableObjectState, info: SocketInfo): WebSocket {
  const pair = new WebSocketPair();
  state.acceptWebSocket(pair[1], [info.kind]);
  pair[1].serializeAttachment(info);
  sendPresence(state);
  return pair[0];
}

export function sendPresence(state: DurableObjectState, except?: WebSocket) {
  const frame = presenceFrame(state, except);
  for (const ws of liveOperators(state)) if (ws !== except) send(ws, frame);
}

/** `hello`: `ready`, then every message after `lastSeq`; operators also get notes and presence. */
export function replay(
  state: DurableObjectState,
  store: RoomStore,
  ws: WebSocket,
  info: SocketInfo,
  meta: RoomMeta,
  s: RoomState,
  lastSeq: number,
) {
  const seq = store.lastSeq();
  if (info.kind === "visitor") send(ws, { type: "ready", conversationId: meta.conversationId, seq, mode: s.mode });
  else
    send(ws, {
      type: "ready",
      conversationId: meta.conversationId,
      seq,
      mode: s.mode,
      status: s.status,
      assignee: s.assignee,
      reason: s.reason,
      call: s.call,
      visitorReadSeq: s.visitorReadSeq,
      botId: meta.botId,
      channel: meta.channel,
      visitor: meta.visitor,
    });
  for (let after = lastSeq; after < seq;) {
    const page = store.messagesAfter(after, REPLAY_PAGE);
    if (!page.length) break;
    for (const m of page) send(ws, toMsgFrame(m));
    after = page.at(-1)!.seq;
  }
  if (info.kind === "operator") {
    for (const n of store.notesFrom(lastSeq)) send(ws, noteFrame(n));
    send(ws, presenceFrame(state));
  }
}
