import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AnswerCtx, AnswerTurn } from "../domain/knowledge/answer-types";
import { onAgentReplied, onConversationEscalated, triageVisitorMessage } from "../domain/triage/hook";
import type { VoiceCtx } from "../domain/voice/ports";
import { openRetellSession, type RetellSession } from "../domain/voice/retell-llm";
import { roomsOf } from "../domain/voice/room-port";
import { newId } from "../lib/ids";
import { createDb } from "../storage/db";
import { conversationsRepo } from "../storage/conversations-repo";
import { conversationRow, flushToD1, preview } from "./d1-copy";
import {
  parseClientFrame,
  MAX_TEXT,
  type AttachmentRef,
  type CallState,
  type ClientFrame,
  type FrameErrorCode,
  type JsonObject,
  type Mode,
  type MsgFrame,
  type Operator,
  type Role,
} from "./protocol";
import { roomAnswerer, roomCtx, roomTurnTimeout } from "./room-ctx";
import {
  apply,
  aiAnswers,
  initialState,
  takeToken,
  type Bucket,
  type RoomEvent,
  type RoomMeta,
  type RoomState,
} from "./room-state";
import { createRoomStore, toMsgFrame, type MessageRecord, type RoomStore } from "./room-store";
import {
  fanOut,
  noteFrame,
  participants,
  replay,
  send,
  sendPresence,
  type RetellSocketInfo,
  type SocketAttachment,
  type SocketInfo,
} from "./room-sockets";
import { runTurn, type Turn } from "./room-turn";
import { hubStub, type ConversationEvent } from "./tenant-hub";
import {
  PRINCIPAL_HEADER,
  RoomPrincipal,
  type RoomInit,
  RoomInitInput,
  AppendInput,
  type AppendMessageInput,
  type RoomSnapshot,
  type StoredMessage,
  Visitor,
  type VisitorPatch,
} from "./room-api";

export { roomStub } from "./room-api";
export type { RoomInit, AppendMessageInput, RoomSnapshot, StoredMessage } from "./room-api";

/** The D1 copy is written at most this long after a change (one alarm per object). */
export const FLUSH_DELAY_MS = 1000;
/** Visitor metadata keys kept (the newest win). */
const MAX_METADATA_KEYS = 30;
/** Earlier turns handed to the answerer. */
const HISTORY_TURNS = 12;

/** An inbox event before the room adds its conversation, bot, channel and time. */
type InboxNotice = ConversationEvent extends infer E
  ? E extends ConversationEvent
    ? Omit<E, "conversationId" | "botId" | "channel" | "at">
    : never
  : never;

/**
 * One per conversation, named `${tenantId}:${conversationId}`. Owns the conversation's sockets
 * (hibernation API), its authoritative message log (SQLite, gap-free `seq`), its mode and, for a
 * call, its call state. Rules live in room-state.ts, SQL in room-store.ts, the AI turn in room-turn.ts.
 */
export class ConversationRoom extends DurableObject<Env> {
  private readonly store: RoomStore;
  private meta: RoomMeta | undefined;
  private state: RoomState = initialState();
  private turn: Turn | undefined;
  /** Rate limit per visitor; kept in memory (a woken object starts with a full bucket). */
  private bucket: Bucket | undefined;
  private actx: AnswerCtx | undefined;
  private flushFailures = 0;
  /** The alarm time last set (null: none; undefined: unknown after a wake). */
  private alarmAt: number | null | undefined;
  /** Sessions of the room's Retell sockets while it is awake; a woken room rebuilds them from the attachments. */
  private readonly retell = new Map<WebSocket, Promise<RetellSession | undefined>>();

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = createRoomStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      this.meta = this.store.meta();
      this.state = this.store.state() ?? initialState();
    });
    // answered by the runtime without waking a hibernated object
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(`{"type":"ping"}`, `{"type":"pong"}`));
  }

  // ---------------------------------------------------------------- RPC surface (Worker, voice)

  /** Creates the conversation (idempotent: a second call returns the snapshot unchanged). */
  async init(input: RoomInit): Promise<RoomSnapshot> {
    const meta = RoomInitInput.parse(input);
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.meta) {
        if (this.meta.tenantId !== meta.tenantId || this.meta.conversationId !== meta.conversationId)
          throw new Error("room: init with another identity");
        return;
      }
      const fresh: RoomMeta = { ...meta, visitor: meta.visitor ?? {}, createdAt: Date.now() };
      const db = createDb(this.env.DB);
      // the D1 row exists before anyone is told the conversation does (session resume checks it)
      await conversationsRepo(db)
        .insertIfAbsentStmt({
          ...conversationRow(fresh, initialState(fresh.createdAt), undefined),
          visitorKeyHash: meta.visitorKeyHash ?? null,
        })
        .run();
      this.store.setMeta(fresh);
      this.state = initialState(fresh.createdAt);
      this.store.setState(this.state);
      this.meta = fresh;
      this.publish({
        type: "conversation.created",
        status: "open",
        mode: "ai",
        visitor: { name: fresh.visitor.name, email: fresh.visitor.email },
      });
    });
    return this.snapshot();
  }

  /**
   * Merges visitor details learned after the start (a resumed widget session carrying identify or
   * email-capture data). Given fields replace, metadata merges, and a verified identity stays: only a
   * verified patch (the Worker checked its hash) may set `userId`/`verified`.
   */
  async updateVisitor(tenantId: string, input: VisitorPatch): Promise<RoomSnapshot> {
    const meta = this.requireMeta();
    if (meta.tenantId !== tenantId) throw new Error("room: wrong tenant");
    const { metadata, userId, verified, ...plain } = Visitor.parse(input);
    const next = { ...meta.visitor, ...plain };
    if (metadata)
      next.metadata = Object.fromEntries(
        Object.entries({ ...meta.visitor.metadata, ...metadata }).slice(-MAX_METADATA_KEYS),
      );
    if (userId !== undefined && verified === true) Object.assign(next, { userId, verified: true });
    if (JSON.stringify(next) === JSON.stringify(meta.visitor)) return this.snapshot();
    this.meta = { ...meta, visitor: next };
    this.store.setMeta(this.meta);
    this.markDirty();
    this.publish({ type: "conversation.visitor", visitor: { name: next.name, email: next.email } });
    return this.snapshot();
  }

  /** Stores a message from a channel (voice transcripts, email). Does not start an AI answer. */
  async appendMessage(input: AppendMessageInput): Promise<StoredMessage> {
    const m = AppendInput.parse(input);
    this.requireMeta();
    const cidKey = m.cid ? `${m.role}:${m.cid}` : null;
    const existing = cidKey ? this.store.messageByCidKey(cidKey) : undefined;
    if (existing) return stored(existing);
    const meta = m.meta ? JsonRecord.parse(m.meta) : null;
    const rec = this.storeMessage(
      {
        id: newId("msg"),
        cid: m.cid ?? null,
        role: m.role,
        text: m.text,
        sources: m.sources ?? null,
        attachments: null,
        author: null,
        meta,
      },
      cidKey,
    );
    if (m.role === "visitor") void this.triage(rec);
    return stored(rec);
  }

  async setMode(mode: Mode, reason: string): Promise<RoomSnapshot> {
    this.requireMeta();
    await this.transition({ type: "set_mode", mode, reason: z.string().min(1).max(100).parse(reason) });
    return this.snapshot();
  }

  async setCallState(state: CallState, input?: Record<string, unknown>): Promise<RoomSnapshot> {
    this.requireMeta();
    const data = input ? JsonRecord.parse(input) : undefined;
    await this.transition({ type: "call", state: CallStateInput.parse(state), ...(data ? { data } : {}) });
    this.toOperators({ type: "call", state, ...(data ? { data } : {}), at: new Date().toISOString() });
    return this.snapshot();
  }

  async snapshot(): Promise<RoomSnapshot> {
    const meta = this.requireMeta();
    const s = this.state;
    return {
      meta,
      mode: s.mode,
      status: s.status,
      assignee: s.assignee,
      reason: s.reason,
      lastSeq: this.store.lastSeq(),
      call: s.call,
      visitorReadSeq: s.visitorReadSeq,
      rating: s.rating,
      closedAt: s.closedAt,
    };
  }

  /** Visible messages (notes excluded) after `afterSeq`, oldest first. */
  async messages(afterSeq = 0, limit = 1000): Promise<StoredMessage[]> {
    this.requireMeta();
    return this.store.messagesAfter(afterSeq, Math.min(limit, 5000)).map(stored);
  }

  /** Registers an uploaded file so a visitor `msg` may carry it (called by the upload route). */
  async addAttachment(tenantId: string, a: AttachmentRef) {
    if (this.requireMeta().tenantId !== tenantId) throw new Error("room: wrong tenant");
    this.store.addAttachment(a, Date.now());
  }

  /**
   * Privacy erasure (issue 18): closes every socket, cancels the alarm (so no D1 flush can bring the
   * conversation back) and deletes the room's whole storage. A later wake finds an uninitialised room.
   */
  async erase(tenantId: string): Promise<{ messages: number }> {
    if (this.meta && this.meta.tenantId !== tenantId) throw new Error("room: wrong tenant");
    const messages = this.meta ? this.store.lastSeq() : 0;
    for (const ws of this.ctx.getWebSockets()) ws.close(1000, "conversation erased");
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    [this.meta, this.state, this.alarmAt, this.turn] = [undefined, initialState(), null, undefined];
    return { messages };
  }

  // ---------------------------------------------------------------- sockets

  override async fetch(request: Request): Promise<Response> {
    const principal = RoomPrincipal.safeParse(JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? "null"));
    const meta = this.meta;
    if (
      !principal.success ||
      !meta ||
      principal.data.tenantId !== meta.tenantId ||
      principal.data.conversationId !== meta.conversationId
    ) {
      return new Response("not found", { status: 404 });
    }
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 400 });
    const p = principal.data;
    if (p.kind === "retell") return this.acceptRetell(p);
    const info: SocketInfo =
      p.kind === "visitor"
        ? { kind: "visitor" }
        : { kind: "operator", userId: p.userId, name: p.name, canWrite: p.canWrite };
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [info.kind]);
    pair[1].serializeAttachment(info);
    this.sendPresence();
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const info = ws.deserializeAttachment() as SocketAttachment;
    if (info.kind === "retell") return this.onRetellFrame(ws, info, raw);
    const parsed = info.kind === "visitor" ? parseClientFrame(raw, "visitor") : parseClientFrame(raw, "operator");
    if (!parsed.ok) return this.refuse(ws, parsed.code, parsed.message, parsed.cid);
    try {
      await this.onFrame(ws, info, parsed.frame);
    } catch (err) {
      this.log().error("room: frame failed", {
        error: String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      this.refuse(ws, "INTERNAL", "the frame could not be handled");
    }
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {}
    if (this.endRetell(ws)) return;
    this.sendPresence(ws);
  }

  override async webSocketError(ws: WebSocket) {
    if (this.endRetell(ws)) return;
    this.sendPresence(ws);
  }

  private async onFrame(ws: WebSocket, info: SocketInfo, f: ClientFrame) {
    if (f.type === "hello") return this.replay(ws, info, f.lastSeq);
    if (f.type === "ping") return send(ws, { type: "pong" });
    if (f.type === "typing") {
      const role: Role = info.kind === "visitor" ? "visitor" : "agent";
      for (const s of participants(this.ctx)) if (s !== ws) send(s, { type: "typing", role });
      return;
    }
    if (f.type === "read") {
      if (info.kind !== "visitor") return;
      await this.transition({ type: "read", seq: Math.min(f.seq, this.store.lastSeq()) });
      return this.toOperators({ type: "read", role: "visitor", seq: this.state.visitorReadSeq });
    }
    if (f.type === "rate") {
      await this.transition({ type: "rate", score: f.score, ...(f.comment ? { comment: f.comment } : {}) });
      return this.toOperators({ type: "rate", score: f.score, ...(f.comment ? { comment: f.comment } : {}) });
    }
    if (info.kind === "visitor") {
      if (this.state.mode === "closed")
        return this.refuse(ws, "CONVERSATION_CLOSED", "this conversation is closed; start a new one", cidOf(f));
      if (f.type === "human") return this.transition({ type: "ask_human" });
      if (f.type === "msg") return this.onVisitorMsg(ws, f);
      return;
    }
    if (!info.canWrite)
      return this.refuse(ws, "FORBIDDEN", "your role may watch this conversation but not act in it", cidOf(f));
    const op: Operator = { userId: info.userId, name: info.name };
    if (f.type === "note") return this.onNote(ws, op, f.text, f.cid);
    if (this.state.mode === "closed")
      return this.refuse(ws, "CONVERSATION_CLOSED", "this conversation is closed", cidOf(f));
    if (f.type === "takeover") return this.transition({ type: "takeover", operator: op });
    if (f.type === "release") return this.transition({ type: "release" });
    if (f.type === "close") return this.transition({ type: "close" });
    if (f.type === "msg") return this.onAgentMsg(ws, op, f.text, f.cid);
  }

  private async onVisitorMsg(ws: WebSocket, f: { cid: string; text: string; attachments?: string[] }) {
    const cidKey = `visitor:${f.cid}`;
    const dup = this.store.messageByCidKey(cidKey);
    if (dup) return send(ws, toMsgFrame(dup)); // a resend: acknowledge again, store nothing
    const rate = takeToken(this.bucket, Date.now());
    this.bucket = rate.bucket;
    if (!rate.ok) return this.refuse(ws, "RATE_LIMITED", "too many messages; wait a moment", f.cid);
    const ids = [...new Set(f.attachments ?? [])];
    const atts = this.store.unusedAttachments(ids);
    if (atts.length !== ids.length)
      return this.refuse(ws, "UNKNOWN_ATTACHMENT", "an attachment is unknown, not uploaded yet or already sent", f.cid);
    this.stopTurn("superseded");
    const rec = this.storeMessage(
      {
        id: newId("msg"),
        cid: f.cid,
        role: "visitor",
        text: f.text,
        sources: null,
        attachments: atts.length ? atts : null,
        author: null,
        meta: null,
      },
      cidKey,
    );
    if (ids.length) this.store.markAttachmentsUsed(ids, rec.seq);
    const triaged = this.triage(rec);
    if (aiAnswers(this.state)) await this.answer(rec, triaged);
    else await triaged;
  }

  private async onAgentMsg(ws: WebSocket, op: Operator, text: string, cid: string) {
    const cidKey = `agent:${op.userId}:${cid}`;
    const dup = this.store.messageByCidKey(cidKey);
    if (dup) return send(ws, toMsgFrame(dup));
    await this.transition({ type: "agent_message", operator: op });
    const rec = this.storeMessage(
      { id: newId("msg"), cid, role: "agent", text, sources: null, attachments: null, author: op, meta: null },
      cidKey,
    );
    // the live ticket's first response is recorded now, not only when the D1 copy is read
    const { conversationId } = this.requireMeta();
    onAgentReplied(this.answerCtx(), { conversationId, at: rec.createdAt }).catch((err: unknown) =>
      this.log().warn("room: first-response hook failed", { error: String(err) }),
    );
  }

  private onNote(ws: WebSocket, op: Operator, text: string, cid?: string) {
    const cidKey = cid ? `note:${op.userId}:${cid}` : null;
    const dup = cidKey ? this.store.noteByCidKey(cidKey) : undefined;
    const n =
      dup ??
      this.store.insertNote(
        { id: newId("msg"), afterSeq: this.store.lastSeq(), cid: cid ?? null, text, author: op, createdAt: Date.now() },
        cidKey,
      );
    const frame = noteFrame(n);
    if (dup) return send(ws, frame);
    this.markDirty();
    this.toOperators(frame);
  }

  // ---------------------------------------------------------------- Retell (a call's custom-LLM socket)

  /** Accepts the socket the Worker forwarded (token checked, call ensured), then sends config and the begin message. */
  private async acceptRetell(p: { integrationId: string; callId: string }): Promise<Response> {
    const pair = new WebSocketPair();
    const ws = pair[1];
    const info: RetellSocketInfo = {
      kind: "retell",
      integrationId: p.integrationId,
      callId: p.callId,
      latest: -1,
      stored: 0,
    };
    const session = await this.retellSession(ws, info);
    if (!session) {
      this.retell.delete(ws);
      return new Response("not found", { status: 404 });
    }
    this.ctx.acceptWebSocket(ws, ["retell"]);
    ws.serializeAttachment(info);
    try {
      await session.start();
    } catch (err) {
      ws.close(1011, "the call could not start");
      throw err;
    }
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  /** The socket's session: in memory while the room is awake, rebuilt from its attachment after a wake. */
  private retellSession(ws: WebSocket, info: RetellSocketInfo): Promise<RetellSession | undefined> {
    const known = this.retell.get(ws);
    if (known) return known;
    const { kind: _k, ...resume } = info;
    const session = openRetellSession(this.voiceCtx(), {
      conversationId: this.requireMeta().conversationId,
      resume,
      sink: { send: (data) => send(ws, data), close: (code, reason) => ws.close(code, reason) },
      save: (progress) => ws.serializeAttachment({ ...info, ...progress } satisfies RetellSocketInfo),
      answer: (ctx, input, signal) => roomAnswerer()(ctx, input, signal),
    }).catch((err: unknown) => {
      this.retell.delete(ws);
      throw err;
    });
    this.retell.set(ws, session);
    return session;
  }

  /** Retell frames go to the socket's session only: they are never parsed as room frames. */
  private async onRetellFrame(ws: WebSocket, info: RetellSocketInfo, raw: string | ArrayBuffer) {
    try {
      const session = await this.retellSession(ws, info);
      if (!session) return ws.close(1011, "the call is gone");
      await session.onFrame(raw);
    } catch (err) {
      this.log().error("room: retell frame failed", {
        error: String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
    }
  }

  /** True for a Retell socket (its running answer is stopped); visitor and operator sockets are left alone. */
  private endRetell(ws: WebSocket): boolean {
    if ((ws.deserializeAttachment() as SocketAttachment | null)?.kind !== "retell") return false;
    void this.retell.get(ws)?.then(
      (s) => s?.stop(),
      () => {},
    );
    this.retell.delete(ws);
    return true;
  }

  /** Voice verbs run here with this room as the call's room: direct calls, not RPC to itself. */
  private voiceCtx(): VoiceCtx {
    const meta = this.requireMeta();
    const others = roomsOf(this.env.CONVERSATION_ROOM);
    return {
      ...this.answerCtx(),
      deps: {
        room: (t, c) => (t === meta.tenantId && c === meta.conversationId ? this : others(t, c)),
        fetch: (input, init) => fetch(input, init),
      },
    };
  }

  // ---------------------------------------------------------------- AI turn and triage

  private async answer(trigger: MessageRecord, triaged: Promise<void>) {
    const meta = this.requireMeta();
    const turn: Turn = { id: newId("msg"), controller: new AbortController(), text: "" };
    this.turn = turn;
    this.broadcast({ type: "typing", role: "ai" });
    const history: AnswerTurn[] = this.store
      .recentMessages(HISTORY_TURNS + 1)
      .filter((m) => m.seq < trigger.seq && m.role !== "system")
      .map((m) => ({ role: m.role as AnswerTurn["role"], text: m.text }));
    try {
      await runTurn(
        {
          answer: (input, signal) => roomAnswerer()(this.answerCtx(), input, signal),
          ready: () => triaged,
          sendDelta: (id, text) => this.broadcast({ type: "delta", id, text }),
          storeAnswer: (t, d) => {
            if (this.turn === t) this.turn = undefined;
            const text = (d.answer || t.text).slice(0, MAX_TEXT * 4);
            if (!text.trim()) return;
            const m = { confidence: d.confidence, ...(d.failure ? { failure: d.failure } : {}) };
            this.storeMessage(
              {
                id: t.id,
                cid: null,
                role: "ai",
                text,
                sources: d.sources.length ? d.sources : null,
                attachments: null,
                author: null,
                meta: m,
              },
              null,
            );
          },
          handoff: (reason) => this.transition({ type: "handoff", reason }),
          log: (msg, fields) => this.log().warn(msg, fields),
        },
        turn,
        {
          botId: meta.botId,
          question: trigger.text,
          history,
          ...(meta.visitor.locale ? { language: meta.visitor.locale } : {}),
          channel: "chat",
        },
        roomTurnTimeout(),
      );
    } finally {
      if (this.turn === turn) this.turn = undefined;
    }
  }

  /** Stops the running AI turn; what the visitor already saw is stored under the turn's id. */
  private stopTurn(why: string) {
    const t = this.turn;
    if (!t) return;
    this.turn = undefined;
    t.controller.abort();
    if (t.text.trim())
      this.storeMessage(
        {
          id: t.id,
          cid: null,
          role: "ai",
          text: t.text,
          sources: null,
          attachments: null,
          author: null,
          meta: { stopped: why },
        },
        null,
      );
  }

  /** Triage of one visitor message; an escalation hands the conversation to a person (and stops a turn). */
  private async triage(rec: MessageRecord) {
    const meta = this.requireMeta();
    try {
      const earlier = this.store.recentMessages(30).filter((m) => m.seq < rec.seq);
      const lastAi = [...earlier].reverse().find((m) => m.role === "ai");
      const confidence = typeof lastAi?.meta?.confidence === "number" ? lastAi.meta.confidence : undefined;
      const result = await triageVisitorMessage(this.answerCtx(), {
        conversationId: meta.conversationId,
        botId: meta.botId,
        text: rec.text,
        previousVisitorTexts: earlier.filter((m) => m.role === "visitor").map((m) => m.text),
        ...(confidence !== undefined ? { lastAnswerConfidence: confidence } : {}),
      });
      if (result.escalate) await this.transition({ type: "handoff", reason: result.escalate.reason });
    } catch (err) {
      this.log().error("room: triage failed", { error: String(err) });
    }
  }

  // ---------------------------------------------------------------- state, storage, fan-out

  /** Applies one rule and executes what it asks for (see RoomOut). */
  private async transition(event: RoomEvent) {
    const { state, out } = apply(this.state, event, Date.now());
    if (!out.changed) return;
    this.state = state;
    this.store.setState(state);
    this.markDirty();
    if (out.abortTurn) this.stopTurn(event.type);
    if (out.system)
      this.storeMessage(
        {
          id: newId("msg"),
          cid: null,
          role: "system",
          text: out.system,
          sources: null,
          attachments: null,
          author: null,
          meta: { reason: state.reason },
        },
        null,
      );
    if (out.mode) {
      this.toVisitors({ type: "mode", mode: out.mode.mode, reason: out.mode.reason });
      this.toOperators({
        type: "mode",
        mode: out.mode.mode,
        reason: out.mode.reason,
        status: state.status,
        assignee: state.assignee,
      });
    }
    for (const n of out.hub) this.publish(n);
    if (out.escalated) void this.escalated(out.escalated);
  }

  private async escalated(reason: string) {
    const meta = this.requireMeta();
    try {
      const transcript = this.store.recentMessages(50).map((m) => ({ role: m.role, text: m.text }));
      await onConversationEscalated(this.answerCtx(), {
        conversationId: meta.conversationId,
        botId: meta.botId,
        reason,
        transcript,
      });
    } catch (err) {
      this.log().error("room: escalation hook failed", { error: String(err) });
    }
  }

  /** Appends, broadcasts (the sender's echo is its acknowledgement), tells the hub, schedules the D1 copy. */
  private storeMessage(m: Omit<MessageRecord, "seq" | "createdAt">, cidKey: string | null): MessageRecord {
    const rec = this.store.insertMessage({ ...m, createdAt: Date.now() }, cidKey);
    this.broadcast(toMsgFrame(rec));
    this.markDirty();
    this.publish({
      type: "conversation.message",
      lastSeq: rec.seq,
      role: rec.role,
      preview: preview(rec.text),
      messageCount: rec.seq,
    });
    return rec;
  }

  private markDirty() {
    this.store.schedule("flush", Date.now() + FLUSH_DELAY_MS);
    void this.armAlarm();
  }

  /** Sets the alarm to the earliest due job; the time set is cached so a busy room skips the storage calls. */
  private async armAlarm() {
    const next = this.store.nextDue();
    if (next === undefined) return;
    if (this.alarmAt === undefined) this.alarmAt = await this.ctx.storage.getAlarm();
    if (this.alarmAt !== null && this.alarmAt <= next) return;
    this.alarmAt = next;
    await this.ctx.storage.setAlarm(next);
  }

  /** The single alarm: runs due jobs (the D1 flush), retries with backoff on failure. */
  override async alarm() {
    this.alarmAt = null;
    const meta = this.meta;
    if (!meta) return;
    const now = Date.now();
    if (this.store.dueJobs(now).includes("flush")) {
      // the job is removed first: a change during the D1 write schedules a fresh one
      this.store.finishJob("flush");
      try {
        const { more } = await flushToD1(createDb(this.env.DB), this.store, meta, this.state);
        this.flushFailures = 0;
        if (more) this.store.schedule("flush", Date.now());
      } catch (err) {
        this.flushFailures++;
        this.log().error("room: D1 flush failed", { error: String(err), failures: this.flushFailures });
        this.store.schedule("flush", Date.now() + Math.min(30_000, 500 * 2 ** Math.min(this.flushFailures, 6)));
      }
    }
    await this.armAlarm();
  }

  private publish(notice: InboxNotice) {
    const meta = this.meta;
    if (!meta) return;
    const event = {
      ...notice,
      conversationId: meta.conversationId,
      botId: meta.botId,
      channel: meta.channel,
      at: new Date().toISOString(),
    } as ConversationEvent;
    hubStub(this.env.TENANT_HUB, meta.tenantId)
      .publish(meta.tenantId, event)
      .catch((err: unknown) => this.log().warn("room: hub publish failed", { error: String(err), type: notice.type }));
  }

  private replay(ws: WebSocket, info: SocketInfo, lastSeq: number) {
    replay(this.ctx, this.store, ws, info, this.requireMeta(), this.state, lastSeq);
  }
  private sendPresence(except?: WebSocket) {
    sendPresence(this.ctx, except);
  }
  private broadcast(frame: object) {
    fanOut(this.ctx, frame);
  }
  private toVisitors(frame: object) {
    fanOut(this.ctx, frame, "visitor");
  }
  private toOperators(frame: object) {
    fanOut(this.ctx, frame, "operator");
  }

  private refuse(ws: WebSocket, code: FrameErrorCode, message: string, cid?: string) {
    send(ws, { type: "error", code, message, ...(cid ? { cid } : {}) });
  }

  private requireMeta(): RoomMeta {
    if (!this.meta) throw new Error("room: not initialised");
    return this.meta;
  }

  private answerCtx(): AnswerCtx {
    const meta = this.requireMeta();
    this.actx ??= roomCtx(this.env, meta.tenantId, meta.conversationId);
    return this.actx;
  }

  private log() {
    return this.answerCtx().log;
  }
}

/** RPC data must be JSON: round-tripping through JSON both checks and narrows it. */
const JsonRecord = z.record(z.string(), z.unknown()).transform((r) => JSON.parse(JSON.stringify(r)) as JsonObject);
const CallStateInput = z.enum(["ringing", "in_progress", "transferred", "ended"]);

/** The client id of a frame that carries one (`msg`, `note`). */
function cidOf(f: ClientFrame): string | undefined {
  return "cid" in f && typeof f.cid === "string" ? f.cid : undefined;
}

function stored(m: MessageRecord): StoredMessage {
  const { type: _t, ...f }: MsgFrame = toMsgFrame(m);
  return { ...f, ...(m.meta ? { meta: m.meta } : {}), ...(m.author ? { author: m.author } : {}) };
}
