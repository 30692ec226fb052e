import { and, count, eq, inArray, isNotNull, sql } from "drizzle-orm";
import type { Db } from "./db";
import {
  billingAccounts,
  bots,
  memberships,
  stripeEvents,
  usageCounters,
  usageEvents,
  type BillingAccountRow,
  type UsageMetric,
} from "./schema";

/** One usage event: counted once per (tenant, eventId), whatever retries deliver it. */
export type UsageEvent = {
  tenantId: string;
  eventId: string;
  metric: UsageMetric;
  botId: string;
  period: string;
  quantity: number;
  costMicros: number;
  at: number;
};

/** What `mayTenant` needs in one read: the account (if any) and the period's totals. */
export type AccountUsage = {
  account: BillingAccountRow | undefined;
  aiAnswers: number;
  voiceSeconds: number;
  costMicros: number;
};

export const billingRepo = (db: Db) => ({
  account: (tenantId: string) => db.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId)).get(),
  accountByCustomer: (customerId: string) =>
    db.select().from(billingAccounts).where(eq(billingAccounts.stripeCustomerId, customerId)).get(),
  /** The account and the period's totals in one round trip (the room asks this before an answer). */
  async accountUsage(tenantId: string, period: string): Promise<AccountUsage> {
    const [account, totals] = await db.batch([
      db.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId)),
      db
        .select({
          metric: usageCounters.metric,
          quantity: sql<number>`sum(${usageCounters.quantity})`,
          cost: sql<number>`sum(${usageCounters.costMicros})`,
        })
        .from(usageCounters)
        .where(and(eq(usageCounters.tenantId, tenantId), eq(usageCounters.period, period)))
        .groupBy(usageCounters.metric),
    ]);
    const of = (m: UsageMetric) => totals.find((t) => t.metric === m);
    return {
      account: account[0],
      aiAnswers: Number(of("ai_answers")?.quantity ?? 0),
      voiceSeconds: Number(of("voice_seconds")?.quantity ?? 0),
      costMicros: totals.reduce((a, t) => a + Number(t.cost ?? 0), 0),
    };
  },
  /** Per bot and metric for the period (GET /api/billing/usage). */
  counters: (tenantId: string, period: string) =>
    db
      .select()
      .from(usageCounters)
      .where(and(eq(usageCounters.tenantId, tenantId), eq(usageCounters.period, period)))
      .all(),
  botCount: async (tenantId: string) =>
    (await db.select({ n: count() }).from(bots).where(eq(bots.tenantId, tenantId)).get())?.n ?? 0,
  seatCount: async (tenantId: string) =>
    (await db.select({ n: count() }).from(memberships).where(eq(memberships.tenantId, tenantId)).get())?.n ?? 0,
  /**
   * Two statements that must run in one batch (a D1 batch is one transaction), in this order: bump
   * the counter unless the event is already recorded, then record it. A replay finds the event and
   * adds nothing.
   */
  recordStmts(e: UsageEvent) {
    // 0 when the event is already recorded, so a replay bumps by nothing (drizzle cannot batch raw SQL
    // with parameters, hence the CASE inside an ordinary upsert)
    const unlessSeen = (n: number) =>
      sql<number>`(CASE WHEN EXISTS (SELECT 1 FROM usage_events WHERE tenant_id = ${e.tenantId} AND event_id = ${e.eventId}) THEN 0 ELSE ${n} END)`;
    return [
      db
        .insert(usageCounters)
        .values({
          tenantId: e.tenantId,
          period: e.period,
          metric: e.metric,
          botId: e.botId,
          quantity: unlessSeen(e.quantity),
          costMicros: unlessSeen(e.costMicros),
        })
        .onConflictDoUpdate({
          target: [usageCounters.tenantId, usageCounters.period, usageCounters.metric, usageCounters.botId],
          set: {
            quantity: sql`${usageCounters.quantity} + excluded.quantity`,
            costMicros: sql`${usageCounters.costMicros} + excluded.cost_micros`,
          },
        }),
      db
        .insert(usageEvents)
        .values({ ...e, at: new Date(e.at), reportedAt: null })
        .onConflictDoNothing(),
    ] as const;
  },
  upsertAccountStmt: (row: typeof billingAccounts.$inferInsert) =>
    db
      .insert(billingAccounts)
      .values(row)
      .onConflictDoUpdate({
        target: billingAccounts.tenantId,
        set: {
          plan: row.plan,
          status: row.status,
          stripeCustomerId: row.stripeCustomerId,
          stripeSubscriptionId: row.stripeSubscriptionId,
          periodEnd: row.periodEnd,
          cancelAtPeriodEnd: row.cancelAtPeriodEnd,
          updatedAt: row.updatedAt,
        },
      }),
  setSettingsStmt: (
    tenantId: string,
    set: { overQuota?: "handoff" | "embedded"; budgetCapMicros?: number | null },
    now: Date,
  ) =>
    db
      .insert(billingAccounts)
      .values({ tenantId, plan: "free", status: "none", updatedAt: now, ...set })
      .onConflictDoUpdate({ target: billingAccounts.tenantId, set: { ...set, updatedAt: now } }),
  seenEvent: async (id: string) =>
    (await db.select({ id: stripeEvents.id }).from(stripeEvents).where(eq(stripeEvents.id, id)).get()) !== undefined,
  /** Records a handled Stripe event id (in the same batch as its effect). */
  claimEventStmt: (id: string, type: string, tenantId: string | null, now: Date) =>
    db.insert(stripeEvents).values({ id, type, tenantId, receivedAt: now }).onConflictDoNothing(),
  /** Tenants with a Stripe customer and a live subscription (the meter reporter's list). */
  liveSubscribers: async () =>
    (
      await db
        .select({ tenantId: billingAccounts.tenantId })
        .from(billingAccounts)
        .where(
          and(isNotNull(billingAccounts.stripeCustomerId), inArray(billingAccounts.status, ["active", "trialing"])),
        )
        .all()
    ).map((r) => r.tenantId),
  unreported: (tenantId: string, period: string, limit: number) =>
    db
      .select()
      .from(usageEvents)
      .where(
        and(
          eq(usageEvents.tenantId, tenantId),
          sql`${usageEvents.reportedAt} IS NULL`,
          eq(usageEvents.period, period),
          eq(usageEvents.metric, "ai_answers"),
        ),
      )
      .limit(limit)
      .all(),
  markReportedStmt: (tenantId: string, eventId: string, at: Date) =>
    db
      .update(usageEvents)
      .set({ reportedAt: at })
      .where(and(eq(usageEvents.tenantId, tenantId), eq(usageEvents.eventId, eventId))),
});
