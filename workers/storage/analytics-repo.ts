import { and, eq, gte, inArray, lt, sql, type SQL } from "drizzle-orm";
import {
  businessHours,
  categories,
  conversationEvents,
  conversationTriage,
  type BusinessHoursRow,
  type NewConversationEventRow,
} from "./schema";
import type { Db } from "./db";

/** 11 bound columns per row, D1 allows 100 parameters per statement. */
const EVENT_ROWS_PER_STMT = 9;

/** Which events a report reads: a tenant's, of some kinds, in [from, to), optionally one bot or channel. */
export type EventFilter = {
  kinds: readonly string[];
  from: number;
  /** Exclusive; absent: up to now. */
  to?: number;
  botId?: string | undefined;
  channel?: string | undefined;
};

export type EventPoint = {
  conversationId: string;
  botId: string;
  channel: string;
  kind: string;
  actorId: string | null;
  at: number;
  valueMs: number | null;
  data: Record<string, unknown> | null;
};

/**
 * Sample buckets of a duration event: a pseudo-random 0–63 from its time, indexed with the time and
 * the value (migration 0032), so reading the events of k buckets of a range reads about k/64 of
 * them without scanning the rest.
 */
export const SAMPLE_BUCKETS = 64;
const SAMPLE_EXPR = "((at % 1000003) % 64)";

/** Durations of one kind in a range, only from its first `buckets` sample buckets (one UNION ALL part each). */
function sampledDurationsQuery(
  tenantId: string,
  f: Omit<EventFilter, "kinds"> & { to: number },
  kinds: Record<string, number>,
): Query {
  const [x, xa] = rollupFilter({ fromSlot: 0, toSlot: 0, botId: f.botId, channel: f.channel });
  const parts: string[] = [];
  const args: unknown[] = [];
  for (const [kind, buckets] of Object.entries(kinds)) {
    const b = Math.min(SAMPLE_BUCKETS, Math.max(1, Math.floor(buckets)));
    parts.push(
      `SELECT kind, at, value_ms AS valueMs FROM conversation_events INDEXED BY conversation_events_sample_idx
       WHERE tenant_id = ? AND kind = ? AND value_ms IS NOT NULL AND ${SAMPLE_EXPR} IN (${Array.from({ length: b }, (_, i) => i).join(", ")})
         AND at >= ? AND at < ? ${x}`,
    );
    args.push(tenantId, kind, f.from, f.to, ...xa);
  }
  if (!parts.length) return { text: "SELECT '' AS kind, 0 AS at, 0 AS valueMs WHERE 0", args: [] };
  return { text: parts.join(" UNION ALL "), args };
}

function where(tenantId: string, f: EventFilter): SQL {
  const c = conversationEvents;
  return and(
    eq(c.tenantId, tenantId),
    inArray(c.kind, [...f.kinds]),
    gte(c.at, f.from),
    ...(f.to !== undefined ? [lt(c.at, f.to)] : []),
    ...(f.botId ? [eq(c.botId, f.botId)] : []),
    ...(f.channel ? [eq(c.channel, f.channel)] : []),
  )!;
}

/** A UTC quarter hour, the rollups' time step (migration 0031). */
export const SLOT_MS = 900_000;
const SLOTS_PER_DAY = 96;

/** Which rollups a report reads: slots [fromSlot, toSlot), optionally one bot or channel. */
export type SlotRange = { fromSlot: number; toSlot: number; botId?: string | undefined; channel?: string | undefined };
export type RollupRow = { metric: string; botId: string; channel: string; n: number; total: number };
export type HistogramRow = { metric: string; day: number; bin: number; n: number; total: number };

/** `AND bot_id = ? AND channel = ?` for the filters given, with their values. */
function rollupFilter(r: SlotRange, alias = ""): [string, string[]] {
  const parts: string[] = [];
  const args: string[] = [];
  if (r.botId) [parts.push(`AND ${alias}bot_id = ?`), args.push(r.botId)];
  if (r.channel) [parts.push(`AND ${alias}channel = ?`), args.push(r.channel)];
  return [parts.join(" "), args];
}

/** A raw statement (rollup queries are plain SQL: unions, index hints, partial-index predicates). */
type Query = { text: string; args: unknown[] };

async function rowsOf<T>(db: Db, q: Query): Promise<T[]> {
  return (
    await db.$client
      .prepare(q.text)
      .bind(...q.args)
      .all<T>()
  ).results;
}

/**
 * Rollup counters of [fromSlot, toSlot) (only the metrics `<prefix>:…` when given): whole UTC days
 * from the day table, the edges from quarter hours.
 */
function rollupQuery(tenantId: string, r: SlotRange, prefix?: string): Query {
  const [rf, rfa] = rollupFilter(r);
  // `metric >= 'p:' AND metric < 'p;'`: the metrics `p:<detail>` (':' + 1 is ';')
  const f = prefix ? `${rf} AND metric >= ? AND metric < ?` : rf;
  const fa = prefix ? [...rfa, `${prefix}:`, `${prefix};`] : rfa;
  const firstDay = Math.ceil(r.fromSlot / SLOTS_PER_DAY);
  const endDay = Math.floor(r.toSlot / SLOTS_PER_DAY);
  const parts: string[] = [];
  const args: unknown[] = [];
  const slots = (from: number, to: number) => {
    if (from >= to) return;
    parts.push(
      `SELECT metric, bot_id, channel, n, total FROM analytics_rollup WHERE tenant_id = ? AND slot >= ? AND slot < ? ${f}`,
    );
    args.push(tenantId, from, to, ...fa);
  };
  if (firstDay < endDay) {
    parts.push(
      `SELECT metric, bot_id, channel, n, total FROM analytics_rollup_day WHERE tenant_id = ? AND day >= ? AND day < ? ${f}`,
    );
    args.push(tenantId, firstDay, endDay, ...fa);
    slots(r.fromSlot, firstDay * SLOTS_PER_DAY);
    slots(endDay * SLOTS_PER_DAY, r.toSlot);
  } else slots(r.fromSlot, r.toSlot);
  if (!parts.length)
    return { text: "SELECT '' AS metric, '' AS botId, '' AS channel, 0 AS n, 0 AS total WHERE 0", args: [] };
  return {
    text: `SELECT metric, bot_id AS botId, channel, sum(n) AS n, sum(total) AS total FROM (${parts.join(" UNION ALL ")})
           GROUP BY metric, bot_id, channel HAVING sum(n) <> 0 OR sum(total) <> 0`,
    args,
  };
}

/**
 * `opened` per local hour of the week (0 = Monday 00:00): `segments` cut the range where the zone's
 * offset changes (range.ts offsetSegments), each with its offset in slots, so SQLite groups with
 * arithmetic (slot 0, 1 January 1970, was a Thursday: hour 72 of its week).
 */
function hourOfWeekQuery(tenantId: string, r: SlotRange, segments: HourSegment[]): Query {
  const [f, fa] = rollupFilter(r);
  if (!segments.every((x) => Number.isSafeInteger(x.toSlot) && Number.isSafeInteger(x.offsetSlots)))
    throw new Error("analytics: segment bounds must be integers");
  const how = `CASE ${segments.map((x) => `WHEN slot < ${x.toSlot} THEN ((slot + ${x.offsetSlots}) / 4 + 72) % 168`).join(" ")} END`;
  return {
    text: `SELECT ${how} AS how, sum(n) AS n FROM analytics_rollup INDEXED BY analytics_rollup_metric_idx
           WHERE tenant_id = ? AND metric = 'opened' AND slot >= ? AND slot < ? ${f} GROUP BY how`,
    args: [tenantId, r.fromSlot, r.toSlot, ...fa],
  };
}

/** Conversations opened in the slots whose AI answer is still inside the "assumed" wait, per bot. */
function pendingQuery(tenantId: string, r: SlotRange & { since: number }): Query {
  const [f, fa] = rollupFilter(r);
  return {
    text: `SELECT bot_id AS botId, count(*) AS n FROM analytics_conversations INDEXED BY analytics_conversations_pending_idx
           WHERE tenant_id = ? AND ai_state = 'answered' AND last_answer_at > ? AND opened_slot >= ? AND opened_slot < ? ${f}
           GROUP BY bot_id`,
    args: [tenantId, r.since, r.fromSlot, r.toSlot, ...fa],
  };
}

/** Duration histograms of UTC days [fromDay, toDay) per metric, day and bin. */
function histogramQuery(tenantId: string, kinds: readonly string[], r: DayRange): Query {
  const [f, fa] = rollupFilter({ ...r, fromSlot: 0, toSlot: 0 });
  if (!kinds.length) return { text: "SELECT '' AS metric, 0 AS day, 0 AS bin, 0 AS n, 0 AS total WHERE 0", args: [] };
  return {
    text: `SELECT metric, day, bin, sum(n) AS n, sum(total) AS total FROM analytics_histogram
           WHERE tenant_id = ? AND day >= ? AND day < ? AND metric IN (${kinds.map(() => "?").join(", ")}) ${f}
           GROUP BY metric, day, bin`,
    args: [tenantId, r.fromDay, r.toDay, ...kinds, ...fa],
  };
}

const categoryNamesQuery = (tenantId: string): Query => ({
  text: "SELECT id, name FROM categories WHERE tenant_id = ?",
  args: [tenantId],
});

/**
 * One metric (or every metric starting with `prefix:`) per bucket: `starts` are the buckets' first
 * slots, ascending, the last ending at `r.toSlot`.
 */
function bucketQuery(tenantId: string, metric: string | { prefix: string }, r: SlotRange, starts: number[]): Query {
  const [f, fa] = rollupFilter(r);
  const ends = [...starts.slice(1), r.toSlot];
  if (!ends.every((n) => Number.isSafeInteger(n))) throw new Error("analytics: bucket bounds must be integers");
  // the bounds are integers computed by the caller, inlined so a year of days stays under D1's 100 parameters
  const bucket = `CASE ${ends.map((end, i) => `WHEN slot < ${end} THEN ${i}`).join(" ")} END`;
  const m = typeof metric === "string" ? "metric = ?" : "metric >= ? AND metric < ?";
  const ma = typeof metric === "string" ? [metric] : [`${metric.prefix}:`, `${metric.prefix};`];
  return {
    text: `SELECT ${bucket} AS b, metric, sum(n) AS n, sum(total) AS total FROM analytics_rollup
           INDEXED BY analytics_rollup_metric_idx
           WHERE tenant_id = ? AND ${m} AND slot >= ? AND slot < ? ${f} GROUP BY b, metric`,
    args: [tenantId, ...ma, r.fromSlot, r.toSlot, ...fa],
  };
}

/** The first questions of the latest `limit` conversations opened in the slots, newest first. */
function questionsQuery(tenantId: string, r: SlotRange, limit: number): Query {
  const [f, fa] = rollupFilter(r);
  return {
    text: `SELECT f.conversation_id AS conversationId, f.category_id AS categoryId, f.opened_slot AS slot,
                  substr(t.first_visitor_text, 1, 300) AS text
           FROM (SELECT tenant_id, conversation_id, category_id, opened_slot FROM analytics_conversations
                 INDEXED BY analytics_conversations_opened_idx
                 WHERE tenant_id = ? AND opened_slot >= ? AND opened_slot < ? ${f}
                 ORDER BY opened_slot DESC LIMIT ?) f
           JOIN conversation_triage t ON t.tenant_id = f.tenant_id AND t.conversation_id = f.conversation_id
           WHERE t.first_visitor_text IS NOT NULL
           ORDER BY f.opened_slot DESC`,
    args: [tenantId, r.fromSlot, r.toSlot, ...fa, limit],
  };
}

/** The latest `limit` hand-offs and abstentions in [from, to), newest first (partial index). */
function missesQuery(tenantId: string, f: Omit<EventFilter, "kinds"> & { to: number }, limit: number): Query {
  const [x, xa] = rollupFilter({ fromSlot: 0, toSlot: 0, botId: f.botId, channel: f.channel });
  return {
    text: `SELECT conversation_id AS conversationId, bot_id AS botId, channel, kind, actor_id AS actorId, at,
                  value_ms AS valueMs, substr(json_extract(data, '$.question'), 1, 300) AS question,
                  json_extract(data, '$.reason') AS reason, json_extract(data, '$.abstained') AS abstained
           FROM conversation_events WHERE tenant_id = ? AND at >= ? AND at < ? AND ${MISS} ${x}
           ORDER BY at DESC LIMIT ?`,
    args: [tenantId, f.from, f.to, ...xa, limit],
  };
}

type BucketRow = { b: number; metric: string; n: number; total: number };
type QuestionRow = { conversationId: string; categoryId: string | null; slot: number; text: string };
/** A miss as the report needs it: the question, the hand-off reason, whether the AI abstained (no JSON parse). */
type MissRow = Omit<EventPoint, "data"> & { question: unknown; reason: unknown; abstained: unknown };
const missPoint = ({ question, reason, abstained, ...r }: MissRow): EventPoint => ({
  ...r,
  data: {
    ...(typeof question === "string" ? { question } : {}),
    ...(reason !== null && reason !== undefined ? { reason } : {}),
    abstained: abstained === 1,
  },
});

export type HourSegment = { toSlot: number; offsetSlots: number };
export type DayRange = { fromDay: number; toDay: number } & Omit<SlotRange, "fromSlot" | "toSlot">;

/** A knowledge-gap candidate: a hand-off or an abstention (index conversation_events_misses_idx). */
const MISS = `(kind = 'handed_off' OR (kind = 'ai_answered' AND json_extract(data, '$.abstained') = 1))`;

/** Conversation events (issue 16): written by rooms through their batched copy, read by the reports. */
export const analyticsRepo = (db: Db) => ({
  /** The tenant's business hours (primary key), or undefined when not set. */
  businessHours: (tenantId: string): Promise<BusinessHoursRow | undefined> =>
    db.select().from(businessHours).where(eq(businessHours.tenantId, tenantId)).get(),
  putBusinessHours: (row: BusinessHoursRow) => {
    const { tenantId, ...set } = row;
    return db
      .insert(businessHours)
      .values(row)
      .onConflictDoUpdate({ target: businessHours.tenantId, set })
      .returning()
      .get();
  },
  /** Answers whether a row was there. */
  deleteBusinessHours: async (tenantId: string) =>
    (
      await db
        .delete(businessHours)
        .where(eq(businessHours.tenantId, tenantId))
        .returning({ t: businessHours.tenantId })
    ).length > 0,

  /** Insert-or-ignore by id, chunked: a repeated copy stores each event once. */
  insertIgnoreStmts: (rows: NewConversationEventRow[]) => {
    const out = [];
    for (let i = 0; i < rows.length; i += EVENT_ROWS_PER_STMT)
      out.push(
        db
          .insert(conversationEvents)
          .values(rows.slice(i, i + EVENT_ROWS_PER_STMT))
          .onConflictDoNothing(),
      );
    return out;
  },

  /** Durations only (kind, end, length) of the given kinds in a range: what percentiles read. */
  durations: (tenantId: string, f: EventFilter): Promise<Pick<EventPoint, "kind" | "at" | "valueMs">[]> => {
    const c = conversationEvents;
    return db.select({ kind: c.kind, at: c.at, valueMs: c.valueMs }).from(c).where(where(tenantId, f)).all();
  },

  /**
   * A sample of each kind's durations in a range: `kinds` maps a kind to how many of the 64 sample
   * buckets to read (index conversation_events_sample_idx: no scan of the others).
   */
  sampledDurations: (
    tenantId: string,
    f: Omit<EventFilter, "kinds"> & { to: number },
    kinds: Record<string, number>,
  ): Promise<Pick<EventPoint, "kind" | "at" | "valueMs">[]> => rowsOf(db, sampledDurationsQuery(tenantId, f, kinds)),

  /** Events of the given kinds in a range (index conversation_events_tenant_kind_at_idx). */
  events: (tenantId: string, f: EventFilter): Promise<EventPoint[]> => {
    const c = conversationEvents;
    return db
      .select({
        conversationId: c.conversationId,
        botId: c.botId,
        channel: c.channel,
        kind: c.kind,
        actorId: c.actorId,
        at: c.at,
        valueMs: c.valueMs,
        data: c.data,
      })
      .from(c)
      .where(where(tenantId, f))
      .all();
  },

  /**
   * What the summary reads, in one D1 round trip (a batch): the counters, the conversations still
   * pending, `opened` per local hour of the week, the duration histograms and the category names.
   */
  summaryReads: async (
    tenantId: string,
    r: SlotRange & { since: number },
    segments: HourSegment[],
    histogram: { kinds: readonly string[] } & DayRange,
  ) => {
    const queries = [
      rollupQuery(tenantId, r),
      pendingQuery(tenantId, r),
      hourOfWeekQuery(tenantId, r, segments),
      histogramQuery(tenantId, histogram.kinds, histogram),
      categoryNamesQuery(tenantId),
    ];
    const [rows, pending, hours, bins, names] = (
      await db.$client.batch(queries.map((q) => db.$client.prepare(q.text).bind(...q.args)))
    ).map((x) => x.results);
    return {
      rows: rows as RollupRow[],
      pending: pending as { botId: string; n: number }[],
      hours: hours as { how: number; n: number }[],
      bins: bins as HistogramRow[],
      categoryNames: new Map((names as { id: string; name: string }[]).map((c) => [c.id, c.name])),
    };
  },

  /**
   * One metric (or every metric starting with `prefix:`) per bucket: `starts` are the buckets' first
   * slots, ascending, the last ending at `r.toSlot`. Answers rows of bucket index, metric, n, total.
   */
  rollupByBucket: (tenantId: string, metric: string | { prefix: string }, r: SlotRange, starts: number[]) =>
    rowsOf<BucketRow>(db, bucketQuery(tenantId, metric, r, starts)),

  /** Duration histograms of UTC days [fromDay, toDay) per metric, day and bin. */
  histogram: (tenantId: string, kinds: readonly string[], r: DayRange) =>
    rowsOf<HistogramRow>(db, histogramQuery(tenantId, kinds, r)),

  /**
   * What the questions report reads, in one D1 round trip: category counts of the range and of the
   * period before, the category names, the latest first questions of both periods and the latest misses.
   */
  questionsReads: async (
    tenantId: string,
    cur: SlotRange,
    prev: SlotRange,
    misses: Omit<EventFilter, "kinds"> & { to: number },
    limit: number,
  ) => {
    const queries = [
      rollupQuery(tenantId, cur, "category"),
      rollupQuery(tenantId, prev, "category"),
      categoryNamesQuery(tenantId),
      questionsQuery(tenantId, cur, limit),
      questionsQuery(tenantId, prev, limit),
      missesQuery(tenantId, misses, limit),
    ];
    const [now, before, names, nowQs, beforeQs, missRows] = (
      await db.$client.batch(queries.map((q) => db.$client.prepare(q.text).bind(...q.args)))
    ).map((x) => x.results);
    return {
      now: now as RollupRow[],
      before: before as RollupRow[],
      categoryNames: new Map((names as { id: string; name: string }[]).map((c) => [c.id, c.name])),
      nowQs: nowQs as QuestionRow[],
      beforeQs: beforeQs as QuestionRow[],
      misses: (missRows as MissRow[]).map(missPoint),
    };
  },
});
