import { and, eq, sql } from "drizzle-orm";
import type { Db } from "./db";
import { bots, type NewBotRow } from "./schema";

export const botsRepo = (db: Db) => {
  /** The bot's row (none: another tenant's or no such bot), as a statement a batch can carry. */
  const getStmt = (tenantId: string, id: string) =>
    db
      .select()
      .from(bots)
      .where(and(eq(bots.tenantId, tenantId), eq(bots.id, id)));
  return {
    getStmt,
    get: (tenantId: string, id: string) => getStmt(tenantId, id).get(),
    /** The widget's only lookup: by publishable key, across tenants (the key names its tenant). */
    byPublishableKey: (key: string) => db.select().from(bots).where(eq(bots.publishableKey, key)).get(),
    list: (tenantId: string) => db.select().from(bots).where(eq(bots.tenantId, tenantId)).orderBy(bots.createdAt).all(),
    insertStmt: (row: NewBotRow) => db.insert(bots).values(row),
    update: (tenantId: string, id: string, patch: Partial<NewBotRow>) =>
      db
        .update(bots)
        .set(patch)
        .where(and(eq(bots.tenantId, tenantId), eq(bots.id, id)))
        .returning()
        .get(),
    /** A change that lives outside the bot row (its model chain) still makes it a new bot version: cached answers go stale. */
    bumpVersionStmt: (tenantId: string, id: string) =>
      db
        .update(bots)
        .set({ version: sql`${bots.version} + 1` })
        .where(and(eq(bots.tenantId, tenantId), eq(bots.id, id))),
    delete: (tenantId: string, id: string) =>
      db
        .delete(bots)
        .where(and(eq(bots.tenantId, tenantId), eq(bots.id, id)))
        .returning()
        .get(),
  };
};
