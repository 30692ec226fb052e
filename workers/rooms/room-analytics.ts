import type { JsonObject, Operator } from "./protocol";
import { initialTally, type RoomEvent, type RoomState, type Tally } from "./room-state";

/**
 * Conversation events for analytics (issue 16), as pure rules the core calls: each returns the
 * events a change emits and the tally it leaves behind. Every event carries a `key` unique within
 * its conversation, derived from the state (message id, care cycle, hand-off count), so a command
 * decided once emits each event once and a repeated D1 copy (insert-or-ignore) stores it once.
 * Metric definitions: docs/analytics.md.
 */

import type { EventKind } from "../contracts/analytics";

export type { EventKind };
export type EventActor = "visitor" | "ai" | "agent" | "system";

export type AnalyticsEvent = {
  /** Unique within the conversation: the idempotency key of the event. */
  key: string;
  kind: EventKind;
  at: number;
  actor: EventActor;
  /** The operator's user id for agent events. */
  actorId: string | null;
  /** A duration in ms (first reply, reply time, resolution time, time to a person, call length). */
  valueMs: number | null;
  data: JsonObject | null;
};

/** Characters of a visitor question kept on an event (for the knowledge-gaps list). */
export const QUESTION_CHARS = 300;

/** Older rooms stored no tally: they start counting from their current state. */
export const tallyOf = (s: RoomState): Tally => s.tally ?? initialTally(s.changedAt);

const ev = (e: Omit<AnalyticsEvent, "actorId" | "valueMs" | "data"> & Partial<AnalyticsEvent>): AnalyticsEvent => ({
  actorId: null,
  valueMs: null,
  data: null,
  ...e,
});

export const clip = (text: string) => (text.length <= QUESTION_CHARS ? text : text.slice(0, QUESTION_CHARS));

type Step = { tally: Tally; events: AnalyticsEvent[] };

export function openedEvent(now: number): AnalyticsEvent {
  return ev({ key: "opened", kind: "opened", at: now, actor: "visitor", valueMs: 0 });
}

/** A visitor message: reply time starts if nobody is waiting yet; the text is the latest question. */
export function onVisitorMessage(t: Tally, text: string, now: number): Tally {
  return { ...t, waitingSince: t.waitingSince ?? now, lastQuestion: clip(text) };
}

/** An AI message was stored. */
export function onAiAnswer(
  messageId: string,
  a: {
    confidence: number;
    abstained: boolean;
    act?: string;
    question?: string;
    failure?: string;
    provider?: string;
    usage?: { inputTokens: number; outputTokens: number };
  },
  now: number,
): AnalyticsEvent {
  const data: JsonObject = {
    confidence: a.confidence,
    abstained: a.abstained,
    ...(a.act ? { act: a.act } : {}),
    ...(a.question ? { question: clip(a.question) } : {}),
    ...(a.failure ? { failure: a.failure } : {}),
    // which model answered, and the tokens it billed (metered from this event in the room's D1 flush)
    ...(a.provider ? { provider: a.provider } : {}),
    ...(a.usage ? { inputTokens: a.usage.inputTokens, outputTokens: a.usage.outputTokens } : {}),
  };
  return ev({ key: `ai:${messageId}`, kind: "ai_answered", at: now, actor: "ai", data });
}

/** An agent message was stored (from a socket, or an adapter such as a WhatsApp template; `op` null when unknown): the cycle's first reply (from the hand-off, else the cycle start) and a reply. */
export function onAgentReply(t: Tally, op: Operator | null, messageId: string, now: number): Step {
  const events: AnalyticsEvent[] = [];
  const base = { actor: "agent" as const, actorId: op?.userId ?? null, at: now };
  if (!t.replied) {
    const from = t.handoffAt ?? t.cycleStart;
    events.push(
      ev({
        ...base,
        key: `first_reply:${t.cycle}`,
        kind: "agent_first_reply",
        valueMs: now - from,
        data: { from: t.handoffAt !== null ? "handoff" : "opened" },
      }),
    );
  }
  events.push(
    ev({
      ...base,
      key: `reply:${messageId}`,
      kind: "agent_reply",
      valueMs: t.waitingSince !== null ? now - t.waitingSince : null,
    }),
  );
  return { tally: { ...t, replied: true, waitingSince: null, handoffAt: null }, events };
}

/** Who caused a transition: an operator (frames), or the system (API, triage, the answerer, a channel). */
export type Cause = { actor: "agent"; operator: Operator } | { actor: "system" };

/** Events of a mode, status, rating or call change (room-state.ts `apply` already decided it). */
export function onTransition(prev: RoomState, next: RoomState, event: RoomEvent, cause: Cause, now: number): Step {
  let t = tallyOf(prev);
  const events: AnalyticsEvent[] = [];
  const who =
    cause.actor === "agent"
      ? { actor: "agent" as const, actorId: cause.operator.userId }
      : { actor: "system" as const };
  if (prev.mode === "closed" && next.mode !== "closed") {
    t = { ...t, cycle: t.cycle + 1, cycleStart: now, replied: false, handoffAt: null, waitingSince: null };
    const since = prev.closedAt ?? now;
    events.push(ev({ ...who, key: `reopened:${t.cycle}`, kind: "reopened", at: now, valueMs: now - since }));
  }
  if (prev.mode === "ai" && next.mode === "human" && next.status === "waiting") {
    t = { ...t, handoffs: t.handoffs + 1, handoffAt: now };
    const reason = next.reason ?? "unknown";
    const data: JsonObject = { reason, ...(t.lastQuestion ? { question: t.lastQuestion } : {}) };
    events.push(ev({ key: `handoff:${t.handoffs}`, kind: "handed_off", at: now, actor: "system", data }));
  }
  if (next.assignee && !prev.assignee && cause.actor === "agent" && t.handoffAt !== null)
    events.push(
      ev({
        ...who,
        key: `joined:${t.handoffs}`,
        kind: "agent_joined",
        at: now,
        valueMs: now - t.handoffAt,
      }),
    );
  if (next.mode === "closed" && prev.mode !== "closed") {
    const data: JsonObject = { by: who.actor, reason: next.reason ?? "closed", replied: t.replied };
    events.push(
      ev({ ...who, key: `resolved:${t.cycle}`, kind: "resolved", at: now, valueMs: now - t.cycleStart, data }),
    );
  }
  if (event.type === "rate") {
    t = { ...t, ratings: t.ratings + 1 };
    events.push(
      ev({ key: `rated:${t.ratings}`, kind: "rated", at: now, actor: "visitor", data: { score: event.score } }),
    );
  }
  if (event.type === "call") {
    const step = onCall(t, event, now);
    t = step.tally;
    events.push(...step.events);
  }
  return { tally: t, events };
}

const num = (v: unknown) => (typeof v === "number" && Number.isFinite(v) ? v : null);

function onCall(t: Tally, e: Extract<RoomEvent, { type: "call" }>, now: number): Step {
  const c = t.call ?? { started: false, ended: false, transferred: false };
  const events: AnalyticsEvent[] = [];
  if (!c.started) events.push(ev({ key: "call_started", kind: "call_started", at: now, actor: "system" }));
  const transferred = c.transferred || e.state === "transferred";
  if (e.state === "ended" && !c.ended) {
    const sec = num(e.data?.durationSec);
    const cost = num(e.data?.cost);
    const reason = typeof e.data?.endedReason === "string" ? e.data.endedReason : null;
    const data: JsonObject = {
      outcome: transferred ? "transferred" : (reason ?? "ended"),
      ...(cost !== null
        ? { cost, currency: typeof e.data?.costCurrency === "string" ? e.data.costCurrency : "USD" }
        : {}),
      ...(typeof e.data?.provider === "string" ? { provider: e.data.provider } : {}),
    };
    events.push(
      ev({
        key: "call_ended",
        kind: "call_ended",
        at: now,
        actor: "system",
        valueMs: sec !== null ? Math.round(sec * 1000) : null,
        data,
      }),
    );
  }
  const call = { started: true, ended: c.ended || e.state === "ended", transferred };
  return { tally: { ...t, call }, events };
}
