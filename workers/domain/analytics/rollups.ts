import { SPEND_METRICS } from "../../storage/billing-repo";
import type { HistogramRow, RollupRow } from "../../storage/analytics-repo";
import { percentileRank, SATISFIED_MIN, type Dist } from "./metrics";
import type { SummaryDto } from "./schemas";

/**
 * The summary from rollups (migration 0031): counters per quarter hour, bot and channel that the
 * database keeps as events arrive, so a report reads aggregates, never every event of its range.
 * `metrics.ts` `summarize` is the same definitions over raw events; a test replays random
 * conversations through D1 and checks the two agree.
 */

/** Kinds whose value is a duration (the histogram keeps these). */
export const DURATION_KINDS = ["agent_joined", "agent_first_reply", "agent_reply", "resolved", "call_ended"] as const;
export type DurationKind = (typeof DURATION_KINDS)[number];

/**
 * Up to this many values of a kind in a range, percentiles are exact (the values are read); above
 * it they come from the daily histograms (a bin spans under 5 % of its value; the bin's mean is
 * reported, exact when its values are equal).
 */
export const EXACT_DURATIONS_MAX = 500;

/**
 * With business hours set, a twin's values depend on the calendar, so they are read: all of them up
 * to this many per kind, else a sample of about this many through the sample-bucket index (a
 * median's rank within about ±1.6 % at one standard deviation).
 */
export const TWIN_SAMPLE_MAX = 1_000;

/** The histogram bin of a duration, as the migration's trigger computes it (tests compare both). */
export function binOf(ms: number): number {
  const v = Math.max(0, Math.trunc(ms));
  if (v < 1000) return v;
  const s = String(v);
  return s.length * 1000 + Math.floor(Number(s.slice(0, 3)) / 5) * 5;
}

/** The values a bin holds: [low, high). */
export function binBounds(bin: number): [number, number] {
  if (bin < 1000) return [bin, bin + 1];
  const scale = 10 ** (Math.floor(bin / 1000) - 3);
  const lead = bin % 1000;
  return [lead * scale, (lead + 5) * scale];
}

/** Nearest-rank p50 and p90 from histogram bins: the mean of the bin that holds the rank. */
export function histogramDist(bins: Pick<HistogramRow, "bin" | "n" | "total">[]): Dist {
  const merged = new Map<number, { n: number; total: number }>();
  for (const b of bins) {
    const m = merged.get(b.bin) ?? { n: 0, total: 0 };
    merged.set(b.bin, { n: m.n + b.n, total: m.total + b.total });
  }
  const sorted = [...merged.entries()].sort((a, b) => a[0] - b[0]).filter(([, m]) => m.n > 0);
  const count = sorted.reduce((s, [, m]) => s + m.n, 0);
  const at = (p: number) => {
    const rank = percentileRank(count, p);
    if (rank === null) return null;
    let seen = 0;
    for (const [, m] of sorted) {
      seen += m.n;
      if (seen > rank) return Math.round(m.total / m.n);
    }
    return null;
  };
  return { p50: at(0.5), p90: at(0.9), count };
}

export type RollupSummaryInput = {
  rows: RollupRow[];
  /** Per bot: conversations of the range still inside the 24 h "assumed" wait. */
  pending: { botId: string; n: number }[];
  /** `opened` per local hour of the week (0 = Monday 00:00). */
  hours: { how: number; n: number }[];
  categoryNames: Map<string, string>;
  durations: Record<DurationKind, Dist>;
  businessHours: SummaryDto["businessHours"];
};

const ratio = (a: number, b: number) => (b ? a / b : null);

export function summarizeRollups(input: RollupSummaryInput): Omit<SummaryDto, "range"> {
  // totals per metric, and per metric and bot
  const total = new Map<string, { n: number; total: number }>();
  const perBot = new Map<string, Map<string, number>>();
  const perChannel = new Map<string, number>();
  for (const r of input.rows) {
    const t = total.get(r.metric) ?? { n: 0, total: 0 };
    total.set(r.metric, { n: t.n + Number(r.n), total: t.total + Number(r.total) });
    const b = perBot.get(r.botId) ?? new Map<string, number>();
    b.set(r.metric, (b.get(r.metric) ?? 0) + Number(r.n));
    perBot.set(r.botId, b);
    if (r.metric === "opened") perChannel.set(r.channel, (perChannel.get(r.channel) ?? 0) + Number(r.n));
  }
  const n = (metric: string) => total.get(metric)?.n ?? 0;
  const sum = (metric: string) => total.get(metric)?.total ?? 0;
  /** `{ detail: n }` of the metrics `<prefix>:<detail>`. */
  const details = (prefix: string, value: (m: string) => number = n) => {
    const out: Record<string, number> = {};
    for (const m of [...total.keys()].sort())
      if (m.startsWith(`${prefix}:`) && value(m) !== 0) out[m.slice(prefix.length + 1)] = value(m);
    return out;
  };
  const csatOf = (get: (m: string) => number) => {
    let all = 0;
    let happy = 0;
    for (let s = 1; s <= 5; s++) {
      all += get(`csat:${s}`);
      if (s >= SATISFIED_MIN) happy += get(`csat:${s}`);
    }
    return { score: ratio(happy, all), ratings: all };
  };

  const pendingOf = new Map(input.pending.map((p) => [p.botId, Number(p.n)]));
  const pending = [...pendingOf.values()].reduce((a, b) => a + b, 0);
  const conversations = n("opened");
  const involved = n("cohort:involved");
  const confirmed = n("cohort:confirmed");
  const assumed = Math.max(0, n("cohort:answered") - pending);
  const involvementRate = ratio(involved, conversations);
  const resolutionRate = ratio(confirmed + assumed, involved);
  const handedOff = n("handoff_conversation");
  const csat = csatOf(n);

  const byCategory: Record<string, number> = {};
  let categorised = 0;
  for (const [metric, c] of total) {
    if (!metric.startsWith("category:") || !c.n) continue;
    const name = input.categoryNames.get(metric.slice("category:".length));
    if (!name) continue; // a deleted category counts as uncategorised
    byCategory[name] = (byCategory[name] ?? 0) + c.n;
    categorised += c.n;
  }
  if (conversations - categorised > 0) byCategory.uncategorised = conversations - categorised;
  const byHourOfWeek = new Array<number>(168).fill(0);
  for (const s of input.hours) byHourOfWeek[Number(s.how)]! += Number(s.n);

  const aiSpend = aiSpendOf(input.rows);
  const byBot: Record<string, number> = {};
  for (const [botId, m] of perBot) if (m.get("opened")) byBot[botId] = m.get("opened")!;
  const bots = Object.keys(byBot)
    .sort()
    .map((botId) => {
      const m = perBot.get(botId)!;
      const get = (k: string) => m.get(k) ?? 0;
      const botAssumed = Math.max(0, get("cohort:answered") - (pendingOf.get(botId) ?? 0));
      return {
        botId,
        conversations: get("opened"),
        aiInvolved: get("cohort:involved"),
        aiResolved: get("cohort:confirmed") + botAssumed,
        handoffs: get("handed_off"),
        csat: csatOf(get).score,
        aiSpendUsd: aiSpend.byBot[botId]?.costUsd ?? 0,
      };
    });
  const round4 = (x: number) => Math.round(x * 10_000) / 10_000;

  return {
    conversations,
    aiInvolved: involved,
    aiInvolvementRate: involvementRate,
    aiResolution: { confirmed, assumed, pending, rate: resolutionRate },
    automationRate: involvementRate !== null && resolutionRate !== null ? involvementRate * resolutionRate : null,
    handoffs: {
      total: n("handed_off"),
      conversations: handedOff,
      rate: ratio(handedOff, conversations),
      byReason: details("handed_off"),
    },
    timeToHumanMs: input.durations.agent_joined,
    firstResponseMs: input.durations.agent_first_reply,
    replyTimeMs: input.durations.agent_reply,
    resolutionTimeMs: input.durations.resolved,
    businessHours: input.businessHours,
    resolutions: { total: n("resolved"), byAgent: n("resolved:agent"), bySystem: n("resolved:system") },
    csat: { ...csat, responseRate: ratio(csat.ratings, conversations) },
    messages: {
      ai: n("ai_answered"),
      agent: n("agent_reply"),
      aiShare: ratio(n("ai_answered"), n("ai_answered") + n("agent_reply")),
    },
    volume: {
      byChannel: Object.fromEntries([...perChannel].filter(([, c]) => c > 0)),
      byBot,
      byAgent: details("agent_reply"),
      byCategory,
      byHourOfWeek,
    },
    bots,
    aiSpend,
    voice: {
      calls: n("call_started"),
      ended: n("call_ended"),
      minutes: Math.round((sum("call_ended") / 60_000) * 100) / 100,
      durationMs: input.durations.call_ended,
      cost: Object.fromEntries(Object.entries(details("cost", sum)).map(([k, v]) => [k, round4(v)])),
      byOutcome: details("call_ended"),
    },
  };
}

const usd = (micros: number) => Math.round(micros) / 1_000_000;

/**
 * AI spend of the range from the model-call rollups (`ai_spend:<model>` calls and micro-dollars,
 * `ai_tokens_in:` / `ai_tokens_out:` tokens), written in the billing meter's own batch: per model
 * and per bot.
 */
export function aiSpendOf(rows: RollupRow[]): SummaryDto["aiSpend"] {
  type Acc = { calls: number; inputTokens: number; outputTokens: number; micros: number };
  const zero = (): Acc => ({ calls: 0, inputTokens: 0, outputTokens: 0, micros: 0 });
  const all = zero();
  const byModel = new Map<string, Acc>();
  const byBot = new Map<string, Acc>();
  const fields = {
    [`${SPEND_METRICS.cost}:`]: "micros",
    [`${SPEND_METRICS.input}:`]: "inputTokens",
    [`${SPEND_METRICS.output}:`]: "outputTokens",
  } as const;
  for (const r of rows) {
    const prefix = Object.keys(fields).find((p) => r.metric.startsWith(p));
    if (!prefix) continue;
    const field = fields[prefix]!;
    const model = r.metric.slice(prefix.length);
    const accs = [all, byModel.get(model) ?? zero(), byBot.get(r.botId) ?? zero()];
    byModel.set(model, accs[1]!);
    byBot.set(r.botId, accs[2]!);
    for (const a of accs) {
      a[field] += Number(r.total);
      if (field === "micros") a.calls += Number(r.n);
    }
  }
  const out = (a: Acc) => ({
    calls: a.calls,
    inputTokens: a.inputTokens,
    outputTokens: a.outputTokens,
    costUsd: usd(a.micros),
  });
  const sorted = (m: Map<string, Acc>) =>
    Object.fromEntries([...m].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([k, a]) => [k, out(a)]));
  return { ...out(all), byModel: sorted(byModel), byBot: sorted(byBot) };
}
