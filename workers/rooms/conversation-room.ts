import { DurableObject } from "cloudflare:workers";
import { z } from "zod";
import type { AnswerCtx } from "../domain/knowledge/answer-types";
import type { VoiceCtx } from "../domain/voice/ports";
import { conversationsRepo } from "../storage/conversations-repo";
import { conversationRow } from "./d1-copy";
import { parseClientFrame, MAX_TEXT, type AttachmentRef, type CallState, type Mode, type MsgFrame } from "./protocol";
import { roomAnswerer, roomCtx, roomTurnTimeout } from "./room-ctx";
import { decide, factsNeeded, type Command, type CoreState, type Notice, type Sender } from "./room-core";
import { RetellChannel, voiceCtxOf } from "./room-retell";
import { initialState, snapshotOf, type RoomMeta } from "./room-state";
import { createRoomStore, toMsgFrame, type MessageRecord, type RoomStore } from "./room-store";
import { fanOut, send, sendPresence, type SocketAttachment, type SocketInfo } from "./room-sockets";
import { runEffects, type EffectHost, type Outcome } from "./room-effects";
import { runChatTurn, type ChatTurnHost, type Turn } from "./room-turn";
import { RoomAlarm } from "./room-alarm";
import { RoomTriage, type TriageOutcome } from "./room-triage";
import type { ConversationEvent, Standing } from "../contracts/hub";
import { PRINCIPAL_HEADER, RoomPrincipal, RoomInitInput, AppendInput, Visitor } from "./room-api";
import type { RoomInit, AppendMessageInput, RoomSnapshot, StoredMessage, VisitorPatch } from "./room-api";
import { mergeVisitor } from "./room-visitor";
import { admitOperator, applyStanding, gatherFacts } from "./room-authority";
import { socketExpired, verifyReauth } from "./socket-auth";
import { RoomQuota } from "./room-quota";

export type { RoomInit, AppendMessageInput, RoomSnapshot, StoredMessage } from "./room-api";

export { FLUSH_DELAY_MS } from "./room-alarm";

/**
 * One per conversation, named `${tenantId}:${conversationId}`: the thin shell around room-core.ts.
 * It loads state, gathers facts, runs the effects `decide` returns (store, send, publish, start or
 * stop a turn, triage) and owns the sockets. Rules live in room-core.ts and room-state.ts, SQL in
 * room-store.ts, the AI turn in room-turn.ts, triage in room-triage.ts, Retell in room-retell.ts.
 */
export class ConversationRoom extends DurableObject<Env> {
  private readonly store: RoomStore;
  private meta: RoomMeta | undefined;
  private core: CoreState = { room: initialState(), bucket: undefined };
  private turn: Turn | undefined;
  private actx: AnswerCtx | undefined;
  private readonly alarms: RoomAlarm;
  private readonly retell: RetellChannel;
  private readonly triage: RoomTriage;
  private readonly effectHost: EffectHost;
  private readonly quota: RoomQuota;

  constructor(ctx: DurableObjectState, env: Env) {
    super(ctx, env);
    this.store = createRoomStore(ctx.storage.sql);
    ctx.blockConcurrencyWhile(async () => {
      this.store.migrate();
      this.meta = this.store.meta();
      this.core = { room: this.store.state() ?? initialState(), bucket: undefined };
    });
    // answered by the runtime without waking a hibernated object
    ctx.setWebSocketAutoResponse(new WebSocketRequestResponsePair(`{"type":"ping"}`, `{"type":"pong"}`));
    this.retell = new RetellChannel({
      state: ctx,
      conversationId: () => this.requireMeta().conversationId,
      voiceCtx: () => this.voiceCtx(),
      log: (msg, fields) => this.log().error(msg, fields),
    });
    this.alarms = new RoomAlarm(ctx.storage, this.store, (msg, fields) => this.log().error(msg, fields));
    this.triage = new RoomTriage(
      this.store,
      () => this.answerCtx(),
      () => this.requireMeta(),
      () => this.alarms.markDirty(),
    );
    this.quota = new RoomQuota(
      () => this.answerCtx(),
      (msg, fields) => this.log().warn(msg, fields),
    );
    this.effectHost = {
      state: ctx,
      store: this.store,
      triage: this.triage,
      core: () => this.core,
      meta: () => this.requireMeta(),
      turn: { get: () => this.turn, set: (t) => void (this.turn = t) },
      markDirty: () => this.alarms.markDirty(),
      publish: (n) => this.publish(n),
      handoff: (reason) => this.handoff(reason),
      answer: (id, trigger, triaged, embedded) => this.answer(id, trigger, triaged, embedded),
    };
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
      // the D1 row exists before anyone is told the conversation does (session resume checks it)
      const row = conversationRow(fresh, initialState(fresh.createdAt), undefined);
      // the room context is built once and kept for the answerer, triage and the alarm
      this.actx = roomCtx(this.env, meta.tenantId, meta.conversationId);
      await conversationsRepo(this.actx.db)
        .insertIfAbsentStmt({ ...row, visitorKeyHash: meta.visitorKeyHash ?? null })
        .run();
      this.store.setMeta(fresh);
      this.core = { room: initialState(fresh.createdAt), bucket: undefined };
      this.store.setState(this.core.room);
      this.store.setTriage(null, false);
      this.meta = fresh;
      const visitor = { name: fresh.visitor.name, email: fresh.visitor.email };
      this.publish({ type: "conversation.created", status: "open", mode: "ai", visitor });
    });
    return this.snapshot();
  }

  /** Merges visitor details learned after the start (see mergeVisitor for what may change). */
  async updateVisitor(tenantId: string, input: VisitorPatch): Promise<RoomSnapshot> {
    const meta = this.requireMeta();
    if (meta.tenantId !== tenantId) throw new Error("room: wrong tenant");
    const next = mergeVisitor(meta.visitor, Visitor.parse(input));
    if (!next) return this.snapshot();
    this.meta = { ...meta, visitor: next };
    this.store.setMeta(this.meta);
    this.alarms.markDirty();
    this.publish({ type: "conversation.visitor", visitor: { name: next.name, email: next.email } });
    return this.snapshot();
  }

  /**
   * Stores a message from a channel (voice transcripts, email); does not start an AI answer. A
   * visitor's message is triaged here, once, and the result comes back with it.
   */
  async appendMessage(input: AppendMessageInput): Promise<StoredMessage & { triage?: TriageOutcome }> {
    const m = AppendInput.parse(input);
    this.requireMeta();
    const meta = m.meta ? JsonRecord.parse(m.meta) : undefined;
    const out = this.run({
      type: "append",
      role: m.role,
      text: m.text,
      ...(m.cid ? { cid: m.cid } : {}),
      ...(m.sources ? { sources: m.sources } : {}),
      ...(meta ? { meta } : {}),
    });
    const triage = await (out.triage ?? (m.role === "visitor" ? this.triage.outcomeOf(out.ack!.seq) : undefined));
    return { ...stored(out.ack!), ...(triage ? { triage } : {}) };
  }

  /** Triage of caller words that may not be stored yet (a voice LLM turn outruns its transcript); once per utterance. */
  async triageWords(text: string): Promise<TriageOutcome | undefined> {
    this.requireMeta();
    return this.triage.words(
      z
        .string()
        .min(1)
        .max(MAX_TEXT * 4)
        .parse(text),
      (reason) => this.handoff(reason),
    );
  }

  async setMode(mode: Mode, reason: string): Promise<RoomSnapshot> {
    this.requireMeta();
    await this.run({ type: "set_mode", mode, reason: z.string().min(1).max(100).parse(reason) }).done;
    return this.snapshot();
  }

  async setCallState(state: CallState, input?: Record<string, unknown>): Promise<RoomSnapshot> {
    this.requireMeta();
    const data = input ? JsonRecord.parse(input) : undefined;
    await this.run({ type: "call", state: CallStateInput.parse(state), ...(data ? { data } : {}) }).done;
    return this.snapshot();
  }

  async snapshot(): Promise<RoomSnapshot> {
    return snapshotOf(this.requireMeta(), this.core.room, this.store.lastSeq());
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
    this.turn?.controller.abort();
    await this.ctx.storage.deleteAlarm();
    await this.ctx.storage.deleteAll();
    [this.meta, this.core, this.turn, this.actx] = [
      undefined,
      { room: initialState(), bucket: undefined },
      undefined,
      undefined,
    ];
    return { messages };
  }

  /** The tenant hub reports a principal's reduced (or restored) authority (see room-authority.ts). */
  async authorityChanged(tenantId: string, principal: string, standing: Standing): Promise<void> {
    if (this.requireMeta().tenantId !== tenantId) throw new Error("room: wrong tenant");
    applyStanding(this.ctx, this.store, principal, standing);
  }

  // ---------------------------------------------------------------- sockets

  override async fetch(request: Request): Promise<Response> {
    const principal = RoomPrincipal.safeParse(JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? "null"));
    const meta = this.meta;
    const p = principal.success ? principal.data : undefined;
    if (!p || !meta || p.tenantId !== meta.tenantId || p.conversationId !== meta.conversationId)
      return new Response("not found", { status: 404 });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 400 });
    if (p.kind === "retell") return this.retell.accept(p);
    const info: SocketInfo =
      p.kind === "visitor"
        ? { kind: "visitor" }
        : {
            kind: "operator",
            userId: p.userId,
            name: p.name,
            canWrite: p.canWrite,
            ...(p.exp !== undefined ? { exp: p.exp } : {}),
          };
    if (info.kind === "operator") await this.admitOperator(info.userId);
    const pair = new WebSocketPair();
    this.ctx.acceptWebSocket(pair[1], [info.kind]);
    pair[1].serializeAttachment(info);
    sendPresence(this.ctx);
    return new Response(null, { status: 101, webSocket: pair[0] });
  }

  private admitOperator(principal: string) {
    const { tenantId, conversationId } = this.requireMeta();
    return admitOperator(this.store, principal, (p) => this.answerCtx().hub.watch(tenantId, p, conversationId)).catch(
      (err: unknown) => this.log().warn("room: hub watch failed", { error: String(err) }),
    );
  }

  override async webSocketMessage(ws: WebSocket, raw: string | ArrayBuffer) {
    const info = ws.deserializeAttachment() as SocketAttachment;
    if (info.kind === "retell") return this.retell.onFrame(ws, info, raw);
    const parsed = info.kind === "visitor" ? parseClientFrame(raw, "visitor") : parseClientFrame(raw, "operator");
    if (!parsed.ok)
      return send(ws, {
        type: "error",
        code: parsed.code,
        message: parsed.message,
        ...(parsed.cid ? { cid: parsed.cid } : {}),
      });
    if (info.kind === "operator" && parsed.frame.type === "auth" && !socketExpired(info.exp, Date.now()))
      return this.reauth(ws, info, parsed.frame.token);
    const from: Sender =
      info.kind === "visitor"
        ? { kind: "visitor" }
        : {
            kind: "operator",
            operator: { userId: info.userId, name: info.name },
            canWrite: info.canWrite,
            authority: this.store.authority()[info.userId] ?? "ok",
            ...(info.exp !== undefined ? { expiresAt: info.exp * 1000 } : {}),
          };
    try {
      // a visitor message may start an AI answer: billing is asked first (a cached lease, room-quota.ts)
      if (from.kind === "visitor" && parsed.frame.type === "msg" && this.core.room.mode === "ai")
        await this.quota.ensure(Date.now());
      await this.run({ type: "frame", from, frame: parsed.frame }, ws).done;
    } catch (err) {
      this.log().error("room: frame failed", {
        error: String(err),
        stack: err instanceof Error ? err.stack : undefined,
      });
      send(ws, { type: "error", code: "INTERNAL", message: "the frame could not be handled" });
    }
  }

  /** `auth`: a fresh access token of the same user and tenant extends the socket's life; anything else closes it. */
  private async reauth(ws: WebSocket, info: Extract<SocketInfo, { kind: "operator" }>, token: string) {
    const expect = { userId: info.userId, tenantId: this.requireMeta().tenantId };
    const r = await verifyReauth(this.answerCtx().config.appSecret, token, expect, Date.now());
    if (!r.ok) {
      send(ws, { type: "error", code: "UNAUTHORIZED", message: r.message });
      try {
        ws.close(4001, "unauthorized");
      } catch {}
      return;
    }
    ws.serializeAttachment({ ...info, exp: r.exp } satisfies SocketInfo);
    send(ws, { type: "authed", exp: r.exp });
  }

  override async webSocketClose(ws: WebSocket, code: number) {
    try {
      ws.close(code === 1005 || code === 1006 ? 1000 : code, "bye");
    } catch {}
    if (!this.retell.end(ws)) sendPresence(this.ctx, ws);
  }

  override async webSocketError(ws: WebSocket) {
    if (!this.retell.end(ws)) sendPresence(this.ctx, ws);
  }

  // ---------------------------------------------------------------- decide, then run the effects

  /** Gathers the facts, decides, and runs the effects in order; synchronous effects finish before it returns. */
  private run(command: Command, sender?: WebSocket): Outcome {
    const facts = gatherFacts(this.store, factsNeeded(command), this.turn, () => this.quota.current());
    const { state, effects } = decide(this.core, command, facts);
    this.core = state;
    return runEffects(this.effectHost, effects, sender);
  }

  private handoff(reason: string): Promise<unknown> {
    return this.run({ type: "handoff", reason }).done;
  }

  private answer(turnId: string, trigger: MessageRecord, triaged: Promise<unknown>, embedded: boolean) {
    const meta = this.requireMeta();
    this.quota.took();
    const answerer = roomAnswerer(embedded);
    const host: ChatTurnHost = {
      recent: (n) => this.store.recentMessages(n),
      answer: (input, signal) => answerer(this.answerCtx(), input, signal),
      broadcast: (frame) => fanOut(this.ctx, frame),
      current: { get: () => this.turn, set: (t) => void (this.turn = t) },
      store: (t, d) => {
        const text = (d.answer || t.text).slice(0, MAX_TEXT * 4);
        const failure = d.failure ? { failure: d.failure } : {};
        this.run({ type: "answer", turnId: t.id, text, sources: d.sources, confidence: d.confidence, ...failure });
      },
      handoff: (reason) => this.handoff(reason),
      log: (msg, fields) => this.log().warn(msg, fields),
    };
    const language = meta.visitor.locale ? { language: meta.visitor.locale } : {};
    const input = { botId: meta.botId, ...language, channel: "chat" as const };
    return runChatTurn(host, { turnId, trigger, triaged }, input, roomTurnTimeout());
  }

  override async alarm() {
    await this.alarms.run(() => this.answerCtx().db, this.meta, this.core.room);
  }

  // ---------------------------------------------------------------- context

  private publish(notice: Notice) {
    const meta = this.meta;
    if (!meta) return;
    const { conversationId, botId, channel } = meta;
    const event = { ...notice, conversationId, botId, channel, at: new Date().toISOString() } as ConversationEvent;
    this.answerCtx()
      .hub.publish(meta.tenantId, event)
      .catch((err: unknown) => this.log().warn("room: hub publish failed", { error: String(err), type: notice.type }));
  }

  /** Voice verbs run here with this room as the call's room, through its commands (not RPC to itself). */
  private voiceCtx(): VoiceCtx {
    return voiceCtxOf(this.answerCtx(), this.requireMeta(), (t, id) => this.answerCtx().rooms.conversation(t, id), {
      append: (i) => this.appendMessage(i),
      setMode: (m, r) => this.setMode(m, r),
      setCallState: (s, d) => this.setCallState(s, d),
      snapshot: () => this.snapshot(),
      messages: (a, l) => this.messages(a, l),
      triageWords: (t) => this.triageWords(t),
    });
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
const JsonRecord = z
  .record(z.string(), z.unknown())
  .transform((r) => JSON.parse(JSON.stringify(r)) as import("./protocol").JsonObject);
const CallStateInput = z.enum(["ringing", "in_progress", "transferred", "ended"]);

function stored(m: MessageRecord): StoredMessage {
  const { type: _t, ...f }: MsgFrame = toMsgFrame(m);
  return { ...f, ...(m.meta ? { meta: m.meta } : {}), ...(m.author ? { author: m.author } : {}) };
}
