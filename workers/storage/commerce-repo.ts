import { and, eq } from "drizzle-orm";
import type { Db } from "./db";
import { type NewCommerceConnectionRow, commerceConnections } from "./schema";

/** Store connections of a tenant. Every tenant-facing method takes the tenant first, in the same WHERE as the id. */
export const commerceConnectionsRepo = (db: Db) => ({
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(commerceConnections)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.id, id)))
      .get(),
  /**
   * The webhook's only lookup: by the connection id in its URL, across tenants (the id names its
   * tenant). The caller must then verify the request's signature with the row's secrets.
   */
  byIdForHook: (id: string) => db.select().from(commerceConnections).where(eq(commerceConnections.id, id)).get(),
  /** The OAuth callback's lookup: the pending row whose state hashes to `stateHash`. */
  byStateHash: (stateHash: string) =>
    db.select().from(commerceConnections).where(eq(commerceConnections.oauthStateHash, stateHash)).get(),
  list: (tenantId: string) =>
    db
      .select()
      .from(commerceConnections)
      .where(eq(commerceConnections.tenantId, tenantId))
      .orderBy(commerceConnections.createdAt)
      .all(),
  /** Active connections of a tenant (order look-ups ask each). */
  active: (tenantId: string) =>
    db
      .select()
      .from(commerceConnections)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.status, "active")))
      .orderBy(commerceConnections.createdAt)
      .all(),
  insert: (row: NewCommerceConnectionRow) => db.insert(commerceConnections).values(row).returning().get(),
  update: (tenantId: string, id: string, patch: Partial<NewCommerceConnectionRow>) =>
    db
      .update(commerceConnections)
      .set(patch)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.id, id)))
      .returning()
      .get(),
  delete: (tenantId: string, id: string) =>
    db
      .delete(commerceConnections)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.id, id)))
      .returning()
      .get(),
});
