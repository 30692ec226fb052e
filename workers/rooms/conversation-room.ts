import { DurableObject } from "cloudflare:workers";
import type { AnswerCtx } from "../domain/knowledge/answer-types";
import type { VoiceCtx } from "../domain/voice/ports";
import { insertConversation } from "./d1-copy";
import type { AttachmentRef, CallState, Mode } from "./protocol";
import { roomCtx, startChatTurn, type AnswerCommand } from "./room-ctx";
import { decide, factsNeeded, type Command, type CoreState, type Notice } from "./room-core";
import { RetellChannel, voiceCtxOf } from "./room-retell";
import { initialState, snapshotOf, type RoomMeta } from "./room-state";
import { createRoomStore, type MessageRecord, type RoomStore } from "./room-store";
import { acceptSocket, send, sendPresence, type SocketAttachment } from "./room-sockets";
import * as entry from "./room-entry";
import { publishNotice, runEffects, type EffectHost, type Outcome } from "./room-effects";
import type { Turn } from "./room-turn";
import { RoomAlarm } from "./room-alarm";
import { roomNow } from "./room-clock";
import { RoomTriage, type TriageOutcome } from "./room-triage";
import type { Standing } from "../contracts/hub";
import { PRINCIPAL_HEADER, RoomPrincipal, RoomInitInput, AppendInput, Visitor } from "./room-api";
import type { RoomInit, AppendMessageInput, RoomSnapshot, StoredMessage, VisitorPatch } from "./room-api";
import { mergeVisitor } from "./room-visitor";
import { admitOperator, applyStanding, gatherFacts } from "./room-authority";
import { socketExpired } from "./socket-auth";
import { AgentPresence } from "./presence";
import { deliverChannelMessage } from "../domain/channels/deliver";
import { RoomQuota } from "./room-quota";
import { mayChangeHands, RoomLanguage } from "./room-language";

export type { RoomInit, AppendMessageInput, RoomSnapshot, StoredMessage } from "./room-api";

export { FLUSH_DELAY_MS } from "./room-alarm";

/**
 * One per conversation, named `${tenantId}:${conversationId}`: the thin shell around room-core.ts.
 * It loads state, gathers facts, runs the effects `decide` returns (store, send, publish, start or
 * stop a turn, triage) and owns the sockets. Rules live in room-core.ts and room-state.ts, SQL in
 * room-store.ts, the AI turn in room-turn.ts, triage in room-triage.ts, Retell in room-retell.ts,
 * socket admission and RPC input checks in room-entry.ts.
 */
export class ConversationRoom extends DurableObject<Env> {
  private readonly store: RoomStore;
  private meta: RoomMeta | undefined;
  private core: CoreState = { room: initialState(), bucket: undefined };
  private turn: Turn | undefined;
  /** The hub's last word on whether someone who may take the conversation is online (presence.ts). */
  private readonly presence = new AgentPresence();
  private actx: AnswerCtx | undefined;
  private readonly alarms: RoomAlarm;
  private readonly retell: RetellChannel;
  private readonly triage: RoomTriage;
  private readonly effectHost: EffectHost;
  private readonly quota: RoomQuota;
  /** The bot's language for the system lines the visitor reads (room-notices.ts). */
  private readonly language: RoomLanguage;
  /** Commands wait here for their asynchronous preparation (presence, billing) so they are decided in arrival order. */
  private inbox: Promise<unknown> = Promise.resolve();

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
    const [actx, meta, dirty] = [() => this.answerCtx(), () => this.requireMeta(), () => this.alarms.markDirty()];
    this.triage = new RoomTriage(this.store, actx, meta, dirty);
    this.quota = new RoomQuota(
      actx,
      (msg, fields) => this.log().warn(msg, fields),
      () => this.meta?.botId,
    );
    this.language = new RoomLanguage(
      actx,
      () => this.meta && { tenantId: this.meta.tenantId, botId: this.meta.botId },
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
      deliver: (m) => deliverChannelMessage(this.answerCtx(), this.requireMeta(), entry.storedMessage(m)),
    };
  }

  /** Creates the conversation (idempotent: a second call returns the snapshot unchanged). */
  async init(input: RoomInit): Promise<RoomSnapshot> {
    const meta = RoomInitInput.parse(input);
    await this.ctx.blockConcurrencyWhile(async () => {
      if (this.meta) {
        if (this.meta.tenantId !== meta.tenantId || this.meta.conversationId !== meta.conversationId)
          throw new Error("room: init with another identity");
        return;
      }
      const fresh: RoomMeta = { ...meta, visitor: meta.visitor ?? {}, createdAt: roomNow() };
      // the room context is built once and kept for the answerer, triage and the alarm
      this.actx = roomCtx(this.env, meta.tenantId, meta.conversationId);
      await insertConversation(this.actx.repos, { ...fresh, visitorKeyHash: meta.visitorKeyHash ?? null });
      this.core = { room: initialState(fresh.createdAt), bucket: undefined };
      this.store.create(fresh, this.core.room);
      this.meta = fresh;
      this.run({ type: "open" });
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
   * Stores a message from a channel adapter (voice transcripts, email, WhatsApp). A visitor's message
   * is triaged here, once, and the result comes back with it; with `respond` (email, WhatsApp) it is
   * also answered like a chat message (room-core `append`).
   */
  async appendMessage(input: AppendMessageInput): Promise<StoredMessage & { triage?: TriageOutcome }> {
    const m = AppendInput.parse(input);
    this.requireMeta();
    const meta = m.meta ? entry.JsonRecord.parse(m.meta) : undefined;
    const out = await this.decideInOrder({
      type: "append",
      role: m.role,
      text: m.text,
      ...(m.cid ? { cid: m.cid } : {}),
      ...(m.sources ? { sources: m.sources } : {}),
      ...(meta ? { meta } : {}),
      ...(m.respond ? { respond: true } : {}),
      ...(m.attachments?.length ? { attachments: m.attachments } : {}),
      ...(m.author && m.role === "agent" ? { author: m.author } : {}),
    });
    const triage = await (out.triage ?? (m.role === "visitor" ? this.triage.outcomeOf(out.ack!.seq) : undefined));
    return { ...entry.storedMessage(out.ack!), ...(triage ? { triage } : {}) };
  }

  /** Triage of caller words that may not be stored yet (a voice LLM turn outruns its transcript); once per utterance. */
  async triageWords(text: string): Promise<TriageOutcome | undefined> {
    this.requireMeta();
    return this.triage.words(entry.Words.parse(text), (reason) => this.handoff(reason));
  }

  async setMode(mode: Mode, reason: string): Promise<RoomSnapshot> {
    this.requireMeta();
    await this.language.ensure(Date.now());
    await this.run({ type: "set_mode", mode, reason: entry.ModeReason.parse(reason) }).done;
    return this.snapshot();
  }

  async setCallState(state: CallState, input?: Record<string, unknown>): Promise<RoomSnapshot> {
    this.requireMeta();
    const data = input ? entry.JsonRecord.parse(input) : undefined;
    await this.run({ type: "call", state: entry.CallStateInput.parse(state), ...(data ? { data } : {}) }).done;
    return this.snapshot();
  }

  async snapshot(): Promise<RoomSnapshot> {
    return snapshotOf(this.requireMeta(), this.core.room, this.store.lastSeq());
  }

  /** Visible messages (notes excluded) after `afterSeq`, oldest first. */
  async messages(afterSeq = 0, limit = 1000): Promise<StoredMessage[]> {
    this.requireMeta();
    return this.store.messagesAfter(afterSeq, Math.min(limit, 5000)).map(entry.storedMessage);
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
    this.store.forget();
    [this.meta, this.turn, this.actx] = [undefined, undefined, undefined];
    this.core = { room: initialState(), bucket: undefined };
    return { messages };
  }

  /** The tenant hub reports a principal's reduced (or restored) authority (see room-authority.ts). */
  async authorityChanged(tenantId: string, principal: string, standing: Standing): Promise<void> {
    if (this.requireMeta().tenantId !== tenantId) throw new Error("room: wrong tenant");
    applyStanding(this.ctx, this.store, principal, standing);
  }

  override async fetch(request: Request): Promise<Response> {
    const principal = RoomPrincipal.safeParse(JSON.parse(request.headers.get(PRINCIPAL_HEADER) ?? "null"));
    const gate = entry.socketInfoOf(principal.success ? principal.data : undefined, this.meta);
    if (!gate.ok) return new Response(gate.message, { status: gate.status });
    if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
      return new Response("expected a WebSocket upgrade", { status: 400 });
    const info = gate.info;
    if (info.kind === "retell") return this.retell.accept(info);
    if (info.kind === "operator") await this.admitOperator(info.userId);
    return new Response(null, { status: 101, webSocket: acceptSocket(this.ctx, info) });
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
    const frame = entry.frameOf(ws, info, raw);
    if (!frame) return;
    if (info.kind === "operator" && frame.type === "auth" && !socketExpired(info.exp, Date.now())) {
      const check = { secret: this.answerCtx().config.appSecret, tenantId: this.requireMeta().tenantId };
      return entry.reauthSocket(ws, info, frame.token, { ...check, now: Date.now() });
    }
    const from = entry.senderOf(info, this.store.authority());
    try {
      await (
        await this.decideInOrder({ type: "frame", from, frame }, ws)
      ).done;
    } catch (err) {
      this.log().error("room: frame failed", { error: String(err), stack: (err as Error | undefined)?.stack });
      send(ws, { type: "error", code: "INTERNAL", message: "the frame could not be handled" });
    }
  }

  /**
   * Decides a command once the asynchronous facts it needs are in: presence (a visitor's frame; an
   * explicit ask for a person waits for a fresh answer) and billing (a message that may start an AI
   * answer, room-core `factsNeeded`). Preparations run one after another, so commands reach `decide`
   * in the order they came even when an earlier one waited longer.
   */
  private async decideInOrder(command: Command, sender?: WebSocket): Promise<Outcome> {
    const prepare = async () => {
      if (command.type === "frame" && command.from.kind === "visitor") {
        const wait = command.frame.type === "human";
        await this.presence.refresh(this.answerCtx().hub, this.requireMeta().tenantId, wait, Date.now());
        if (command.frame.type === "hello" && this.core.room.mode === "ai") this.quota.warm(Date.now());
      }
      if (factsNeeded(command).aiAllowance && this.core.room.mode === "ai") await this.quota.ensure(Date.now());
      if (mayChangeHands(command)) await this.language.ensure(Date.now());
    };
    const ready = this.inbox.then(prepare);
    this.inbox = ready.catch(() => {});
    await ready;
    return this.run(command, sender);
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

  /** Gathers the facts, decides, and runs the effects in order; synchronous effects finish before it returns. */
  private run(command: Command, sender?: WebSocket): Outcome {
    const allowance = () => this.quota.current();
    const facts = {
      ...gatherFacts(this.store, factsNeeded(command), this.turn, this.meta?.channel, allowance),
      agents: this.presence.agents,
      ...(this.meta?.avatar ? { avatar: true } : {}),
      ...(this.language.tag ? { language: this.language.tag } : {}),
    };
    const { state, effects } = decide(this.core, command, facts);
    this.core = state;
    return runEffects(this.effectHost, effects, sender);
  }

  private async handoff(reason: string): Promise<unknown> {
    await this.language.ensure(Date.now());
    return this.run({ type: "handoff", reason }).done;
  }

  private answer(turnId: string, trigger: MessageRecord, triaged: Promise<unknown>, embedded: boolean) {
    this.quota.took();
    const current = { get: () => this.turn, set: (t: Turn | undefined) => void (this.turn = t) };
    const deps = { state: this.ctx, store: this.store, meta: this.requireMeta(), ctx: () => this.answerCtx(), current };
    const commands = { answered: (c: AnswerCommand) => this.run(c), handoff: (r: string) => this.handoff(r) };
    return startChatTurn({ ...deps, ...commands, embedded }, turnId, trigger, triaged);
  }

  override async alarm() {
    await this.alarms.run(
      () => this.answerCtx().repos,
      this.meta,
      this.core.room,
      () => this.quota.answered(),
    );
  }

  private publish(notice: Notice) {
    if (this.meta) publishNotice(this.answerCtx(), this.meta, notice);
  }

  /** Voice verbs run here with this room as the call's room, through its commands (not RPC to itself). */
  private voiceCtx(): VoiceCtx {
    return voiceCtxOf(
      this.answerCtx(),
      this.requireMeta(),
      (t, id) => this.answerCtx().rooms.conversation(t, id),
      this,
    );
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
