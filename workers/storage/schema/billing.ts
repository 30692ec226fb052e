import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Subscription state as Echo keeps it (Stripe's statuses, plus `none` when there is no subscription). */
export type BillingStatus = "none" | "active" | "trialing" | "past_due" | "canceled" | "unpaid" | "incomplete";
/** What a bot does once the tenant's AI answers are used up (issue 15 contract). */
export type OverQuotaChoice = "handoff" | "embedded";
/**
 * What is counted: AI answers (every answer path), voice seconds, and the tokens a model provider
 * billed for the answers (input and output, as the provider reported them; only answers from a
 * provider that reports usage add them). Only `ai_answers` goes to Stripe's meter.
 */
export type UsageMetric = "ai_answers" | "voice_seconds" | "ai_input_tokens" | "ai_output_tokens";

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

export type BillingAccountRow = typeof billingAccounts.$inferSelect;
