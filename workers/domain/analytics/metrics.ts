import type { EventPoint } from "../../storage/analytics-repo";
import type { SummaryDto } from "./schemas";
import type { BusinessCalendar } from "./business-hours";
import { hourOfWeek } from "./range";

/**
 * The metric definitions of docs/analytics.md as pure functions over conversation events, so each
 * is a table test. Rates are null when their denominator is 0 (nothing to divide, not 0 %).
 */

/** How long after the AI's last answer a silent visitor counts as helped ("assumed" resolution). */
export const ASSUMED_AFTER_MS = 24 * 3_600_000;
/** CSAT counts these scores (of 1–5) as satisfied. */
export const SATISFIED_MIN = 4;

export type Dist = { p50: number | null; p90: number | null; count: number };

/** The 0-based index of the nearest-rank p-th percentile among `count` sorted values. */
export const percentileRank = (count: number, p: number): number | null =>
  count ? Math.max(0, Math.ceil(p * count) - 1) : null;

/** Nearest-rank percentile: the smallest value with at least p of the values at or below it. */
export function percentile(sorted: number[], p: number): number | null {
  const rank = percentileRank(sorted.length, p);
  return rank === null ? null : sorted[rank]!;
}

export function dist(values: (number | null)[]): Dist {
  const v = values.filter((x): x is number => x !== null).sort((a, b) => a - b);
  return { p50: percentile(v, 0.5), p90: percentile(v, 0.9), count: v.length };
}

const ratio = (a: number, b: number) => (b ? a / b : null);
const inc = (r: Record<string, number>, k: string, n = 1) => void (r[k] = (r[k] ?? 0) + n);
const str = (v: unknown) => (typeof v === "string" ? v : null);

/** An AI message that answered a question: not a dialogue act (greeting, thanks…). */
export const isAttempt = (e: EventPoint) => e.kind === "ai_answered" && !str(e.data?.act);
const isAnswer = (e: EventPoint) => isAttempt(e) && e.data?.abstained !== true;

export type AiOutcome = "confirmed" | "assumed" | "pending" | "unresolved" | "not_involved";

/**
 * Fin-style AI resolution of one conversation from its events in time order: after the AI's last
 * answer the visitor confirmed (thanked the bot, or rated 4–5) → confirmed; or nothing asked for
 * more help for 24 h → assumed. A later hand-off, an abstention, an agent reply or a reopen takes
 * it back; a later question the AI answered moves "last answer" forward.
 */
export function aiOutcome(events: EventPoint[], now: number): AiOutcome {
  if (!events.some(isAttempt)) return "not_involved";
  let last: EventPoint | undefined;
  let confirmed = false;
  let undone = false;
  for (const e of events) {
    if (isAnswer(e)) [last, confirmed, undone] = [e, false, false];
    else if (!last) continue;
    else if (e.kind === "ai_answered" && str(e.data?.act) === "thanks") confirmed = true;
    else if (e.kind === "rated" && Number(e.data?.score) >= SATISFIED_MIN) confirmed = true;
    else if (e.kind === "rated") undone = true;
    else if (isAttempt(e) || ["handed_off", "agent_reply", "agent_joined", "reopened"].includes(e.kind)) undone = true;
  }
  if (!last || undone) return "unresolved";
  if (confirmed) return "confirmed";
  return now - last.at >= ASSUMED_AFTER_MS ? "assumed" : "pending";
}

export type SummaryInput = {
  /** Every event at or after the range's start (later ones decide the cohort's AI resolution). */
  events: EventPoint[];
  from: number;
  to: number;
  now: number;
  tz: string;
  /** conversation id → category name, for conversations the tenant's categories labelled. */
  categories: Map<string, string>;
  /** The tenant's business hours, when set: durations get a business-hours twin. */
  calendar?: BusinessCalendar | undefined;
};

/** A duration event's value counted in business hours only: the business time in [at − value, at). */
/** What a duration needs of an event: when it ended and how long it lasted. */
export type DurationPoint = Pick<EventPoint, "kind" | "at" | "valueMs">;

export function businessValue(e: DurationPoint, cal: BusinessCalendar): number | null {
  return e.valueMs === null ? null : cal.businessMs(e.at - e.valueMs, e.at);
}

export function summarize(input: SummaryInput): Omit<SummaryDto, "range"> {
  const { from, to, now, tz } = input;
  const all = [...input.events].sort((a, b) => a.at - b.at);
  const inRange = all.filter((e) => e.at >= from && e.at < to);
  const of = (kind: string) => inRange.filter((e) => e.kind === kind);
  const opened = of("opened");
  const cohort = new Set(opened.map((e) => e.conversationId));
  const byConv = new Map<string, EventPoint[]>();
  for (const e of all) {
    if (!cohort.has(e.conversationId)) continue;
    const list = byConv.get(e.conversationId);
    if (list) list.push(e);
    else byConv.set(e.conversationId, [e]);
  }
  const outcomes = new Map([...cohort].map((id) => [id, aiOutcome(byConv.get(id) ?? [], now)]));
  const count = (o: AiOutcome) => [...outcomes.values()].filter((x) => x === o).length;
  const involved = [...outcomes.values()].filter((o) => o !== "not_involved").length;
  const confirmed = count("confirmed");
  const assumed = count("assumed");
  const resolutionRate = ratio(confirmed + assumed, involved);
  const involvementRate = ratio(involved, cohort.size);

  const handoffs = of("handed_off");
  const byReason: Record<string, number> = {};
  for (const h of handoffs) inc(byReason, str(h.data?.reason) ?? "unknown");
  // conversations handed off for the first time in the range
  const firstHandoff = new Map<string, number>();
  for (const e of all)
    if (e.kind === "handed_off" && !firstHandoff.has(e.conversationId)) firstHandoff.set(e.conversationId, e.at);
  const handedOff = [...firstHandoff.values()].filter((at) => at >= from && at < to).length;

  // CSAT: each conversation's latest rating, when it was given in the range
  const latestRating = new Map<string, EventPoint>();
  for (const e of all) if (e.kind === "rated") latestRating.set(e.conversationId, e);
  const rated = [...latestRating.values()].filter((e) => e.at >= from && e.at < to);
  const scores = rated.map((e) => Number(e.data?.score));
  const resolved = of("resolved");

  const ai = of("ai_answered").length;
  const agent = of("agent_reply").length;
  const volume = {
    byChannel: {} as Record<string, number>,
    byBot: {} as Record<string, number>,
    byAgent: {} as Record<string, number>,
    byCategory: {} as Record<string, number>,
    byHourOfWeek: new Array<number>(168).fill(0),
  };
  for (const e of opened) {
    inc(volume.byChannel, e.channel);
    inc(volume.byBot, e.botId);
    inc(volume.byCategory, input.categories.get(e.conversationId) ?? "uncategorised");
    volume.byHourOfWeek[hourOfWeek(e.at, tz)]!++;
  }
  for (const e of of("agent_reply")) inc(volume.byAgent, e.actorId ?? "unknown");

  const bots = Object.keys(volume.byBot)
    .sort()
    .map((botId) => {
      const ids = opened.filter((e) => e.botId === botId).map((e) => e.conversationId);
      const s = rated.filter((e) => e.botId === botId).map((e) => Number(e.data?.score));
      return {
        botId,
        conversations: ids.length,
        aiInvolved: ids.filter((id) => outcomes.get(id) !== "not_involved").length,
        aiResolved: ids.filter((id) => ["confirmed", "assumed"].includes(outcomes.get(id)!)).length,
        handoffs: handoffs.filter((h) => h.botId === botId).length,
        csat: ratio(s.filter((x) => x >= SATISFIED_MIN).length, s.length),
        aiSpendUsd: 0,
      };
    });

  const ended = of("call_ended");
  const cost: Record<string, number> = {};
  const byOutcome: Record<string, number> = {};
  for (const e of ended) {
    const c = e.data?.cost;
    if (typeof c === "number") inc(cost, str(e.data?.currency) ?? "USD", c);
    inc(byOutcome, str(e.data?.outcome) ?? "ended");
  }
  const callMs = ended.reduce((s, e) => s + (e.valueMs ?? 0), 0);

  return {
    conversations: cohort.size,
    aiInvolved: involved,
    aiInvolvementRate: involvementRate,
    aiResolution: { confirmed, assumed, pending: count("pending"), rate: resolutionRate },
    automationRate: involvementRate !== null && resolutionRate !== null ? involvementRate * resolutionRate : null,
    handoffs: { total: handoffs.length, conversations: handedOff, rate: ratio(handedOff, cohort.size), byReason },
    timeToHumanMs: dist(of("agent_joined").map((e) => e.valueMs)),
    firstResponseMs: dist(of("agent_first_reply").map((e) => e.valueMs)),
    replyTimeMs: dist(of("agent_reply").map((e) => e.valueMs)),
    resolutionTimeMs: dist(resolved.map((e) => e.valueMs)),
    businessHours: input.calendar ? { ...businessTwins(input.calendar, of), sampled: false } : null,
    resolutions: {
      total: resolved.length,
      byAgent: resolved.filter((e) => e.data?.by === "agent").length,
      bySystem: resolved.filter((e) => e.data?.by !== "agent").length,
    },
    csat: {
      score: ratio(scores.filter((s) => s >= SATISFIED_MIN).length, scores.length),
      ratings: scores.length,
      // no survey is "sent" (the widget offers the rating in every conversation): responses per conversation
      responseRate: ratio(scores.length, cohort.size),
    },
    messages: { ai, agent, aiShare: ratio(ai, ai + agent) },
    volume,
    bots,
    // model calls are not conversation events: the spend comes from the billing meter's rollups only
    aiSpend: { calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, byModel: {}, byBot: {} },
    voice: {
      calls: of("call_started").length,
      ended: ended.length,
      minutes: Math.round((callMs / 60_000) * 100) / 100,
      durationMs: dist(ended.map((e) => e.valueMs)),
      cost: Object.fromEntries(Object.entries(cost).map(([k, v]) => [k, Math.round(v * 10_000) / 10_000])),
      byOutcome,
    },
  };
}

/** How far back from the latest event businessTwins lays out open windows (a year's range and a month). */
const PREPARED_DAYS = 400;

/** The response and resolution times again, counting only the time inside business hours. */
export function businessTwins(cal: BusinessCalendar, of: (kind: string) => DurationPoint[]) {
  // the open windows of the days the spans cover, laid out once (a span starting more than
  // PREPARED_DAYS before the latest event is measured day by day)
  const kinds = ["agent_joined", "agent_first_reply", "agent_reply", "resolved"];
  let [lo, hi] = [Infinity, -Infinity];
  for (const k of kinds)
    for (const e of of(k)) if (e.valueMs !== null) [lo, hi] = [Math.min(lo, e.at - e.valueMs), Math.max(hi, e.at)];
  if (hi > lo) cal.prepare(Math.max(lo, hi - PREPARED_DAYS * 86_400_000), hi);
  const d = (kind: string) => dist(of(kind).map((e) => businessValue(e, cal)));
  return {
    timezone: cal.hours.timezone,
    timeToHumanMs: d("agent_joined"),
    firstResponseMs: d("agent_first_reply"),
    replyTimeMs: d("agent_reply"),
    resolutionTimeMs: d("resolved"),
  };
}
