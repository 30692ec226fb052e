import type { CallState, Channel, JsonObject, Mode, Operator, Status } from "./protocol";
import type { VisitorInfo } from "../storage/schema";
import type { PhraseLanguage } from "../domain/knowledge/language";
import { noticesFor, ROOM_NOTICES, type RoomNotices } from "./room-notices";

/**
 * The room's rules as pure transitions: `apply(state, event, now) → { state, out }`. The Durable
 * Object executes `out` (store the system message, send mode frames, tell the hub, call triage's
 * escalation hook, abort a running AI turn). No I/O here, so every rule is unit-testable.
 */

/** Set once by `init`; never changes afterwards. */
export type RoomMeta = {
  tenantId: string;
  conversationId: string;
  botId: string;
  channel: Channel;
  visitor: VisitorInfo;
  createdAt: number;
  /** The bot enabled the widget avatar when the conversation started: AI turns send `mood` frames. */
  avatar?: boolean;
};

export type RoomState = {
  mode: Mode;
  status: Status;
  /** Operator who took the conversation over (mode `human`, status `open`). */
  assignee: Operator | null;
  /** Why the mode last changed: asked_for_human, low_confidence, provider_failed, takeover, released, closed, or a triage reason. */
  reason: string | null;
  closedAt: number | null;
  call: { state: CallState; data?: JsonObject; at: number } | null;
  visitorReadSeq: number;
  rating: { score: number; comment?: string; at: number } | null;
  /** Last change a person would call activity (not read receipts); orders the inbox with the last message. */
  changedAt: number;
  /** Analytics bookkeeping (room-analytics.ts); absent in rooms stored before issue 16. */
  tally?: Tally;
};

/** What the room remembers between commands to emit the events above; kept inside RoomState. */
export type Tally = {
  /** Care cycle: 0 for the first, each reopen starts the next. */
  cycle: number;
  cycleStart: number;
  handoffs: number;
  /** The pending hand-off's time: set when handed off, cleared when a person acts. */
  handoffAt: number | null;
  /** Whether a person replied in this care cycle. */
  replied: boolean;
  /** First visitor message since the last agent reply (reply time starts here). */
  waitingSince: number | null;
  ratings: number;
  /** The latest visitor text, for the hand-off event (what could not be answered). */
  lastQuestion: string | null;
  /** Call analytics: start and end are emitted once each; a transfer is the call's outcome. */
  call?: { started: boolean; ended: boolean; transferred: boolean };
};

export const initialTally = (now: number): Tally => ({
  cycle: 0,
  cycleStart: now,
  handoffs: 0,
  handoffAt: null,
  replied: false,
  waitingSince: null,
  ratings: 0,
  lastQuestion: null,
});

export const initialState = (now = 0): RoomState => ({
  mode: "ai",
  status: "open",
  assignee: null,
  reason: null,
  closedAt: null,
  call: null,
  visitorReadSeq: 0,
  rating: null,
  changedAt: now,
});

export type RoomEvent =
  | { type: "ask_human" }
  | { type: "handoff"; reason: string }
  | { type: "takeover"; operator: Operator }
  | { type: "agent_message"; operator: Operator }
  | { type: "release" }
  | { type: "close" }
  | { type: "set_mode"; mode: Mode; reason: string }
  | { type: "call"; state: CallState; data?: JsonObject }
  | { type: "read"; seq: number }
  | { type: "rate"; score: number; comment?: string };

/** Coarse inbox events the transition asks the room to publish (the room adds ids and time). */
export type HubNotice =
  | { type: "conversation.mode"; mode: Mode; status: Status; reason: string }
  | { type: "conversation.assigned"; assignee: Operator | null }
  | { type: "conversation.closed"; reason: string }
  | { type: "call.state"; state: CallState; data?: JsonObject };

export type RoomOut = {
  /** A system message to store and broadcast, e.g. "Dana joined the conversation." */
  system?: string;
  /** Send `{type:"mode", mode, reason}` to everyone. */
  mode?: { mode: Mode; reason: string };
  hub: HubNotice[];
  /** The conversation now waits for a person: call onConversationEscalated once with this reason. */
  escalated?: string;
  /** Stop a running AI answer (a person or a close takes over the turn). */
  abortTurn: boolean;
  /** State changed and must be stored (and copied to D1). */
  changed: boolean;
};

const none = (state: RoomState): { state: RoomState; out: RoomOut } => ({
  state,
  out: { hub: [], abortTurn: false, changed: false },
});

/** The English hand-off lines by reason (room-notices.ts has every language). */
export const HANDOFF_TEXT: Record<string, string> = ROOM_NOTICES.en.handoff;

function toWaiting(state: RoomState, reason: string, say: RoomNotices): { state: RoomState; out: RoomOut } {
  if (state.mode !== "ai") return none(state);
  const next: RoomState = { ...state, mode: "human", status: "waiting", reason, assignee: null };
  return {
    state: next,
    out: {
      system: say.handoff[reason] ?? say.handoffDefault,
      mode: { mode: "human", reason },
      hub: [{ type: "conversation.mode", mode: "human", status: "waiting", reason }],
      escalated: reason,
      abortTurn: true,
      changed: true,
    },
  };
}

function toAssigned(state: RoomState, operator: Operator, say: RoomNotices): { state: RoomState; out: RoomOut } {
  if (state.mode === "human" && state.assignee?.userId === operator.userId) return none(state);
  const next: RoomState = { ...state, mode: "human", status: "open", reason: "takeover", assignee: operator };
  return {
    state: next,
    out: {
      system: say.joined(operator.name),
      mode: { mode: "human", reason: "takeover" },
      hub: [
        { type: "conversation.mode", mode: "human", status: "open", reason: "takeover" },
        { type: "conversation.assigned", assignee: operator },
      ],
      abortTurn: true,
      changed: true,
    },
  };
}

function toAi(state: RoomState, reason: string, say: RoomNotices): { state: RoomState; out: RoomOut } {
  if (state.mode === "ai") return none(state);
  const next: RoomState = { ...state, mode: "ai", status: "open", reason, assignee: null, closedAt: null };
  const hub: HubNotice[] = [{ type: "conversation.mode", mode: "ai", status: "open", reason }];
  if (state.assignee) hub.push({ type: "conversation.assigned", assignee: null });
  return {
    state: next,
    out: {
      system: say.back,
      mode: { mode: "ai", reason },
      hub,
      abortTurn: false,
      changed: true,
    },
  };
}

function toClosed(state: RoomState, reason: string, now: number, say: RoomNotices): { state: RoomState; out: RoomOut } {
  if (state.mode === "closed") return none(state);
  const next: RoomState = { ...state, mode: "closed", status: "closed", reason, closedAt: now };
  return {
    state: next,
    out: {
      system: say.closed,
      mode: { mode: "closed", reason },
      hub: [{ type: "conversation.closed", reason }],
      abortTurn: true,
      changed: true,
    },
  };
}

/** `lang`: the language of the system lines the visitor reads (room-notices.ts); English by default. */
export function apply(
  state: RoomState,
  event: RoomEvent,
  now: number,
  lang?: PhraseLanguage,
): { state: RoomState; out: RoomOut } {
  const r = step(state, event, now, noticesFor(lang));
  return r.out.changed && event.type !== "read" ? { state: { ...r.state, changedAt: now }, out: r.out } : r;
}

function step(state: RoomState, event: RoomEvent, now: number, say: RoomNotices): { state: RoomState; out: RoomOut } {
  switch (event.type) {
    case "ask_human":
      return toWaiting(state, "asked_for_human", say);
    case "handoff":
      return toWaiting(state, event.reason, say);
    case "takeover":
      return state.mode === "closed" ? none(state) : toAssigned(state, event.operator, say);
    case "agent_message":
      // replying takes the conversation over unless a person already holds it
      return state.mode === "ai" || (state.mode === "human" && !state.assignee)
        ? toAssigned(state, event.operator, say)
        : none(state);
    case "release":
      return state.mode === "closed" ? none(state) : toAi(state, "released", say);
    case "close":
      return toClosed(state, "closed", now, say);
    case "set_mode":
      if (event.mode === "human") return toWaiting(state, event.reason, say);
      if (event.mode === "ai") return toAi(state, event.reason, say);
      return toClosed(state, event.reason, now, say);
    case "call": {
      const next: RoomState = {
        ...state,
        call: { state: event.state, ...(event.data ? { data: event.data } : {}), at: now },
      };
      return {
        state: next,
        out: {
          hub: [{ type: "call.state", state: event.state, ...(event.data ? { data: event.data } : {}) }],
          abortTurn: false,
          changed: true,
        },
      };
    }
    case "read":
      return event.seq > state.visitorReadSeq
        ? { state: { ...state, visitorReadSeq: event.seq }, out: { hub: [], abortTurn: false, changed: true } }
        : none(state);
    case "rate":
      return {
        state: {
          ...state,
          rating: { score: event.score, ...(event.comment ? { comment: event.comment } : {}), at: now },
        },
        out: { hub: [], abortTurn: false, changed: true },
      };
  }
}

/** Whether a visitor message should start an AI answer. */
export const aiAnswers = (state: RoomState) => state.mode === "ai";

/** Per-visitor token bucket: `capacity` messages at once, refilled at `perSecond`. */
export type Bucket = { tokens: number; at: number };
export const RATE_CAPACITY = 20;
export const RATE_PER_SECOND = 1;

export function takeToken(
  bucket: Bucket | undefined,
  now: number,
  capacity = RATE_CAPACITY,
  perSecond = RATE_PER_SECOND,
): { ok: boolean; bucket: Bucket } {
  const b = bucket ?? { tokens: capacity, at: now };
  const tokens = Math.min(capacity, b.tokens + ((now - b.at) / 1000) * perSecond);
  return tokens >= 1
    ? { ok: true, bucket: { tokens: tokens - 1, at: now } }
    : { ok: false, bucket: { tokens, at: now } };
}

/** The room as RPC `snapshot()` returns it (room-api.ts RoomSnapshot). */
export function snapshotOf(meta: RoomMeta, s: RoomState, lastSeq: number) {
  const { mode, status, assignee, reason, call, visitorReadSeq, rating, closedAt } = s;
  return { meta, mode, status, assignee, reason, lastSeq, call, visitorReadSeq, rating, closedAt };
}
