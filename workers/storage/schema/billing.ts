import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Subscription state as Echo keeps it (Stripe's statuses, plus `none` when there is no subscription). */
export type BillingStatus = "none" | "active" | "trialing" | "past_due" | "canceled" | "unpaid" | "incomplete";
/** The monthly limits that warn at 80 % and 100 % (billing_notices.meter). */
export type QuotaMeter = "ai_answers" | "voice_minutes";
/** What a bot does once the tenant's AI answers are used up (issue 15 contract). */
export type OverQuotaChoice = "handoff" | "embedded";
/**
 * What is counted: AI answers (every answer path), voice seconds (a call's duration from the
 * provider's end-of-call report), model tokens (cost; recordModelUsage) and channel messages
 * (email and WhatsApp, inbound and outbound; domain/billing/channel-usage.ts).
 */
export type UsageMetric = "ai_answers" | "voice_seconds" | "ai_tokens" | "email_messages" | "whatsapp_messages";

/**
 * One row per tenant that has ever touched billing; a tenant without a row is on the deployment's
 * default plan (domain/billing/plans.ts). Stripe fields are null in the embedded mode.
 */
export const billingAccounts = sqliteTable(
  "billing_accounts",
  {
    tenantId: text("tenant_id").primaryKey(),
    plan: text("plan").notNull(),
    status: text("status").$type<BillingStatus>().notNull(),
    stripeCustomerId: text("stripe_customer_id"),
    stripeSubscriptionId: text("stripe_subscription_id"),
    /** End of the paid period (ms); after it a cancelled subscription is on the default plan. */
    periodEnd: integer("period_end", { mode: "timestamp_ms" }),
    cancelAtPeriodEnd: integer("cancel_at_period_end", { mode: "boolean" }).notNull().default(false),
    overQuota: text("over_quota").$type<OverQuotaChoice>().notNull().default("handoff"),
    /** Monthly AI spend cap in millionths of a US dollar (null: no cap beyond the plan). */
    budgetCapMicros: integer("budget_cap_micros"),
    /** AI answers bought as prepaid credit packs, ever (spent per period in billing_credit_spend). */
    creditsGranted: integer("credits_granted").notNull().default(0),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  // POST /hooks/stripe finds the tenant of a subscription event by its customer
  (t) => [uniqueIndex("billing_accounts_customer_uq").on(t.stripeCustomerId)],
);

/** Per tenant, period (`YYYY-MM`, UTC), metric and bot: the running total, bumped once per usage event. */
export const usageCounters = sqliteTable(
  "usage_counters",
  {
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    metric: text("metric").$type<UsageMetric>().notNull(),
    botId: text("bot_id").notNull(),
    quantity: integer("quantity").notNull().default(0),
    costMicros: integer("cost_micros").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period, t.metric, t.botId] })],
);

/** Every counted event, by its own id (an AI message id, a completion id, a call id): the idempotency key. */
export const usageEvents = sqliteTable(
  "usage_events",
  {
    tenantId: text("tenant_id").notNull(),
    eventId: text("event_id").notNull(),
    metric: text("metric").$type<UsageMetric>().notNull(),
    botId: text("bot_id").notNull(),
    period: text("period").notNull(),
    quantity: integer("quantity").notNull(),
    costMicros: integer("cost_micros").notNull().default(0),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
    /** When it went to Stripe Billing Meters (null: not yet, or billing off). */
    reportedAt: integer("reported_at", { mode: "timestamp_ms" }),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.eventId] }),
    // the Billing Meters reporter picks a tenant's unreported events of a period
    index("usage_events_unreported_idx").on(t.tenantId, t.reportedAt, t.period),
  ],
);

/** Stripe events already handled, by `event.id`: a redelivery changes nothing. */
export const stripeEvents = sqliteTable("stripe_events", {
  id: text("id").primaryKey(),
  type: text("type").notNull(),
  tenantId: text("tenant_id"),
  receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
});

/**
 * 80 % and 100 % quota notices already sent: one row per tenant, period, threshold (percent) and
 * the AI-answer limit it was a share of, so a plan change inside a month (Free's 100 → Pro's 5,000)
 * warns again at the new limit's thresholds.
 */
export const billingNotices = sqliteTable(
  "billing_notices",
  {
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    /** What the limit counts (migration 0033): AI answers or voice minutes. */
    meter: text("meter").$type<QuotaMeter>().notNull().default("ai_answers"),
    threshold: integer("threshold").notNull(),
    /** The plan's monthly limit of the meter the threshold was reached against. */
    quota: integer("quota").notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period, t.meter, t.threshold, t.quota] })],
);

/** A bot's own over-quota choice and monthly AI budget cap (null: the tenant's). */
export const billingBotSettings = sqliteTable(
  "billing_bot_settings",
  {
    tenantId: text("tenant_id").notNull(),
    botId: text("bot_id").notNull(),
    overQuota: text("over_quota").$type<OverQuotaChoice>(),
    budgetCapMicros: integer("budget_cap_micros"),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.botId] })],
);

/** Paid model calls per tenant, period, bot and model: tokens and cost (GET /api/billing/usage `byModel`). */
export const usageModelCosts = sqliteTable(
  "usage_model_costs",
  {
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    botId: text("bot_id").notNull(),
    model: text("model").notNull(),
    calls: integer("calls").notNull().default(0),
    inputTokens: integer("input_tokens").notNull().default(0),
    outputTokens: integer("output_tokens").notNull().default(0),
    costMicros: integer("cost_micros").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period, t.botId, t.model] })],
);

/**
 * Credit-pack answers spent on overage in a period (monotonic; settled from the period's counters),
 * and the period's answers a plan that does not spend credits paid for before it ended (migration
 * 0034; credits pay only past max(quota, covered)).
 */
export const billingCreditSpend = sqliteTable(
  "billing_credit_spend",
  {
    tenantId: text("tenant_id").notNull(),
    period: text("period").notNull(),
    spent: integer("spent").notNull().default(0),
    covered: integer("covered").notNull().default(0),
    /** When `covered` was last recorded (ms); a plan that ends after it is recorded again. */
    coveredAt: integer("covered_at"),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.period] })],
);

export type BillingAccountRow = typeof billingAccounts.$inferSelect;
