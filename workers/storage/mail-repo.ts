import { desc, eq } from "drizzle-orm";
import type { Db } from "./db";
import { outbox } from "./schema";

/** Newest first; the Outbox screen shows a page, not the whole history. */
export const MAX_OUTBOX_PAGE = 100;

export const outboxRepo = (db: Db) => ({
  insertStmt: (row: typeof outbox.$inferInsert) => db.insert(outbox).values(row),
  list: (tenantId: string, limit = MAX_OUTBOX_PAGE) =>
    db
      .select()
      .from(outbox)
      .where(eq(outbox.tenantId, tenantId))
      .orderBy(desc(outbox.sentAt), desc(outbox.id))
      .limit(limit)
      .all(),
});
