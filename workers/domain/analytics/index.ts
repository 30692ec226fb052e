import { SPEND_METRICS } from "../../storage/billing-repo";
import { SAMPLE_BUCKETS, SLOT_MS, type EventPoint, type HistogramRow } from "../../storage/analytics-repo";
import type { Ctx } from "../ctx";
import type { BusinessCalendar } from "./business-hours";
import { ASSUMED_AFTER_MS, businessTwins, dist, SATISFIED_MIN, type Dist } from "./metrics";
import {
  DURATION_KINDS,
  EXACT_DURATIONS_MAX,
  histogramDist,
  summarizeRollups,
  TWIN_SAMPLE_MAX,
  type DurationKind,
} from "./rollups";
import { groupQuestions, type Question } from "./questions";
import { businessCalendarOf } from "./settings";
import { addDays, daysBetween, localDate, offsetSegments, startOfLocalDay, weekStart } from "./range";
import {
  DEFAULT_RANGE_DAYS,
  type AnalyticsQuery,
  type QuestionsDto,
  type SummaryDto,
  type TimeseriesDto,
  type TimeseriesQuery,
} from "./schemas";

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

const slotRange = (r: Range, q: AnalyticsQuery) => ({
  fromSlot: Math.floor(r.fromMs / SLOT_MS),
  toSlot: Math.floor(r.toMs / SLOT_MS),
  ...filters(q),
});
const DAY_MS = 86_400_000;

/** The range cut where the zone's offset changes, in slots, for grouping by local hour in SQL. */
const hourSegments = (r: Range) =>
  offsetSegments(r.fromMs, r.toMs, r.tz).map((x) => ({
    toSlot: Math.floor(x.to / SLOT_MS),
    offsetSlots: Math.round(x.offset / SLOT_MS),
  }));

/** The duration kinds with a business-hours twin, and the twin's field. */
const TWIN_FIELD = {
  agent_joined: "timeToHumanMs",
  agent_first_reply: "firstResponseMs",
  agent_reply: "replyTimeMs",
  resolved: "resolutionTimeMs",
} as const;
const TWIN_KINDS = Object.keys(TWIN_FIELD) as (keyof typeof TWIN_FIELD)[];

/**
 * Percentiles of each duration kind: exact from the events while a range holds few values, else
 * from the daily histograms (UTC days overlapping the range). With business hours set, the
 * business-hours twin depends on today's calendar, so it is computed from the events: all of them up
 * to TWIN_SAMPLE_MAX, else a sample of about that many (the first k of 64 pseudo-random buckets of
 * the event's time, read through their own index) and `businessHours.sampled` says so.
 */
async function durationsOf(
  ctx: Ctx,
  q: AnalyticsQuery,
  r: Range,
  counts: (k: DurationKind) => number,
  bins: HistogramRow[],
  calendar?: BusinessCalendar,
) {
  const exact = DURATION_KINDS.filter((k) => counts(k) <= EXACT_DURATIONS_MAX);
  const twinsAll = calendar ? TWIN_KINDS.filter((k) => counts(k) <= TWIN_SAMPLE_MAX) : [];
  const sampled = calendar ? TWIN_KINDS.filter((k) => counts(k) > TWIN_SAMPLE_MAX) : [];
  const whole = [...new Set<DurationKind>([...exact, ...twinsAll])];
  const range = { from: r.fromMs, to: r.toMs, ...filters(q) };
  const repo = ctx.repos.analytics;
  // every value of the kinds read whole; of a sampled kind, enough of the 64 sample buckets for about
  // TWIN_SAMPLE_MAX values
  const [all, sample] = await Promise.all([
    whole.length ? repo.durations(ctx.tenantId, { kinds: whole, ...range }) : [],
    sampled.length
      ? repo.sampledDurations(
          ctx.tenantId,
          range,
          Object.fromEntries(sampled.map((k) => [k, Math.ceil((SAMPLE_BUCKETS * TWIN_SAMPLE_MAX) / counts(k))])),
        )
      : [],
  ]);
  const events = [...all, ...sample];
  const of = (kind: string) => events.filter((e) => e.kind === kind);
  const durations = Object.fromEntries(
    DURATION_KINDS.map((k) => [
      k,
      exact.includes(k) ? dist(of(k).map((e) => e.valueMs)) : histogramDist(bins.filter((b) => b.metric === k)),
    ]),
  ) as Record<DurationKind, Dist>;
  if (!calendar) return { durations, businessHours: null };
  const twins = { ...businessTwins(calendar, of), sampled: sampled.length > 0 };
  // a sampled twin's percentiles come from the sample; its count is every event of the range
  for (const k of sampled) twins[TWIN_FIELD[k]].count = counts(k);
  return { durations, businessHours: twins };
}

/** GET /api/analytics/summary: from the rollups (docs/analytics.md), never every event of the range. */
export async function getAnalyticsSummary(ctx: Ctx, q: AnalyticsQuery): Promise<SummaryDto> {
  const now = ctx.clock.now();
  const r = resolveRange(q, now);
  const slots = slotRange(r, q);
  const days = { fromDay: Math.floor(r.fromMs / DAY_MS), toDay: Math.ceil(r.toMs / DAY_MS), ...filters(q) };
  const [read, calendar] = await Promise.all([
    ctx.repos.analytics.summaryReads(ctx.tenantId, { ...slots, since: now - ASSUMED_AFTER_MS }, hourSegments(r), {
      kinds: DURATION_KINDS,
      ...days,
    }),
    businessCalendarOf(ctx),
  ]);
  const { rows, pending, hours, bins, categoryNames } = read;
  const count = (k: string) => rows.filter((x) => x.metric === k).reduce((s, x) => s + Number(x.n), 0);
  const { durations, businessHours } = await durationsOf(ctx, q, r, count, bins, calendar);
  const s = summarizeRollups({ rows, pending, hours, categoryNames, durations, businessHours });
  return { range: { from: r.from, to: r.to, tz: r.tz }, ...s };
}

/** The rollup metric each time series counts (first_response_p50 reads durations instead). */
const SERIES: Record<Exclude<TimeseriesQuery["metric"], "first_response_p50">, string | { prefix: string }> = {
  conversations: "opened",
  ai_involved: "cohort:involved",
  handoffs: "handed_off",
  ai_answers: "ai_answered",
  agent_replies: "agent_reply",
  resolutions: "resolved",
  ratings: "rated",
  csat: { prefix: "csat" },
  calls: "call_started",
  call_minutes: "call_ended",
  ai_spend: { prefix: SPEND_METRICS.cost },
};

/** GET /api/analytics/timeseries: one value per local day or ISO week (Monday), zero-filled, from the rollups. */
export async function getAnalyticsTimeseries(ctx: Ctx, q: TimeseriesQuery): Promise<TimeseriesDto> {
  const r = resolveRange(q, ctx.clock.now());
  const key = (date: string) => (q.interval === "week" ? weekStart(date) : date);
  const keys: string[] = [];
  for (let d = r.from; daysBetween(d, r.to) >= 0; d = addDays(d, 1)) if (!keys.includes(key(d))) keys.push(key(d));
  const slots = slotRange(r, q);
  const starts = keys.map((k, i) => (i === 0 ? slots.fromSlot : Math.floor(startOfLocalDay(k, r.tz) / SLOT_MS)));
  const metric = q.metric === "first_response_p50" ? "agent_first_reply" : SERIES[q.metric];
  const rows = await ctx.repos.analytics.rollupByBucket(ctx.tenantId, metric, slots, starts);
  const at = (i: number) => rows.filter((x) => Number(x.b) === i);
  let values: (number | null)[];
  if (q.metric === "csat")
    values = keys.map((_, i) => {
      const all = at(i).reduce((s, x) => s + Number(x.n), 0);
      const happy = at(i)
        .filter((x) => Number(x.metric.slice("csat:".length)) >= SATISFIED_MIN)
        .reduce((s, x) => s + Number(x.n), 0);
      return all ? happy / all : null;
    });
  else if (q.metric === "call_minutes")
    values = keys.map((_, i) => Math.round((at(i).reduce((s, x) => s + Number(x.total), 0) / 60_000) * 100) / 100);
  else if (q.metric === "ai_spend")
    values = keys.map((_, i) => Math.round(at(i).reduce((s, x) => s + Number(x.total), 0)) / 1_000_000);
  else if (q.metric === "first_response_p50")
    values = await firstResponseSeries(
      ctx,
      q,
      r,
      keys,
      rows,
      starts.map((x) => x * SLOT_MS),
    );
  else values = keys.map((_, i) => at(i).reduce((s, x) => s + Number(x.n), 0));
  const points = keys.map((start, i) => ({ start, value: values[i]! }));
  return { metric: q.metric, interval: q.interval, tz: r.tz, points };
}

/** The median first response per bucket: exact from the events for a small range, else from the daily histograms. */
async function firstResponseSeries(
  ctx: Ctx,
  q: TimeseriesQuery,
  r: Range,
  keys: string[],
  counts: { n: number }[],
  startsMs: number[],
): Promise<(number | null)[]> {
  const key = (ms: number) => {
    const date = localDate(ms, r.tz);
    return q.interval === "week" ? weekStart(date) : date;
  };
  if (counts.reduce((s, x) => s + Number(x.n), 0) <= EXACT_DURATIONS_MAX) {
    const events = await ctx.repos.analytics.durations(ctx.tenantId, {
      kinds: ["agent_first_reply"],
      from: r.fromMs,
      to: r.toMs,
      ...filters(q),
    });
    // each event's bucket by the buckets' first instants (no time-zone conversion per event)
    const values = keys.map((): (number | null)[] => []);
    for (const e of events) {
      let [lo, hi] = [0, startsMs.length];
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (startsMs[mid]! <= e.at) lo = mid + 1;
        else hi = mid;
      }
      values[Math.max(0, lo - 1)]!.push(e.valueMs);
    }
    return values.map((v) => dist(v).p50);
  }
  const bins = await ctx.repos.analytics.histogram(ctx.tenantId, ["agent_first_reply"], {
    fromDay: Math.floor(r.fromMs / DAY_MS),
    toDay: Math.ceil(r.toMs / DAY_MS),
    ...filters(q),
  });
  // a UTC day's histogram counts in the bucket holding its noon
  return keys.map((k) => histogramDist(bins.filter((b) => key(Number(b.day) * DAY_MS + DAY_MS / 2) === k)).p50);
}

/** Questions grouped per list: the latest this many of a range (category counts stay exact). */
export const QUESTIONS_GROUPED_MAX = 1_000;

/** GET /api/analytics/questions: topics (categories, then grouped first questions) and knowledge gaps. */
export async function getAnalyticsQuestions(ctx: Ctx, q: AnalyticsQuery): Promise<QuestionsDto> {
  const r = resolveRange(q, ctx.clock.now());
  const repo = ctx.repos.analytics;
  const cur = slotRange(r, q);
  const prev = { ...cur, fromSlot: 2 * cur.fromSlot - cur.toSlot, toSlot: cur.fromSlot };
  const {
    now,
    before,
    categoryNames: names,
    nowQs,
    beforeQs,
    misses,
  } = await repo.questionsReads(
    ctx.tenantId,
    cur,
    prev,
    { from: r.fromMs, to: r.toMs, ...filters(q) },
    QUESTIONS_GROUPED_MAX,
  );
  const categories = new Map<string, { label: string; count: number; previous: number; examples: string[] }>();
  const cat = (metric: string) => {
    const id = metric.slice("category:".length);
    const label = names.get(id);
    if (!label) return null;
    const c = categories.get(id) ?? { label, count: 0, previous: 0, examples: [] };
    categories.set(id, c);
    return c;
  };
  for (const x of now) if (cat(x.metric)) cat(x.metric)!.count += Number(x.n);
  for (const x of before) if (cat(x.metric)) cat(x.metric)!.previous += Number(x.n);
  const rest: Question[] = [];
  for (const [list, reason] of [
    [nowQs, "now"],
    [beforeQs, "before"],
  ] as const)
    for (const o of list) {
      const c = o.categoryId ? categories.get(o.categoryId) : undefined;
      if (c && reason === "now" && c.examples.length < 3) c.examples.push(o.text);
      else if (!c) rest.push({ text: o.text, conversationId: o.conversationId, reason });
    }
  const clusters = groupQuestions(rest).map((g) => ({
    label: g.label,
    count: g.reasons.now ?? 0,
    previous: g.reasons.before ?? 0,
    examples: g.examples,
    source: "cluster" as const,
    categoryId: null,
  }));
  const topics = [
    ...[...categories.entries()].map(([id, c]) => ({ ...c, source: "category" as const, categoryId: id })),
    ...clusters,
  ]
    .filter((t) => t.count > 0)
    .sort((a, b) => b.count - a.count);
  const sampled = [nowQs, beforeQs, misses].some((l) => l.length >= QUESTIONS_GROUPED_MAX);
  // oldest first: an abstention and the hand-off it caused count once, as the abstention
  return { topics, gaps: gapsOf([...misses].reverse()), sampled };
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
