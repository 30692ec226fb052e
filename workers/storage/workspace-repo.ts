import { and, eq, isNotNull, lte } from "drizzle-orm";
import type { Db } from "./db";
import { tenants } from "./schema";
import { scopeToken } from "./search";

/**
 * Every D1 table with a `tenant_id` column, in the order the workspace purge empties them: first
 * what grants access or accepts traffic (members, sessions, keys, bots, channels), so nothing new
 * arrives while the rest goes; the audit log and the outbox last. `workers/routes/workspace.test.ts` compares
 * this list with sqlite_master: a new tenant table that is not listed here fails that test.
 * (`knowledge_chunks` goes with its FTS rows, see `purgeKnowledgeChunk`.)
 */
export const TENANT_TABLES = [
  "memberships",
  "refresh_tokens",
  "api_keys",
  "invitations",
  "sso_settings",
  "sso_logins",
  "bots",
  "whatsapp_channels",
  "email_inboxes",
  "voice_integrations",
  "commerce_connections",
  "tenant_secrets",
  "agent_presence",
  "conversations",
  "messages",
  "conversation_events",
  "conversation_triage",
  "analytics_conversations",
  "analytics_rollup",
  "analytics_rollup_day",
  "analytics_histogram",
  "contact_links",
  "tickets",
  "ticket_events",
  "voice_calls",
  "voice_events",
  "email_messages",
  "whatsapp_contacts",
  "whatsapp_messages",
  "whatsapp_templates",
  "knowledge_sources",
  "knowledge_chunks",
  "knowledge_vectors",
  "knowledge_versions",
  "answer_cache",
  "categories",
  "category_examples",
  "triage_versions",
  "escalation_policies",
  "routing_rules",
  "sla_targets",
  "business_hours",
  "privacy_settings",
  "roles",
  "commerce_webhook_deliveries",
  "commerce_sync_seen",
  "import_records",
  "billing_accounts",
  "billing_bot_settings",
  "billing_credit_spend",
  "billing_notices",
  "usage_counters",
  "usage_events",
  "usage_model_costs",
  "stripe_events",
  "audit_log",
  "outbox",
] as const;
export type TenantTable = (typeof TENANT_TABLES)[number];

/** Tables created WITHOUT ROWID (migration 0031): the purge picks their rows by primary key. */
const KEYED_TABLES: Partial<Record<TenantTable, string>> = {
  analytics_rollup: "tenant_id, slot, metric, bot_id, channel",
  analytics_rollup_day: "tenant_id, day, metric, bot_id, channel",
  analytics_histogram: "tenant_id, day, metric, bin, bot_id, channel",
  analytics_conversations: "tenant_id, conversation_id",
};

/** Rows one purge statement deletes: small enough to stay well inside D1's per-statement time limit. */
export const PURGE_CHUNK_ROWS = 500;

/** Workspace lifecycle (issue 18): the deletion schedule on the tenant row, and the purge's statements. */
export const workspaceRepo = (db: Db) => ({
  get: (tenantId: string) => db.select().from(tenants).where(eq(tenants.id, tenantId)).get(),

  /** Sets the schedule unless one is already set; resolves to whether this call set it. */
  schedule: async (tenantId: string, input: { at: Date; by: string; requestedAt: Date }) => {
    const r = await db.$client
      .prepare(
        "UPDATE tenants SET deletion_scheduled_at = ?2, deletion_requested_by = ?3, deletion_requested_at = ?4 WHERE id = ?1 AND deletion_scheduled_at IS NULL",
      )
      .bind(tenantId, input.at.getTime(), input.by, input.requestedAt.getTime())
      .run();
    return (r.meta.changes ?? 0) > 0;
  },

  /** Clears the schedule only while the grace period runs (`now` before it); resolves to whether it did. */
  cancel: async (tenantId: string, now: Date) => {
    const r = await db.$client
      .prepare(
        "UPDATE tenants SET deletion_scheduled_at = NULL, deletion_requested_by = NULL, deletion_requested_at = NULL WHERE id = ?1 AND deletion_scheduled_at > ?2",
      )
      .bind(tenantId, now.getTime())
      .run();
    return (r.meta.changes ?? 0) > 0;
  },

  /** Workspaces whose grace period has passed (index tenants_deletion_idx), oldest schedule first. */
  due: (now: Date, limit: number) =>
    db
      .select({ id: tenants.id })
      .from(tenants)
      .where(and(isNotNull(tenants.deletionScheduledAt), lte(tenants.deletionScheduledAt, now)))
      .orderBy(tenants.deletionScheduledAt)
      .limit(limit)
      .all(),

  /** A page of the workspace's conversation ids (the purge erases them, so the next page is new ones). */
  conversationIds: async (tenantId: string, limit: number) =>
    (
      await db.$client
        .prepare("SELECT id FROM conversations WHERE tenant_id = ?1 ORDER BY id LIMIT ?2")
        .bind(tenantId, limit)
        .all<{ id: string }>()
    ).results.map((r) => r.id),

  /** The tenant's knowledge chunk seqs (= vector ids) after `afterSeq`, in order, a page at a time. */
  chunkSeqs: async (tenantId: string, afterSeq: number, limit: number) =>
    (
      await db.$client
        .prepare("SELECT seq FROM knowledge_chunks WHERE tenant_id = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3")
        .bind(tenantId, afterSeq, limit)
        .all<{ seq: number }>()
    ).results.map((r) => r.seq),

  /** Deletes up to PURGE_CHUNK_ROWS of one table's rows of the tenant; resolves to how many. */
  purgeChunk: async (table: TenantTable, tenantId: string) => {
    if (table === "knowledge_chunks") return purgeKnowledgeChunk(db, tenantId);
    // `table` comes from the fixed list above, never from input
    const key = KEYED_TABLES[table] ?? "rowid";
    const r = await db.$client
      .prepare(`DELETE FROM ${table} WHERE (${key}) IN (SELECT ${key} FROM ${table} WHERE tenant_id = ?1 LIMIT ?2)`)
      .bind(tenantId, PURGE_CHUNK_ROWS)
      .run();
    return r.meta.changes ?? 0;
  },

  /**
   * FTS rows still carrying the tenant's scope token (orphans no chunk or message points at any
   * more); `messages_fts` is otherwise kept in step by its delete trigger.
   */
  purgeSearchIndexes: async (tenantId: string) => {
    const scope = `scope:${scopeToken(tenantId)}`;
    const [k, m] = await db.$client.batch([
      db.$client
        .prepare(
          "DELETE FROM knowledge_fts WHERE rowid IN (SELECT rowid FROM knowledge_fts WHERE knowledge_fts MATCH ?1)",
        )
        .bind(scope),
      db.$client
        .prepare("DELETE FROM messages_fts WHERE rowid IN (SELECT rowid FROM messages_fts WHERE messages_fts MATCH ?1)")
        .bind(scope),
    ]);
    return (k!.meta.changes ?? 0) + (m!.meta.changes ?? 0);
  },

  /** Rows of the tenant left in any tenant table (the tenant row is deleted only at zero). */
  remaining: async (tenantId: string) => {
    // one batch of small counts: D1 caps the terms of a compound SELECT well below our table count
    const counts = await db.$client.batch<{ n: number }>(
      TENANT_TABLES.map((t) =>
        db.$client.prepare(`SELECT count(*) AS n FROM ${t} WHERE tenant_id = ?1`).bind(tenantId),
      ),
    );
    return counts.reduce((sum, r) => sum + Number(r.results[0]?.n ?? 0), 0);
  },

  /** The tenant row itself: the purge's last step. */
  deleteTenant: (tenantId: string) => db.delete(tenants).where(eq(tenants.id, tenantId)).run(),
});

/** Chunks and their FTS rows in one batch (the FTS rows are found through the chunks' `seq`). */
async function purgeKnowledgeChunk(db: Db, tenantId: string) {
  const pick = "SELECT seq FROM knowledge_chunks WHERE tenant_id = ?1 ORDER BY seq LIMIT ?2";
  const [, chunks] = await db.$client.batch([
    db.$client.prepare(`DELETE FROM knowledge_fts WHERE rowid IN (${pick})`).bind(tenantId, PURGE_CHUNK_ROWS),
    db.$client.prepare(`DELETE FROM knowledge_chunks WHERE seq IN (${pick})`).bind(tenantId, PURGE_CHUNK_ROWS),
  ]);
  return chunks!.meta.changes ?? 0;
}
