import type { AnswerSource } from "../domain/knowledge/answer-types";
import type {
  AttachmentRef,
  CallState,
  Channel,
  ClientFrame,
  FrameErrorCode,
  JsonObject,
  Mode,
  Mood,
  Operator,
  Role,
} from "./protocol";
import { noteFrame } from "./room-sockets";
import { apply, takeToken, type Bucket, type RoomEvent, type RoomState } from "./room-state";
import { toMsgFrame, type MessageRecord, type NoteRecord } from "./room-store";
import { preview } from "./d1-copy";
import type { ConversationEvent } from "../contracts/hub";
import { withPresence } from "./presence";
import { noticeLanguage } from "./room-notices";
import {
  onAgentReply,
  onAiAnswer,
  onTransition,
  onVisitorMessage,
  openedEvent,
  tallyOf,
  type AnalyticsEvent,
  type Cause,
} from "./room-analytics";

/**
 * The conversation's rules as one pure function: `decide(state, command, facts) → { state, effects }`.
 * The Durable Object (conversation-room.ts) gathers the facts a command needs (`factsNeeded`), calls
 * decide, and runs the effects in order: store, send, publish, start or stop a turn, triage. Nothing
 * here does I/O or reads a clock, so every rule is a table test (room-core.test.ts).
 *
 * Mode and status transitions stay in room-state.ts (`apply`); this file adds messages, dedupe by
 * `cid`, the visitor rate bucket, attachments, turns and their superseding, notes, permissions.
 */

export type CoreState = {
  room: RoomState;
  /** Visitor rate bucket; kept in memory (a woken object starts with a full bucket). */
  bucket: Bucket | undefined;
};

/**
 * Who sent a socket frame; `authority` is what the room's revocation cache says about an operator now,
 * `expiresAt` (ms) when the operator's access token expires (absent for API keys: no expiry).
 */
export type Sender =
  | { kind: "visitor" }
  | {
      kind: "operator";
      operator: Operator;
      canWrite: boolean;
      /** Which acting frames the role allows (replies:write, notes:write, takeover:write); absent: all. */
      acts?: { reply: boolean; note: boolean; takeover: boolean };
      authority?: Authority;
      expiresAt?: number;
    };

/** An operator's standing as the tenant hub last told the room: `revoked` (removed, key revoked) or `read_only` (demoted). */
export type Authority = "ok" | "read_only" | "revoked";

export type Command =
  /** A parsed protocol v1 frame from a visitor or operator socket. */
  | { type: "frame"; from: Sender; frame: ClientFrame }
  /**
   * A channel adapter (voice, email, WhatsApp) stores a message; a visitor's is triaged. With
   * `respond` (email, WhatsApp) a visitor's message is answered like a chat message: it supersedes
   * a running turn and starts one while the AI has the conversation.
   */
  | {
      type: "append";
      role: Role;
      text: string;
      cid?: string;
      sources?: AnswerSource[];
      meta?: JsonObject;
      respond?: boolean;
      /** Files the adapter already stored (WhatsApp media, email attachments): the message carries them. */
      attachments?: AttachmentRef[];
      /** The person who wrote an agent message sent outside the sockets (a WhatsApp template). */
      author?: Operator;
    }
  | { type: "set_mode"; mode: Mode; reason: string }
  | { type: "call"; state: CallState; data?: JsonObject }
  /** An AI turn ended: store its answer (what the visitor saw when it failed mid-way). */
  | {
      type: "answer";
      turnId: string;
      text: string;
      sources: AnswerSource[];
      confidence: number;
      failure?: string;
      /** The answerer abstained (confidence under the bot's threshold): analytics' unanswered questions. */
      abstained?: boolean;
      /** The visitor message was a dialogue act (greeting, thanks…), answered without retrieval. */
      act?: string;
      /** The visitor message the turn answered. */
      question?: string;
      /** The model that answered (the bot's chain may have skipped some). */
      provider?: string;
      /** Tokens the provider billed: metered with the message (d1-copy.ts), through the `ai_answered` event. */
      usage?: { inputTokens: number; outputTokens: number };
      /** The answer hands the conversation to a person (the visitor accepted the offer of one). */
      handoff?: boolean;
      /** The triage's frustration (0..1) of the visitor message the turn answered: the avatar's mood. */
      frustration?: number;
    }
  /** The conversation was created (init): analytics' `opened`. */
  | { type: "open" }
  /** The answerer or triage decided a person should take over. */
  | { type: "handoff"; reason: string };

/** What the shell read before deciding; decide never reads storage itself. */
export type Facts = {
  now: number;
  /** The last stored `seq`; new messages take the next ones (the store checks). */
  lastSeq: number;
  /**
   * Fresh message ids, used in order: a list (table tests), or a source the shell draws from only
   * when a command stores something (typing, read and ping frames need none).
   */
  ids: readonly string[] | (() => string);
  /** The stored message (or note) with the command's cid key, when there is one (`factsNeeded`). */
  dup?: MessageRecord | NoteRecord;
  /** The command's attachments that exist and no message uses yet. */
  attachments?: AttachmentRef[];
  /** The running AI turn and the text it has streamed so far. */
  turn?: { id: string; text: string } | null;
  /** Whether someone who may take the conversation is online (the hub's last answer; undefined: unknown). */
  agents?: boolean;
  /** The conversation's channel (absent: chat). Email and WhatsApp deliver ai and agent messages. */
  channel?: Channel;
  /**
   * WhatsApp only: when the visitor last wrote (the sender's timestamp when the channel gave one),
   * which opens the 24-hour customer-service window.
   */
  lastVisitorAt?: number;
  /**
   * May the tenant's AI answer now (domain/billing `mayTenant`, cached by the shell)? Absent or `ok`:
   * answer; `handoff`: the quota or budget is used up and the bot hands new questions to a person
   * (reason `quota`); `embedded`: answer with the embedded extractive answerer instead of the paid model.
   */
  aiAllowance?: AiAllowance;
  /** The bot enables the widget avatar (room meta): AI turns send the visitor `mood` frames. */
  avatar?: boolean;
  /**
   * The bot's language (persona, else setting; "auto" or absent: the visitor's last question): the
   * language of the hand-off and other system lines the visitor reads (room-notices.ts).
   */
  language?: string;
};

/** Channels whose visitor is not on a socket: ai and agent messages go out through the channel adapter. */
export const DELIVERING_CHANNELS: readonly Channel[] = ["email", "whatsapp"];

/** WhatsApp's customer-service window: free-form messages only this long after the visitor's last one. */
export const WHATSAPP_WINDOW_MS = 24 * 60 * 60 * 1000;

/** Frustration (triage, 0..1) from which the avatar looks concerned rather than pleased. */
export const CONCERNED_FRUSTRATION = 0.5;
/** Confidence from which a grounded answer makes the avatar happy rather than neutral. */
export const HAPPY_CONFIDENCE = 0.6;
/** Dialogue acts the avatar meets with a smile. */
const HAPPY_ACTS = new Set(["greeting", "how_are_you", "thanks", "ack", "goodbye", "bot_identity"]);

/**
 * The avatar's mood after an AI turn, from the answer's outcome and the triage's sentiment: a
 * failure is apologetic, a hand-off is handing-over, an abstention apologetic (a frustrated
 * visitor) or concerned, a grounded answer to a frustrated visitor concerned, else happy (a
 * pleasantry, a confident answer) or neutral.
 */
export function moodOf(a: {
  confidence: number;
  abstained?: boolean;
  failure?: string;
  handoff?: boolean;
  act?: string;
  frustration?: number;
}): Mood {
  const frustrated = (a.frustration ?? 0) >= CONCERNED_FRUSTRATION;
  if (a.failure) return "apologetic";
  if (a.handoff) return "handing-over";
  if (a.abstained) return frustrated ? "apologetic" : "concerned";
  if (frustrated) return "concerned";
  if (a.act && HAPPY_ACTS.has(a.act)) return "happy";
  if (a.act) return "neutral";
  return a.confidence >= HAPPY_CONFIDENCE ? "happy" : "neutral";
}

/** The billing decision a visitor message's AI answer needs (see Facts.aiAllowance). */
export type AiAllowance = "ok" | "handoff" | "embedded";

/** An inbox event before the room adds its conversation, bot, channel and time. */
export type Notice = ConversationEvent extends infer E
  ? E extends ConversationEvent
    ? Omit<E, "conversationId" | "botId" | "channel" | "at">
    : never
  : never;

export type Audience = "sender" | "all" | "visitor" | "operator" | "others";

export type Effect =
  | { type: "send"; to: Audience; frame: object }
  | { type: "store_message"; message: MessageRecord; cidKey: string | null; attachmentIds?: string[] }
  | { type: "store_note"; note: NoteRecord; cidKey: string | null }
  /** State (or a note) changed: persist the state and schedule the D1 copy. */
  | { type: "save" }
  | { type: "publish"; notice: Notice }
  /** Abort the running AI turn (its visible text is stored by a preceding store_message). */
  | { type: "stop_turn" }
  /** Start an AI answer to `trigger`, gated on the triage of the same message; `embedded`: with the embedded answerer. */
  | { type: "start_turn"; turnId: string; trigger: MessageRecord; embedded?: true }
  | { type: "triage"; message: MessageRecord }
  /** The conversation now waits for a person: open the ticket (once per escalation). */
  | { type: "escalated"; reason: string }
  /** An agent replied: the live ticket records its first response. */
  | { type: "agent_replied"; at: number }
  /**
   * The conversation closed: its live ticket is solved and, when it has no assignee, assigned to
   * `by` (whoever handled it: the operator who took it over, else the one who closed it).
   */
  | { type: "closed"; by: string | null }
  /** `hello`: send ready and replay after lastSeq (reads pages from the store). */
  | { type: "replay"; lastSeq: number }
  /** The RPC caller's result (append: the stored or deduplicated message). */
  | { type: "ack"; message: MessageRecord }
  /** Close the sender's socket (revoked authority, expired token). */
  | { type: "close_sender"; code: number; reason: string }
  /** An analytics event (room-analytics.ts): kept in the room and copied to D1 with the next flush. */
  | { type: "event"; event: AnalyticsEvent }
  /** An ai or agent message of an email or WhatsApp conversation: the channel adapter sends it. */
  | { type: "deliver"; message: MessageRecord };

export type Decision = { state: CoreState; effects: Effect[] };

/** The cid key under which a command's message or note is stored (dedupe scope: sender and kind). */
export function cidKeyOf(c: Command): { key: string; kind: "msg" | "note" } | null {
  if (c.type === "append") return c.cid ? { key: `${c.role}:${c.cid}`, kind: "msg" } : null;
  if (c.type !== "frame") return null;
  const f = c.frame;
  if (c.from.kind === "visitor") return f.type === "msg" ? { key: `visitor:${f.cid}`, kind: "msg" } : null;
  const uid = c.from.operator.userId;
  if (f.type === "msg") return { key: `agent:${uid}:${f.cid}`, kind: "msg" };
  if (f.type === "note" && f.cid) return { key: `note:${uid}:${f.cid}`, kind: "note" };
  return null;
}

/** Which facts beyond the basics a command needs, so the shell reads only those. */
export function factsNeeded(c: Command): {
  cidKey: { key: string; kind: "msg" | "note" } | null;
  attachmentIds: string[];
  /** A visitor message may start an AI answer: the shell asks billing first. */
  aiAllowance: boolean;
} {
  const visitorMsg = c.type === "frame" && c.from.kind === "visitor" && c.frame.type === "msg";
  const attachmentIds = visitorMsg && c.frame.type === "msg" ? [...new Set(c.frame.attachments ?? [])] : [];
  // a channel message (email, WhatsApp) that asks for an answer is billed like a chat message
  const channelAsk = c.type === "append" && c.respond === true && c.role === "visitor";
  return { cidKey: cidKeyOf(c), attachmentIds, aiAllowance: visitorMsg || channelAsk };
}

/** Effects are appended in the order the shell must run them. */
class Out {
  readonly effects: Effect[] = [];
  private seq: number;
  private nextId = 0;
  constructor(
    public state: CoreState,
    private readonly facts: Facts,
  ) {
    this.seq = facts.lastSeq;
  }
  get now() {
    return this.facts.now;
  }
  id(): string {
    const ids = this.facts.ids;
    const id = typeof ids === "function" ? ids() : ids[this.nextId++];
    if (!id) throw new Error("room-core: not enough fresh ids in facts");
    return id;
  }
  push(...e: Effect[]) {
    this.effects.push(...e);
  }
  send(to: Audience, frame: object) {
    this.push({ type: "send", to, frame });
  }
  /** The avatar's mood, to the visitor, only when the bot enables the avatar. */
  mood(mood: Mood) {
    if (this.facts.avatar) this.send("visitor", { type: "mood", mood });
  }
  refuse(code: FrameErrorCode, message: string, cid?: string) {
    this.send("sender", { type: "error", code, message, ...(cid ? { cid } : {}) });
  }
  /** Appends a message with the next seq; everyone gets the `msg` frame (the sender's echo is its ack). */
  store(m: Omit<MessageRecord, "seq" | "createdAt">, cidKey: string | null, attachmentIds?: string[]): MessageRecord {
    const rec: MessageRecord = { ...m, seq: ++this.seq, createdAt: this.now };
    if (rec.role === "visitor") this.setTally(onVisitorMessage(tallyOf(this.state.room), rec.text, this.now));
    this.push({ type: "store_message", message: rec, cidKey, ...(attachmentIds?.length ? { attachmentIds } : {}) });
    this.send("all", toMsgFrame(rec));
    if (shouldDeliver(rec, this.facts.channel)) this.push({ type: "deliver", message: rec });
    this.push(
      { type: "save" },
      {
        type: "publish",
        notice: {
          type: "conversation.message",
          lastSeq: rec.seq,
          role: rec.role,
          preview: preview(rec.text),
          messageCount: rec.seq,
        },
      },
    );
    return rec;
  }
  setTally(tally: ReturnType<typeof tallyOf>) {
    this.state = { ...this.state, room: { ...this.state.room, tally } };
  }
  emit(...events: AnalyticsEvent[]) {
    for (const event of events) this.push({ type: "event", event });
  }
  /** Stops the running turn; what the visitor already saw is stored under the turn's id. */
  stopTurn(why: string) {
    const t = this.facts.turn;
    if (!t) return;
    this.push({ type: "stop_turn" });
    if (t.text.trim())
      this.store(
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
  /** Applies a mode/status rule (room-state.ts) and emits what it asks for; `cause`: who acted. */
  transition(event: RoomEvent, cause: Cause = { actor: "system" }) {
    const prev = this.state.room;
    const lang = noticeLanguage(this.facts.language, prev.tally?.lastQuestion);
    const { state, out } = withPresence(apply(prev, event, this.now, lang), this.facts.agents, lang);
    if (!out.changed) return false;
    const step = onTransition(prev, state, event, cause, this.now);
    this.state = { ...this.state, room: { ...state, tally: step.tally } };
    this.push({ type: "save" });
    this.emit(...step.events);
    if (out.abortTurn) this.stopTurn(event.type);
    if (out.system)
      this.store(
        {
          id: this.id(),
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
      const agents = out.mode.agents === undefined ? {} : { agents: out.mode.agents };
      this.send("visitor", { type: "mode", mode: out.mode.mode, reason: out.mode.reason, ...agents });
      this.send("operator", {
        type: "mode",
        mode: out.mode.mode,
        reason: out.mode.reason,
        status: state.status,
        assignee: state.assignee,
      });
    }
    for (const n of out.hub) this.push({ type: "publish", notice: n });
    if (out.escalated) this.push({ type: "escalated", reason: out.escalated });
    if (out.mode?.mode === "closed") {
      const closer = cause.actor === "agent" ? cause.operator.userId : null;
      this.push({ type: "closed", by: state.assignee?.userId ?? closer ?? null });
    }
    return true;
  }
}

export function decide(state: CoreState, command: Command, facts: Facts): Decision {
  const o = new Out(state, facts);
  switch (command.type) {
    case "frame":
      onFrame(o, command.from, command.frame, facts);
      break;
    case "append":
      onAppend(o, command, facts);
      break;
    case "set_mode":
      o.transition({ type: "set_mode", mode: command.mode, reason: command.reason });
      break;
    case "call": {
      o.transition({ type: "call", state: command.state, ...(command.data ? { data: command.data } : {}) });
      const data = command.data ? { data: command.data } : {};
      o.send("operator", { type: "call", state: command.state, ...data, at: new Date(o.now).toISOString() });
      break;
    }
    case "answer": {
      const text = command.text;
      if (!text.trim()) break;
      const meta = { confidence: command.confidence, ...(command.failure ? { failure: command.failure } : {}) };
      const answered = o.store(
        {
          id: command.turnId,
          cid: null,
          role: "ai",
          text,
          sources: command.sources.length ? command.sources : null,
          attachments: null,
          author: null,
          meta,
        },
        null,
      );
      const { confidence, abstained = false, act, question, failure, provider, usage } = command;
      const a = {
        confidence,
        abstained,
        ...(act ? { act } : {}),
        ...(question ? { question } : {}),
        ...(provider ? { provider } : {}),
        ...(usage ? { usage } : {}),
      };
      o.emit(onAiAnswer(answered.id, { ...a, ...(failure ? { failure } : {}) }, o.now));
      o.mood(moodOf(command));
      break;
    }
    case "open":
      o.emit(openedEvent(o.now));
      o.setTally(tallyOf({ ...o.state.room, changedAt: o.now }));
      o.push({ type: "save" });
      break;
    case "handoff":
      if (o.transition({ type: "handoff", reason: command.reason })) o.mood("handing-over");
      break;
  }
  return { state: o.state, effects: o.effects };
}

/**
 * A channel message is delivered when the AI or an agent wrote it in an email or WhatsApp
 * conversation, unless its adapter already sent it (meta `delivered: true`, e.g. a WhatsApp template)
 * or it is the partial text of a stopped turn.
 */
function shouldDeliver(m: MessageRecord, channel: Channel | undefined) {
  if (!channel || !DELIVERING_CHANNELS.includes(channel)) return false;
  // a superseded turn's partial text was only ever streamed to sockets; the mail gets the next answer
  return (m.role === "ai" || m.role === "agent") && m.meta?.delivered !== true && m.meta?.stopped === undefined;
}

function onAppend(o: Out, c: Extract<Command, { type: "append" }>, facts: Facts) {
  const key = cidKeyOf(c);
  if (facts.dup && "seq" in facts.dup) return o.push({ type: "ack", message: facts.dup });
  const answer = c.respond === true && c.role === "visitor";
  if (answer) o.stopTurn("superseded");
  // a person's message sent by an adapter (a WhatsApp template) takes the conversation like a socket reply
  if (c.role === "agent" && c.author && o.state.room.mode !== "closed")
    o.transition({ type: "agent_message", operator: c.author }, { actor: "agent", operator: c.author });
  const rec = o.store(
    {
      id: o.id(),
      cid: c.cid ?? null,
      role: c.role,
      text: c.text,
      sources: c.sources ?? null,
      attachments: c.attachments?.length ? c.attachments : null,
      author: c.role === "agent" ? (c.author ?? null) : null,
      meta: c.meta ?? null,
    },
    key?.key ?? null,
  );
  o.push({ type: "ack", message: rec });
  // …and counts as a person's reply in analytics, once (the cid makes a retry a duplicate, above)
  if (c.role === "agent") {
    const step = onAgentReply(tallyOf(o.state.room), c.author ?? null, rec.id, o.now);
    o.setTally(step.tally);
    o.emit(...step.events);
    o.push({ type: "agent_replied", at: rec.createdAt });
  }
  if (c.role === "visitor") o.push({ type: "triage", message: rec });
  // a channel's AI line (a voice agent's turn) is an AI answer too
  if (c.role === "ai") {
    const confidence = typeof c.meta?.confidence === "number" ? c.meta.confidence : 1;
    o.emit(onAiAnswer(rec.id, { confidence, abstained: false }, o.now));
  }
  if (answer && o.state.room.mode === "ai") startAnswer(o, rec, facts);
}

const cidOf = (f: ClientFrame) => ("cid" in f && typeof f.cid === "string" ? f.cid : undefined);

function onFrame(o: Out, from: Sender, f: ClientFrame, facts: Facts) {
  // socket life is bounded by the access token's expiry unless an `auth` frame extended it in time
  if (from.kind === "operator" && from.expiresAt !== undefined && facts.now >= from.expiresAt) {
    o.refuse("TOKEN_EXPIRED", "your access token expired; reconnect (send an auth frame before it expires)", cidOf(f));
    return o.push({ type: "close_sender", code: 4001, reason: "token expired" });
  }
  if (from.kind === "operator" && from.authority === "revoked") {
    o.refuse("FORBIDDEN", "your access to this tenant was revoked", cidOf(f));
    return o.push({ type: "close_sender", code: 4001, reason: "access revoked" });
  }
  // a re-auth in time is verified by the shell (it needs the secret and a clock); nothing to decide
  if (f.type === "auth") return;
  if (f.type === "hello") return o.push({ type: "replay", lastSeq: f.lastSeq });
  if (f.type === "ping") return o.send("sender", { type: "pong" });
  if (f.type === "typing")
    return o.send("others", { type: "typing", role: from.kind === "visitor" ? "visitor" : "agent" });
  if (f.type === "read") {
    if (from.kind !== "visitor") return;
    o.transition({ type: "read", seq: Math.min(f.seq, facts.lastSeq) });
    return o.send("operator", { type: "read", role: "visitor", seq: o.state.room.visitorReadSeq });
  }
  if (f.type === "rate") {
    const comment = f.comment ? { comment: f.comment } : {};
    o.transition({ type: "rate", score: f.score, ...comment });
    return o.send("operator", { type: "rate", score: f.score, ...comment });
  }
  if (from.kind === "visitor") {
    if (o.state.room.mode === "closed")
      return o.refuse("CONVERSATION_CLOSED", "this conversation is closed; start a new one", cidOf(f));
    if (f.type === "human") return void (o.transition({ type: "ask_human" }) && o.mood("handing-over"));
    if (f.type === "msg") return onVisitorMsg(o, f, facts);
    return;
  }
  if (!from.canWrite || from.authority === "read_only")
    return o.refuse("FORBIDDEN", "your role may watch this conversation but not act in it", cidOf(f));
  const act = f.type === "msg" ? "reply" : f.type === "note" ? "note" : "takeover";
  if (from.acts && !from.acts[act])
    return o.refuse(
      "FORBIDDEN",
      `your role lacks the permission ${act === "reply" ? "replies:write" : act === "note" ? "notes:write" : "takeover:write"}`,
      cidOf(f),
    );
  const op = from.operator;
  const by: Cause = { actor: "agent", operator: op };
  if (f.type === "note") return onNote(o, op, f.text, f.cid, facts);
  if (o.state.room.mode === "closed") return o.refuse("CONVERSATION_CLOSED", "this conversation is closed", cidOf(f));
  if (f.type === "takeover") return void o.transition({ type: "takeover", operator: op }, by);
  if (f.type === "release") return void o.transition({ type: "release" }, by);
  if (f.type === "close") return void o.transition({ type: "close" }, by);
  if (f.type === "msg") return onAgentMsg(o, op, f.text, f.cid, facts);
}

function onVisitorMsg(o: Out, f: { cid: string; text: string; attachments?: string[] }, facts: Facts) {
  // a resend: acknowledge again, store nothing
  if (facts.dup && "seq" in facts.dup) return o.send("sender", toMsgFrame(facts.dup));
  const rate = takeToken(o.state.bucket, o.now);
  o.state = { ...o.state, bucket: rate.bucket };
  if (!rate.ok) return o.refuse("RATE_LIMITED", "too many messages; wait a moment", f.cid);
  const ids = [...new Set(f.attachments ?? [])];
  const atts = facts.attachments ?? [];
  if (atts.length !== ids.length)
    return o.refuse("UNKNOWN_ATTACHMENT", "an attachment is unknown, not uploaded yet or already sent", f.cid);
  o.stopTurn("superseded");
  const rec = o.store(
    {
      id: o.id(),
      cid: f.cid,
      role: "visitor",
      text: f.text,
      sources: null,
      attachments: atts.length ? atts : null,
      author: null,
      meta: null,
    },
    `visitor:${f.cid}`,
    ids,
  );
  o.push({ type: "triage", message: rec });
  if (o.state.room.mode !== "ai") return;
  startAnswer(o, rec, facts);
}

/** Starts the AI turn for a visitor's message, unless billing says the AI may not answer now. */
function startAnswer(o: Out, rec: MessageRecord, facts: Facts) {
  // over quota (or budget) the bot's choice applies: a person takes over, or the embedded answerer answers
  if (facts.aiAllowance === "handoff")
    return void (o.transition({ type: "handoff", reason: "quota" }) && o.mood("handing-over"));
  const embedded = facts.aiAllowance === "embedded" ? { embedded: true as const } : {};
  o.mood("thinking");
  o.push({ type: "start_turn", turnId: o.id(), trigger: rec, ...embedded });
}

function onAgentMsg(o: Out, op: Operator, text: string, cid: string, facts: Facts) {
  if (facts.dup && "seq" in facts.dup) return o.send("sender", toMsgFrame(facts.dup));
  if (
    facts.channel === "whatsapp" &&
    !(facts.lastVisitorAt !== undefined && o.now - facts.lastVisitorAt < WHATSAPP_WINDOW_MS)
  )
    return o.refuse(
      "WINDOW_CLOSED",
      "WhatsApp's 24-hour window is closed: the customer has not written for 24 hours, so only an approved template can be sent (POST /api/channels/whatsapp/conversations/:id/template)",
      cid,
    );
  o.transition({ type: "agent_message", operator: op }, { actor: "agent", operator: op });
  const rec = o.store(
    { id: o.id(), cid, role: "agent", text, sources: null, attachments: null, author: op, meta: null },
    `agent:${op.userId}:${cid}`,
  );
  const step = onAgentReply(tallyOf(o.state.room), op, rec.id, o.now);
  o.setTally(step.tally);
  o.emit(...step.events);
  o.push({ type: "agent_replied", at: rec.createdAt });
}

function onNote(o: Out, op: Operator, text: string, cid: string | undefined, facts: Facts) {
  if (facts.dup && "afterSeq" in facts.dup) return o.send("sender", noteFrame(facts.dup));
  const note: NoteRecord = {
    id: o.id(),
    afterSeq: facts.lastSeq,
    cid: cid ?? null,
    text,
    author: op,
    createdAt: o.now,
  };
  o.push({ type: "store_note", note, cidKey: cid ? `note:${op.userId}:${cid}` : null }, { type: "save" });
  o.send("operator", noteFrame(note));
}
