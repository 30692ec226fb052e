import { and, desc, eq, gte, inArray, lt, lte, type SQL } from "drizzle-orm";
import type { Db } from "./db";
import { auditLog, type NewAuditRow } from "./schema";

/** Filters of GET /api/audit; every query is tenant-scoped first. */
export type AuditQuery = {
  action?: string;
  actorId?: string;
  from?: Date;
  to?: Date;
  /** Entries with an id below this (the previous page's last id). */
  before?: string;
  limit: number;
};

/**
 * Append-only: the repository has no update and no per-entry delete; entries leave only by age, in
 * the retention sweep (domain/audit/retention.ts), or with their workspace.
 */
export const auditRepo = (db: Db) => ({
  insertStmt: (row: NewAuditRow) => db.insert(auditLog).values(row),
  list: (tenantId: string, q: AuditQuery) => {
    const where: SQL[] = [eq(auditLog.tenantId, tenantId)];
    if (q.action) where.push(eq(auditLog.action, q.action));
    if (q.actorId) where.push(eq(auditLog.actorId, q.actorId));
    if (q.from) where.push(gte(auditLog.at, q.from));
    if (q.to) where.push(lte(auditLog.at, q.to));
    if (q.before) where.push(lt(auditLog.id, q.before));
    return db
      .select()
      .from(auditLog)
      .where(and(...where))
      .orderBy(desc(auditLog.id))
      .limit(q.limit)
      .all();
  },
  /** Workspaces holding entries older than `before` (the sweep's candidates; index on `at`). */
  tenantsWithEntriesBefore: (before: Date, limit: number) =>
    db
      .selectDistinct({ tenantId: auditLog.tenantId })
      .from(auditLog)
      .where(lt(auditLog.at, before))
      .limit(limit)
      .all()
      .then((rows) => rows.map((r) => r.tenantId)),
  /** Deletes up to `limit` of a workspace's entries older than `before`; returns how many went. */
  deleteBefore: async (tenantId: string, before: Date, limit: number) => {
    const old = db
      .select({ id: auditLog.id })
      .from(auditLog)
      .where(and(eq(auditLog.tenantId, tenantId), lt(auditLog.at, before)))
      .limit(limit);
    const gone = await db.delete(auditLog).where(inArray(auditLog.id, old)).returning({ id: auditLog.id }).all();
    return gone.length;
  },
});
