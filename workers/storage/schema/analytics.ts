import { index, integer, primaryKey, real, sqliteTable, text } from "drizzle-orm/sqlite-core";

/**
 * Conversation events (issue 16): appended by the ConversationRoom through its batched D1 copy,
 * never updated. `id` is `<conversationId>:<key>` where the key is unique within the conversation
 * (rooms/room-analytics.ts), so a copy that runs twice stores each event once. Metrics derive from
 * these rows (domain/analytics, docs/analytics.md).
 */
export const conversationEvents = sqliteTable(
  "conversation_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").notNull(),
    /** opened, ai_answered, handed_off, agent_joined, agent_first_reply, agent_reply, resolved, reopened, rated, call_started, call_ended */
    kind: text("kind").notNull(),
    /** visitor | ai | agent | system */
    actor: text("actor").notNull(),
    /** The operator's user id for agent events. */
    actorId: text("actor_id"),
    /** Epoch ms. */
    at: integer("at").notNull(),
    /** A duration in ms: first reply, reply time, resolution time, time to a person, call length. */
    valueMs: integer("value_ms"),
    /** Kind-specific: confidence/abstained/act/question, reason, by, score, outcome/cost. */
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>(),
  },
  (t) => [
    // every report: a tenant's events of one kind in a time range
    index("conversation_events_tenant_kind_at_idx").on(t.tenantId, t.kind, t.at),
    // AI resolution: the events of the conversations opened in a range, per conversation in order
    index("conversation_events_tenant_conv_idx").on(t.tenantId, t.conversationId, t.at),
  ],
);

export type ConversationEventRow = typeof conversationEvents.$inferSelect;
export type NewConversationEventRow = typeof conversationEvents.$inferInsert;

/**
 * A tenant's business hours (issue 16, migration 0023): weekly opening intervals in an IANA time
 * zone and closed local days; analytics counts response and resolution times inside them too.
 * One row per tenant (the primary key serves the only query: by tenant).
 */
export const businessHours = sqliteTable("business_hours", {
  tenantId: text("tenant_id").primaryKey(),
  timezone: text("timezone").notNull(),
  /** [{ day: "mon", start: "09:00", end: "17:00" }, …] (domain/analytics/business-hours.ts) */
  intervals: text("intervals", { mode: "json" }).notNull().$type<{ day: string; start: string; end: string }[]>(),
  /** Closed local days, YYYY-MM-DD. */
  holidays: text("holidays", { mode: "json" }).notNull().$type<string[]>(),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});
export type BusinessHoursRow = typeof businessHours.$inferSelect;

/**
 * Analytics rollups (issue 16, migration 0031): kept by triggers on conversation_events, so every
 * inserted event is counted once and no code path can forget it. Written only by those triggers.
 * `slot` is the UTC quarter hour (at / 900000): a local day or hour in any time zone is a whole
 * number of slots. Metric names: docs/analytics.md.
 */
export const analyticsRollup = sqliteTable(
  "analytics_rollup",
  {
    tenantId: text("tenant_id").notNull(),
    slot: integer("slot").notNull(),
    metric: text("metric").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").notNull(),
    n: integer("n").notNull().default(0),
    total: real("total").notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.slot, t.metric, t.botId, t.channel] }),
    index("analytics_rollup_metric_idx").on(t.tenantId, t.metric, t.slot),
  ],
);

/** The same counters per UTC day (slot / 96), kept by triggers on analytics_rollup. */
export const analyticsRollupDay = sqliteTable(
  "analytics_rollup_day",
  {
    tenantId: text("tenant_id").notNull(),
    day: integer("day").notNull(),
    metric: text("metric").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").notNull(),
    n: integer("n").notNull().default(0),
    total: real("total").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.metric, t.botId, t.channel] })],
);

/** Duration histograms per UTC day: `bin` from the value (domain/analytics/histogram.ts decodes it). */
export const analyticsHistogram = sqliteTable(
  "analytics_histogram",
  {
    tenantId: text("tenant_id").notNull(),
    day: integer("day").notNull(),
    metric: text("metric").notNull(),
    bin: integer("bin").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").notNull(),
    n: integer("n").notNull().default(0),
    total: real("total").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.day, t.metric, t.bin, t.botId, t.channel] })],
);

/** One row per opened conversation: what the cohort counters need (AI state, category, opened slot). */
export const analyticsConversations = sqliteTable(
  "analytics_conversations",
  {
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    botId: text("bot_id").notNull(),
    channel: text("channel").notNull(),
    openedSlot: integer("opened_slot").notNull(),
    attempted: integer("attempted").notNull().default(0),
    /** none | answered | confirmed | undone */
    aiState: text("ai_state").notNull().default("none"),
    lastAnswerAt: integer("last_answer_at"),
    categoryId: text("category_id"),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.conversationId] }),
    index("analytics_conversations_pending_idx").on(t.tenantId, t.aiState, t.lastAnswerAt),
    index("analytics_conversations_opened_idx").on(t.tenantId, t.openedSlot),
  ],
);
