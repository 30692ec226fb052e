import { and, count, eq, inArray, isNotNull, sql } from "drizzle-orm";
import { SLOT_MS } from "./analytics-repo";
import type { Db } from "./db";
import {
  analyticsRollup,
  billingAccounts,
  billingBotSettings,
  billingCreditSpend,
  billingNotices,
  bots,
  memberships,
  stripeEvents,
  usageCounters,
  usageEvents,
  usageModelCosts,
  type BillingAccountRow,
  type ConversationChannel,
  type QuotaMeter,
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
  /** Email and WhatsApp messages, in and out. */
  channelMessages: number;
  costMicros: number;
  /** Present when a bot was named: its own settings and this period's AI cost. */
  bot?: { overQuota: "handoff" | "embedded" | null; budgetCapMicros: number | null; costMicros: number };
  /** Credit-pack answers spent in other periods than this one, and in this one. */
  creditsSpentBefore: number;
  creditsSpentNow: number;
  /** This period's answers a plan that does not spend credits paid for, and when that was recorded (ms). */
  creditsCovered: number;
  creditsCoveredAt: number | null;
};

/** One paid model call's tokens and cost, recorded once by its event id (recordModelUsage). */
export type ModelUsageEvent = UsageEvent & {
  model: string;
  inputTokens: number;
  outputTokens: number;
  /** The conversation channel the call answered (the analytics rollups' channel filter). */
  channel: ConversationChannel;
};

/** Analytics rollup metrics of model calls (docs/analytics.md "AI spend"): `<metric>:<model>`. */
export const SPEND_METRICS = { cost: "ai_spend", input: "ai_tokens_in", output: "ai_tokens_out" } as const;

export const billingRepo = (db: Db) => ({
  account: (tenantId: string) => db.select().from(billingAccounts).where(eq(billingAccounts.tenantId, tenantId)).get(),
  accountByCustomer: (customerId: string) =>
    db.select().from(billingAccounts).where(eq(billingAccounts.stripeCustomerId, customerId)).get(),
  /** The account and the period's totals in one round trip (the room asks this before an answer). */
  async accountUsage(tenantId: string, period: string, botId?: string): Promise<AccountUsage> {
    const [account, totals, credits, botRows, botCost] = await db.batch([
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
      db
        .select({
          before: sql<number>`coalesce(sum(CASE WHEN ${billingCreditSpend.period} <> ${period} THEN ${billingCreditSpend.spent} ELSE 0 END), 0)`,
          now: sql<number>`coalesce(sum(CASE WHEN ${billingCreditSpend.period} = ${period} THEN ${billingCreditSpend.spent} ELSE 0 END), 0)`,
          covered: sql<number>`coalesce(max(CASE WHEN ${billingCreditSpend.period} = ${period} THEN ${billingCreditSpend.covered} END), 0)`,
          coveredAt: sql<
            number | null
          >`max(CASE WHEN ${billingCreditSpend.period} = ${period} THEN ${billingCreditSpend.coveredAt} END)`,
        })
        .from(billingCreditSpend)
        .where(eq(billingCreditSpend.tenantId, tenantId)),
      db
        .select()
        .from(billingBotSettings)
        .where(and(eq(billingBotSettings.tenantId, tenantId), eq(billingBotSettings.botId, botId ?? ""))),
      db
        .select({ cost: sql<number>`coalesce(sum(${usageCounters.costMicros}), 0)` })
        .from(usageCounters)
        .where(
          and(
            eq(usageCounters.tenantId, tenantId),
            eq(usageCounters.period, period),
            eq(usageCounters.botId, botId ?? ""),
          ),
        ),
    ]);
    const of = (m: UsageMetric) => totals.find((t) => t.metric === m);
    const b = botRows[0];
    return {
      account: account[0],
      aiAnswers: Number(of("ai_answers")?.quantity ?? 0),
      voiceSeconds: Number(of("voice_seconds")?.quantity ?? 0),
      channelMessages: Number(of("email_messages")?.quantity ?? 0) + Number(of("whatsapp_messages")?.quantity ?? 0),
      costMicros: totals.reduce((a, t) => a + Number(t.cost ?? 0), 0),
      ...(botId !== undefined
        ? {
            bot: {
              overQuota: b?.overQuota ?? null,
              budgetCapMicros: b?.budgetCapMicros ?? null,
              costMicros: Number(botCost[0]?.cost ?? 0),
            },
          }
        : {}),
      creditsSpentBefore: Number(credits[0]?.before ?? 0),
      creditsSpentNow: Number(credits[0]?.now ?? 0),
      creditsCovered: Number(credits[0]?.covered ?? 0),
      creditsCoveredAt: credits[0]?.coveredAt == null ? null : Number(credits[0].coveredAt),
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
  /**
   * A paid model call: the cost counter (metric `ai_tokens`) and the per-model row are bumped
   * unless the event is already recorded, then the event is recorded — one batch, like recordStmts.
   */
  recordModelStmts(e: ModelUsageEvent) {
    const unlessSeen = (n: number) =>
      sql<number>`(CASE WHEN EXISTS (SELECT 1 FROM usage_events WHERE tenant_id = ${e.tenantId} AND event_id = ${e.eventId}) THEN 0 ELSE ${n} END)`;
    const [bump, insert] = billingRepo(db).recordStmts(e);
    return [
      bump,
      db
        .insert(usageModelCosts)
        .values({
          tenantId: e.tenantId,
          period: e.period,
          botId: e.botId,
          model: e.model,
          calls: unlessSeen(1),
          inputTokens: unlessSeen(e.inputTokens),
          outputTokens: unlessSeen(e.outputTokens),
          costMicros: unlessSeen(e.costMicros),
        })
        .onConflictDoUpdate({
          target: [usageModelCosts.tenantId, usageModelCosts.period, usageModelCosts.botId, usageModelCosts.model],
          set: {
            calls: sql`${usageModelCosts.calls} + excluded.calls`,
            inputTokens: sql`${usageModelCosts.inputTokens} + excluded.input_tokens`,
            outputTokens: sql`${usageModelCosts.outputTokens} + excluded.output_tokens`,
            costMicros: sql`${usageModelCosts.costMicros} + excluded.cost_micros`,
          },
        }),
      // the analytics rollups (the quarter hour of the call; the day table follows by trigger): the
      // range reports' AI spend per bot, model and channel, from the very statements the meter counts
      db
        .insert(analyticsRollup)
        .values(
          (
            [
              [SPEND_METRICS.cost, e.costMicros],
              [SPEND_METRICS.input, e.inputTokens],
              [SPEND_METRICS.output, e.outputTokens],
            ] as const
          ).map(([metric, total]) => ({
            tenantId: e.tenantId,
            slot: Math.floor(e.at / SLOT_MS),
            metric: `${metric}:${e.model}`,
            botId: e.botId,
            channel: e.channel,
            n: unlessSeen(1),
            total: unlessSeen(total),
          })),
        )
        .onConflictDoUpdate({
          target: [
            analyticsRollup.tenantId,
            analyticsRollup.slot,
            analyticsRollup.metric,
            analyticsRollup.botId,
            analyticsRollup.channel,
          ],
          set: { n: sql`${analyticsRollup.n} + excluded.n`, total: sql`${analyticsRollup.total} + excluded.total` },
        }),
      insert,
    ] as const;
  },
  /** Per bot and model for the period (GET /api/billing/usage `byModel`). */
  modelCosts: (tenantId: string, period: string) =>
    db
      .select()
      .from(usageModelCosts)
      .where(and(eq(usageModelCosts.tenantId, tenantId), eq(usageModelCosts.period, period)))
      .all(),
  /** The quota-notice thresholds (percent) already sent this period for this limit (another limit, after a plan change, starts afresh). */
  noticesSent: async (tenantId: string, period: string, quota: number, meter: QuotaMeter) =>
    (
      await db
        .select({ threshold: billingNotices.threshold })
        .from(billingNotices)
        .where(
          and(
            eq(billingNotices.tenantId, tenantId),
            eq(billingNotices.period, period),
            eq(billingNotices.meter, meter),
            eq(billingNotices.quota, quota),
          ),
        )
        .all()
    ).map((r) => r.threshold),
  /** Claims a threshold's notice: true only for the one caller whose insert wrote the row. */
  claimNotice: async (
    tenantId: string,
    period: string,
    meter: QuotaMeter,
    threshold: number,
    quota: number,
    now: Date,
  ) =>
    (
      await db
        .insert(billingNotices)
        .values({ tenantId, period, meter, threshold, quota, sentAt: now })
        .onConflictDoNothing()
        .returning({ t: billingNotices.threshold })
        .all()
    ).length === 1,
  /** Gives back a claim whose notice could not be sent, so the next usage record tries again. */
  releaseNotice: (tenantId: string, period: string, meter: QuotaMeter, threshold: number, quota: number) =>
    db
      .delete(billingNotices)
      .where(
        and(
          eq(billingNotices.tenantId, tenantId),
          eq(billingNotices.period, period),
          eq(billingNotices.meter, meter),
          eq(billingNotices.threshold, threshold),
          eq(billingNotices.quota, quota),
        ),
      )
      .run(),
  botSettings: (tenantId: string) =>
    db.select().from(billingBotSettings).where(eq(billingBotSettings.tenantId, tenantId)).all(),
  setBotSettingsStmt: (
    tenantId: string,
    botId: string,
    set: { overQuota?: "handoff" | "embedded" | null; budgetCapMicros?: number | null },
    now: Date,
  ) =>
    db
      .insert(billingBotSettings)
      .values({ tenantId, botId, updatedAt: now, ...set })
      .onConflictDoUpdate({
        target: [billingBotSettings.tenantId, billingBotSettings.botId],
        set: { ...set, updatedAt: now },
      }),
  /**
   * Adds a credit pack's answers to the account unless the Stripe event is already claimed; run
   * before `claimEventStmt` in the same batch. Keeps the Stripe customer when the account has none.
   */
  grantCreditsOnceStmt: (tenantId: string, answers: number, eventId: string, customerId: string | null, now: Date) => {
    const add = sql<number>`(CASE WHEN EXISTS (SELECT 1 FROM stripe_events WHERE id = ${eventId}) THEN 0 ELSE ${answers} END)`;
    return db
      .insert(billingAccounts)
      .values({
        tenantId,
        plan: "free",
        status: "none",
        creditsGranted: add,
        stripeCustomerId: customerId,
        updatedAt: now,
      })
      .onConflictDoUpdate({
        target: billingAccounts.tenantId,
        set: {
          creditsGranted: sql`${billingAccounts.creditsGranted} + excluded.credits_granted`,
          stripeCustomerId: sql`coalesce(${billingAccounts.stripeCustomerId}, excluded.stripe_customer_id)`,
          updatedAt: now,
        },
      });
  },
  /** Raises (never lowers) the period's credit spend: settling twice from the same counters changes nothing. */
  settleCreditsStmt: (tenantId: string, period: string, spent: number) =>
    db
      .insert(billingCreditSpend)
      .values({ tenantId, period, spent })
      .onConflictDoUpdate({
        target: [billingCreditSpend.tenantId, billingCreditSpend.period],
        set: { spent: sql`max(${billingCreditSpend.spent}, excluded.spent)` },
      }),
  /**
   * Records the period's answers a covering plan paid for (it ended at `endedAt`): raised, never
   * lowered, and only when not yet recorded since that end — so a second look changes nothing.
   */
  coverCreditsStmt: (tenantId: string, period: string, covered: number, at: number, endedAt: number) =>
    db
      .insert(billingCreditSpend)
      .values({ tenantId, period, spent: 0, covered, coveredAt: at })
      .onConflictDoUpdate({
        target: [billingCreditSpend.tenantId, billingCreditSpend.period],
        set: {
          covered: sql`max(${billingCreditSpend.covered}, excluded.covered)`,
          coveredAt: sql`excluded.covered_at`,
        },
        setWhere: sql`${billingCreditSpend.coveredAt} IS NULL OR ${billingCreditSpend.coveredAt} < ${endedAt}`,
      }),
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
