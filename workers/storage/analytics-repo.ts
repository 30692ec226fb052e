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
   * Events per bucket, counted in D1 (rows never leave the database): `starts` are the buckets'
   * ascending start times (ms), the last bucket ends at `f.to`. Answers bucket index → count.
   */
  countByBucket: async (tenantId: string, f: EventFilter & { to: number }, starts: number[]) => {
    const ends = [...starts.slice(1), f.to];
    if (!ends.every((n) => Number.isSafeInteger(n))) throw new Error("analytics: bucket bounds must be integers");
    // the bounds are integers computed by the caller, inlined so a year of days stays under D1's 100 parameters
    const bucket = sql.raw(`CASE ${ends.map((end, i) => `WHEN at < ${end} THEN ${i}`).join(" ")} END`);
    const rows = await db
      .select({ b: sql<number>`${bucket}`, n: sql<number>`count(*)` })
      .from(conversationEvents)
      .where(where(tenantId, f))
      .groupBy(bucket)
      .all();
    return new Map(rows.map((r) => [Number(r.b), Number(r.n)]));
  },

  /** The conversations opened in a range with their category and first question (conversation_triage). */
  openedWithTopic: (tenantId: string, f: Omit<EventFilter, "kinds">) => {
    const c = conversationEvents;
    const t = conversationTriage;
    return db
      .select({
        conversationId: c.conversationId,
        at: c.at,
        categoryId: t.categoryId,
        categoryName: categories.name,
        text: t.firstVisitorText,
      })
      .from(c)
      .leftJoin(t, and(eq(t.tenantId, c.tenantId), eq(t.conversationId, c.conversationId)))
      .leftJoin(categories, and(eq(categories.tenantId, c.tenantId), eq(categories.id, t.categoryId)))
      .where(where(tenantId, { ...f, kinds: ["opened"] }))
      .all();
  },
});
