import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

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
