import { sql } from "drizzle-orm";
import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Triage: categories and their examples, per-conversation triage state, escalation policy, SLA, routing, tickets. */

export const PRIORITIES = ["urgent", "high", "normal", "low"] as const;
export type Priority = (typeof PRIORITIES)[number];
export const TICKET_STATUSES = ["open", "pending", "solved", "closed"] as const;
export type TicketStatus = (typeof TICKET_STATUSES)[number];

/** Per-bot escalation policy (see domain/triage/policy.ts for meanings and defaults). */
export type EscalationPolicy = {
  enabled: boolean;
  /** One message at or above this frustration score escalates on its own (0..1). */
  frustrationThreshold: number;
  /** A message at or above this score counts as negative (for the consecutive rule). */
  negativeThreshold: number;
  /** This many negative visitor messages in a row escalate (0 = off). */
  consecutiveNegative: number;
  /** The conversation's frustration trend (EWMA) at or above this escalates. */
  trendThreshold: number;
  /** An explicit ask for a person escalates. */
  askForHuman: boolean;
  /** The same question asked this many times in total escalates (0 = off). */
  repeatedQuestion: number;
  /** Cosine similarity above which two visitor messages are "the same question". */
  repeatSimilarity: number;
  /** An AI answer under this confidence counts as low (0 = off). */
  lowConfidenceThreshold: number;
  /** This many low-confidence answers in a row escalate. */
  lowConfidenceCount: number;
};

export const categories = sqliteTable(
  "categories",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    description: text("description").notNull().default(""),
    /** Priority a ticket in this category gets at least (null: no influence). */
    priority: text("priority").$type<Priority>(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // names are unique per tenant; listing a tenant's categories by name
    uniqueIndex("categories_tenant_name_uq").on(t.tenantId, t.name),
  ],
);

export const categoryExamples = sqliteTable(
  "category_examples",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id").notNull(),
    categoryId: text("category_id").notNull(),
    text: text("text").notNull(),
    /** "admin" (typed in), "correction" (an operator relabelled a conversation), "seed". */
    source: text("source").$type<"admin" | "correction" | "seed">().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // training loads all examples of a tenant; a category's page lists its examples
    index("category_examples_tenant_idx").on(t.tenantId, t.categoryId),
  ],
);

/** One row per tenant: bumped on every category/example change so cached models know they are stale. */
export const triageVersions = sqliteTable("triage_versions", {
  tenantId: text("tenant_id").primaryKey(),
  categoriesVersion: integer("categories_version").notNull(),
});

export const conversationTriage = sqliteTable(
  "conversation_triage",
  {
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    botId: text("bot_id").notNull(),
    categoryId: text("category_id"),
    categoryConfidence: real("category_confidence"),
    /** "model" (embedded classifier), "llm", "operator" (a correction). */
    categorySource: text("category_source").$type<"model" | "llm" | "operator">(),
    /** The first visitor message: what the category was predicted from, and a correction's new example. */
    firstVisitorText: text("first_visitor_text"),
    frustrationLast: real("frustration_last").notNull(),
    frustrationTrend: real("frustration_trend").notNull(),
    frustrationMax: real("frustration_max").notNull(),
    negativeStreak: integer("negative_streak").notNull(),
    lowConfidenceStreak: integer("low_confidence_streak").notNull(),
    visitorMessages: integer("visitor_messages").notNull(),
    escalationReason: text("escalation_reason"),
    escalationDetail: text("escalation_detail"),
    escalatedAt: integer("escalated_at", { mode: "timestamp_ms" }),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.conversationId] })],
);

export const escalationPolicies = sqliteTable(
  "escalation_policies",
  {
    tenantId: text("tenant_id").notNull(),
    botId: text("bot_id").notNull(),
    policy: text("policy", { mode: "json" }).$type<EscalationPolicy>().notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.botId] })],
);

export const slaTargets = sqliteTable(
  "sla_targets",
  {
    tenantId: text("tenant_id").notNull(),
    priority: text("priority").$type<Priority>().notNull(),
    firstResponseMinutes: integer("first_response_minutes").notNull(),
    resolutionMinutes: integer("resolution_minutes").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.priority] })],
);

export const routingRules = sqliteTable(
  "routing_rules",
  {
    id: integer("id").primaryKey({ autoIncrement: true }),
    tenantId: text("tenant_id").notNull(),
    /** Rules are tried in ascending position; the first match routes. */
    position: integer("position").notNull(),
    /** null: any category. */
    categoryId: text("category_id"),
    /** Match only tickets at this priority or more urgent (null: any). */
    minPriority: text("min_priority").$type<Priority>(),
    targetType: text("target_type").$type<"agent" | "team">().notNull(),
    /** For an agent rule: the agent. */
    targetUserId: text("target_user_id"),
    /** For a team rule: its name and members (round-robin among those online and under the cap). */
    teamName: text("team_name"),
    teamUserIds: text("team_user_ids", { mode: "json" }).$type<string[]>().notNull(),
    /** Most open+pending tickets one agent may hold from routing. */
    maxOpenPerAgent: integer("max_open_per_agent").notNull(),
    /** Round-robin cursor: the agent who got the last ticket from this rule. */
    lastUserId: text("last_user_id"),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // routing reads a tenant's rules in order
    index("routing_rules_tenant_idx").on(t.tenantId, t.position),
  ],
);

export const agentPresence = sqliteTable(
  "agent_presence",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    status: text("status").$type<"online" | "away" | "offline">().notNull(),
    lastSeenAt: integer("last_seen_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.userId] })],
);

export const tickets = sqliteTable(
  "tickets",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    conversationId: text("conversation_id").notNull(),
    botId: text("bot_id"),
    subject: text("subject").notNull(),
    status: text("status").$type<TicketStatus>().notNull(),
    priority: text("priority").$type<Priority>().notNull(),
    categoryId: text("category_id"),
    assigneeId: text("assignee_id"),
    team: text("team"),
    /** "escalation" (automatic) or "operator". */
    source: text("source").$type<"escalation" | "operator">().notNull(),
    escalationReason: text("escalation_reason"),
    frustration: real("frustration"),
    firstResponseDueAt: integer("first_response_due_at", { mode: "timestamp_ms" }).notNull(),
    resolutionDueAt: integer("resolution_due_at", { mode: "timestamp_ms" }).notNull(),
    firstRespondedAt: integer("first_responded_at", { mode: "timestamp_ms" }),
    solvedAt: integer("solved_at", { mode: "timestamp_ms" }),
    createdBy: text("created_by").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // GET /api/tickets lists a tenant's tickets newest first
    index("tickets_tenant_idx").on(t.tenantId, t.id),
    // ... filtered by status
    index("tickets_tenant_status_idx").on(t.tenantId, t.status, t.id),
    // "my tickets" and the per-agent cap count open tickets of an assignee
    index("tickets_tenant_assignee_idx").on(t.tenantId, t.assigneeId, t.status),
    // one live (open or pending) ticket per conversation: escalation creates it at most once
    uniqueIndex("tickets_live_conversation_uq")
      .on(t.tenantId, t.conversationId)
      .where(sql`status in ('open','pending')`),
    // tickets of a conversation
    index("tickets_tenant_conversation_idx").on(t.tenantId, t.conversationId),
  ],
);

export const ticketEvents = sqliteTable(
  "ticket_events",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    ticketId: text("ticket_id").notNull(),
    /** created, status, priority, assignee, category, routed, sla, note. */
    kind: text("kind").notNull(),
    /** usr_/key_ id of the operator, or "system". */
    actor: text("actor").notNull(),
    data: text("data", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // GET /api/tickets/:id shows a ticket's history in order
    index("ticket_events_ticket_idx").on(t.tenantId, t.ticketId, t.id),
  ],
);

export type CategoryRow = typeof categories.$inferSelect;
export type CategoryExampleRow = typeof categoryExamples.$inferSelect;
export type ConversationTriageRow = typeof conversationTriage.$inferSelect;
export type RoutingRuleRow = typeof routingRules.$inferSelect;
export type NewRoutingRuleRow = typeof routingRules.$inferInsert;
export type TicketRow = typeof tickets.$inferSelect;
export type TicketEventRow = typeof ticketEvents.$inferSelect;
export type SlaTargetRow = typeof slaTargets.$inferSelect;
