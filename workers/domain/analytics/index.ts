import { analyticsRepo, type EventPoint } from "../../storage/analytics-repo";
import type { Ctx } from "../ctx";
import { dist, isAttempt, SATISFIED_MIN, summarize } from "./metrics";
import { groupQuestions, type Question } from "./questions";
import { businessCalendarOf } from "./settings";
import { addDays, daysBetween, localDate, startOfLocalDay, weekStart } from "./range";
import {
  DEFAULT_RANGE_DAYS,
  type AnalyticsQuery,
  type QuestionsDto,
  type SummaryDto,
  type TimeseriesDto,
  type TimeseriesQuery,
} from "./schemas";
import { EVENT_KINDS } from "../../contracts/analytics";

export * from "./schemas";
export { BusinessHoursDto, BusinessHoursInput, businessMs, BusinessCalendar } from "./business-hours";
export { clearBusinessHours, getBusinessHours, saveBusinessHours } from "./settings";
export { summaryCsv, timeseriesCsv, questionsCsv } from "./csv";

/**
 * Analytics reports (issue 16), derived from the conversation events the rooms write
 * (docs/analytics.md has every definition). Ranges are whole local days in the query's time zone.
 */

type Range = { from: string; to: string; tz: string; fromMs: number; toMs: number };

export function resolveRange(q: Pick<AnalyticsQuery, "from" | "to" | "tz">, now: number): Range {
  const to = q.to ?? localDate(now, q.tz);
  const from = q.from ?? addDays(to, -(DEFAULT_RANGE_DAYS - 1));
  return { from, to, tz: q.tz, fromMs: startOfLocalDay(from, q.tz), toMs: startOfLocalDay(addDays(to, 1), q.tz) };
}

const filters = (q: AnalyticsQuery) => ({ botId: q.botId, channel: q.channel });

/** GET /api/analytics/summary */
export async function getAnalyticsSummary(ctx: Ctx, q: AnalyticsQuery): Promise<SummaryDto> {
  const now = ctx.clock.now();
  const r = resolveRange(q, now);
  const repo = ctx.repos.analytics;
  // events after the range too: a later return for help takes an AI resolution back
  const [events, topics, calendar] = await Promise.all([
    repo.events(ctx.tenantId, { kinds: EVENT_KINDS, from: r.fromMs, ...filters(q) }),
    repo.openedWithTopic(ctx.tenantId, { from: r.fromMs, to: r.toMs, ...filters(q) }),
    businessCalendarOf(ctx),
  ]);
  const categories = new Map(topics.flatMap((t) => (t.categoryName ? [[t.conversationId, t.categoryName]] : [])));
  const s = summarize({ events, from: r.fromMs, to: r.toMs, now, tz: r.tz, categories, calendar });
  return { range: { from: r.from, to: r.to, tz: r.tz }, ...s };
}

type Bucket = { start: string; events: EventPoint[] };

const METRIC_KINDS: Record<TimeseriesQuery["metric"], string[]> = {
  conversations: ["opened"],
  ai_involved: ["ai_answered"],
  handoffs: ["handed_off"],
  ai_answers: ["ai_answered"],
  agent_replies: ["agent_reply"],
  resolutions: ["resolved"],
  ratings: ["rated"],
  csat: ["rated"],
  first_response_p50: ["agent_first_reply"],
  calls: ["call_started"],
  call_minutes: ["call_ended"],
};

/** Metrics that are a count of one kind of event. */
const COUNTED = new Set<TimeseriesQuery["metric"]>([
  "conversations",
  "handoffs",
  "ai_answers",
  "agent_replies",
  "resolutions",
  "ratings",
  "calls",
]);

function valueOf(metric: TimeseriesQuery["metric"], events: EventPoint[]): number | null {
  switch (metric) {
    case "ai_involved":
      return new Set(events.filter(isAttempt).map((e) => e.conversationId)).size;
    case "csat": {
      const latest = new Map(events.map((e) => [e.conversationId, Number(e.data?.score)]));
      const s = [...latest.values()];
      return s.length ? s.filter((x) => x >= SATISFIED_MIN).length / s.length : null;
    }
    case "first_response_p50":
      return dist(events.map((e) => e.valueMs)).p50;
    case "call_minutes":
      return Math.round((events.reduce((n, e) => n + (e.valueMs ?? 0), 0) / 60_000) * 100) / 100;
    default:
      return events.length;
  }
}

/** GET /api/analytics/timeseries: one value per local day or ISO week (Monday), zero-filled. */
export async function getAnalyticsTimeseries(ctx: Ctx, q: TimeseriesQuery): Promise<TimeseriesDto> {
  const r = resolveRange(q, ctx.clock.now());
  const f = { kinds: METRIC_KINDS[q.metric], from: r.fromMs, to: r.toMs, ...filters(q) };
  const key = (date: string) => (q.interval === "week" ? weekStart(date) : date);
  const buckets = new Map<string, Bucket>();
  for (let d = r.from; daysBetween(d, r.to) >= 0; d = addDays(d, 1))
    if (!buckets.has(key(d))) buckets.set(key(d), { start: key(d), events: [] });
  if (COUNTED.has(q.metric)) {
    // plain counts are grouped in D1: only one row per bucket crosses to the Worker
    const list = [...buckets.values()];
    const starts = list.map((b, i) => (i === 0 ? r.fromMs : startOfLocalDay(b.start, r.tz)));
    const counts = await ctx.repos.analytics.countByBucket(ctx.tenantId, f, starts);
    const points = list.map((b, i) => ({ start: b.start, value: counts.get(i) ?? 0 }));
    return { metric: q.metric, interval: q.interval, tz: r.tz, points };
  }
  const events = await ctx.repos.analytics.events(ctx.tenantId, f);
  for (const e of events) buckets.get(key(localDate(e.at, r.tz)))?.events.push(e);
  const points = [...buckets.values()].map((b) => ({ start: b.start, value: valueOf(q.metric, b.events) }));
  return { metric: q.metric, interval: q.interval, tz: r.tz, points };
}

/** GET /api/analytics/questions: topics (categories, then grouped first questions) and knowledge gaps. */
export async function getAnalyticsQuestions(ctx: Ctx, q: AnalyticsQuery): Promise<QuestionsDto> {
  const r = resolveRange(q, ctx.clock.now());
  const len = r.toMs - r.fromMs;
  const repo = ctx.repos.analytics;
  const [opened, misses] = await Promise.all([
    repo.openedWithTopic(ctx.tenantId, { from: r.fromMs - len, to: r.toMs, ...filters(q) }),
    repo.events(ctx.tenantId, { kinds: ["ai_answered", "handed_off"], from: r.fromMs, to: r.toMs, ...filters(q) }),
  ]);
  return { topics: topicsOf(opened, r.fromMs), gaps: gapsOf(misses) };
}

type Opened = Awaited<ReturnType<ReturnType<typeof analyticsRepo>["openedWithTopic"]>>[number];

function topicsOf(opened: Opened[], fromMs: number): QuestionsDto["topics"] {
  const cats = new Map<string, { label: string; count: number; previous: number; examples: string[] }>();
  const rest: (Question & { current: boolean })[] = [];
  for (const o of opened) {
    const current = o.at >= fromMs;
    if (o.categoryId && o.categoryName) {
      const c = cats.get(o.categoryId) ?? { label: o.categoryName, count: 0, previous: 0, examples: [] };
      if (current) c.count++;
      else c.previous++;
      if (current && o.text && c.examples.length < 3) c.examples.push(o.text);
      cats.set(o.categoryId, c);
    } else if (o.text)
      rest.push({ text: o.text, conversationId: o.conversationId, reason: current ? "now" : "before", current });
  }
  const clusters = groupQuestions(rest).map((g) => ({
    label: g.label,
    count: g.reasons.now ?? 0,
    previous: g.reasons.before ?? 0,
    examples: g.examples,
    source: "cluster" as const,
    categoryId: null,
  }));
  const categories = [...cats.entries()].map(([id, c]) => ({ ...c, source: "category" as const, categoryId: id }));
  return [...categories, ...clusters].filter((t) => t.count > 0).sort((a, b) => b.count - a.count);
}

/** Questions the AI abstained on or that ended in a hand-off (a visitor asking for a person is no gap). */
function gapsOf(events: EventPoint[]): QuestionsDto["gaps"] {
  const seen = new Set<string>();
  const questions: Question[] = [];
  for (const e of events) {
    const text = typeof e.data?.question === "string" ? e.data.question.trim() : "";
    if (!text) continue;
    const reason =
      e.kind === "ai_answered" ? (e.data?.abstained === true ? "abstained" : null) : String(e.data?.reason ?? "");
    if (!reason || reason === "asked_for_human") continue;
    // an abstention and the hand-off it causes are one miss
    const k = `${e.conversationId}\u0000${text}`;
    if (seen.has(k)) continue;
    seen.add(k);
    questions.push({ text, conversationId: e.conversationId, reason });
  }
  return groupQuestions(questions).map((g) => ({
    label: g.label,
    count: g.count,
    examples: g.examples,
    reasons: g.reasons,
    conversationIds: g.conversationIds,
    action: { type: "add_qa_source" as const, question: g.label },
  }));
}
