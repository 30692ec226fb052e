import { and, eq, isNull, like, lt, or, sql } from "drizzle-orm";
import type { Db } from "./db";
import { chunks } from "./privacy-repo";
import {
  type NewCommerceConnectionRow,
  commerceConnections,
  commerceSyncSeen,
  commerceWebhookDeliveries,
  knowledgeSources,
} from "./schema";

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
  /** Active connections of every tenant not synced since `before`, never-synced first, then oldest. */
  dueForSync: (before: Date, limit: number) =>
    db
      .select()
      .from(commerceConnections)
      .where(
        and(
          eq(commerceConnections.status, "active"),
          // a pass that has more pages goes on at the next run, without waiting for the interval
          or(
            isNull(commerceConnections.lastSyncAt),
            lt(commerceConnections.lastSyncAt, before),
            sql`${commerceConnections.syncCursor} IS NOT NULL`,
          ),
        ),
      )
      .orderBy(sql`coalesce(${commerceConnections.lastSyncAt}, 0)`, commerceConnections.id)
      .limit(limit)
      .all(),
  /**
   * The knowledge sources a connection's products became (external id `commerce:<id>:<product>`).
   * Connection ids are `cmc_` + base32 (checked before any query), so the LIKE pattern has no
   * wildcard but the `_`, which matches itself here.
   */
  productSources: (tenantId: string, connectionId: string) =>
    db
      .select({ id: knowledgeSources.id, externalId: knowledgeSources.externalId })
      .from(knowledgeSources)
      .where(
        and(eq(knowledgeSources.tenantId, tenantId), like(knowledgeSources.externalId, `commerce:${connectionId}:%`)),
      )
      .all(),
  insert: (row: NewCommerceConnectionRow) => db.insert(commerceConnections).values(row).returning().get(),
  update: (tenantId: string, id: string, patch: Partial<NewCommerceConnectionRow>) =>
    db
      .update(commerceConnections)
      .set(patch)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.id, id)))
      .returning()
      .get(),
  /** Notes the products a sync pass listed (one batch per page). */
  markSeen: async (tenantId: string, connectionId: string, productIds: string[], passAt: Date) => {
    // a row binds 4 parameters and D1 takes at most 100 a statement: a page of 50 goes in a batch
    const stmts = chunks(productIds, 24).map((ids) =>
      db
        .insert(commerceSyncSeen)
        .values(ids.map((productId) => ({ tenantId, connectionId, productId, passAt })))
        .onConflictDoUpdate({
          target: [commerceSyncSeen.connectionId, commerceSyncSeen.productId],
          set: { passAt: sql`excluded.pass_at` },
        }),
    );
    if (stmts.length) await db.batch(stmts as [(typeof stmts)[number], ...(typeof stmts)[number][]]);
  },
  /** The product ids the pass begun at `passAt` listed. */
  seenIn: async (tenantId: string, connectionId: string, passAt: Date) =>
    new Set(
      (
        await db
          .select({ id: commerceSyncSeen.productId })
          .from(commerceSyncSeen)
          .where(
            and(
              eq(commerceSyncSeen.tenantId, tenantId),
              eq(commerceSyncSeen.connectionId, connectionId),
              eq(commerceSyncSeen.passAt, passAt),
            ),
          )
          .all()
      ).map((r) => r.id),
    ),
  /** Forgets the connection's pass notes (a pass ended, or the connection went). */
  clearSeen: (tenantId: string, connectionId: string) =>
    db
      .delete(commerceSyncSeen)
      .where(and(eq(commerceSyncSeen.tenantId, tenantId), eq(commerceSyncSeen.connectionId, connectionId)))
      .run(),
  delete: (tenantId: string, id: string) =>
    db
      .delete(commerceConnections)
      .where(and(eq(commerceConnections.tenantId, tenantId), eq(commerceConnections.id, id)))
      .returning()
      .get(),
});

/** Replay log of store webhooks: the first delivery of a key claims it. */
export const commerceDeliveriesRepo = (db: Db) => ({
  /** True when this is the first claim of `deliveryKey` for the connection; false for a redelivery. */
  claim: async (row: {
    tenantId: string;
    connectionId: string;
    deliveryKey: string;
    topic: string;
    receivedAt: Date;
  }) =>
    (await db
      .insert(commerceWebhookDeliveries)
      .values(row)
      .onConflictDoNothing()
      .returning({ key: commerceWebhookDeliveries.deliveryKey })
      .get()) !== undefined,
  /** Gives a claim back when processing failed, so the store's retry is processed. */
  release: (tenantId: string, connectionId: string, deliveryKey: string) =>
    db
      .delete(commerceWebhookDeliveries)
      .where(
        and(
          eq(commerceWebhookDeliveries.tenantId, tenantId),
          eq(commerceWebhookDeliveries.connectionId, connectionId),
          eq(commerceWebhookDeliveries.deliveryKey, deliveryKey),
        ),
      ),
  /** Drops claims received before `before`; answers how many. */
  sweep: async (before: Date) =>
    (
      await db
        .delete(commerceWebhookDeliveries)
        .where(lt(commerceWebhookDeliveries.receivedAt, before))
        .returning({ key: commerceWebhookDeliveries.deliveryKey })
        .all()
    ).length,
});
