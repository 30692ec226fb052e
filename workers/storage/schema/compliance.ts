import { index, integer, sqliteTable, text } from "drizzle-orm/sqlite-core";

/** Who acted: a signed-in person, an API key, or Echo itself (retention sweep, cron). */
export type AuditActorType = "user" | "key" | "system";
/** What an entry is about: `{ type: "member", id: "usr_…" }`. */
export type AuditTarget = { type: string; id: string };

/**
 * The audit log (issue 18): one row per security-relevant action, appended once, never updated
 * (a trigger in migration 0015 refuses UPDATE). `metadata` is a small JSON object (a diff, counts);
 * it never holds secrets or a visitor's personal data, so an erasure leaves its receipt intact.
 */
export const auditLog = sqliteTable(
  "audit_log",
  {
    /** `aud_…`, time-sortable: the page cursor. */
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    action: text("action").notNull(),
    actorType: text("actor_type").$type<AuditActorType>().notNull(),
    actorId: text("actor_id").notNull(),
    targets: text("targets", { mode: "json" }).$type<AuditTarget[]>().notNull(),
    ip: text("ip"),
    userAgent: text("user_agent"),
    requestId: text("request_id"),
    metadata: text("metadata", { mode: "json" }).$type<Record<string, unknown>>().notNull(),
    at: integer("at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // GET /api/audit: a tenant's entries newest first, cursor on id
    index("audit_log_tenant_idx").on(t.tenantId, t.id),
    // GET /api/audit?action=
    index("audit_log_tenant_action_idx").on(t.tenantId, t.action, t.id),
    // GET /api/audit?actor=
    index("audit_log_tenant_actor_idx").on(t.tenantId, t.actorId, t.id),
    // the retention sweep: which workspaces hold entries past their plan's window
    index("audit_log_at_idx").on(t.at, t.tenantId),
  ],
);

/** Per-workspace retention: conversations idle N days, recordings older than M days (null: keep). */
export const privacySettings = sqliteTable("privacy_settings", {
  tenantId: text("tenant_id").primaryKey(),
  conversationRetentionDays: integer("conversation_retention_days"),
  /** Call recordings older than this many days are deleted (the call and its transcript stay). */
  recordingRetentionDays: integer("recording_retention_days"),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

export type AuditRow = typeof auditLog.$inferSelect;
export type NewAuditRow = typeof auditLog.$inferInsert;
export type PrivacySettingsRow = typeof privacySettings.$inferSelect;
