import { and, eq, inArray } from "drizzle-orm";
import type { Db } from "./db";
import { contactLinks } from "./schema";

/** Cross-channel contacts: which conversations an operator linked as one person's. */
export const contactLinksRepo = (db: Db) => ({
  /** The contact of each of `conversationIds` that has one. */
  ofConversations: (tenantId: string, conversationIds: string[]) =>
    db
      .select()
      .from(contactLinks)
      .where(and(eq(contactLinks.tenantId, tenantId), inArray(contactLinks.conversationId, conversationIds)))
      .all(),
  members: (tenantId: string, contactId: string) =>
    db
      .select()
      .from(contactLinks)
      .where(and(eq(contactLinks.tenantId, tenantId), eq(contactLinks.contactId, contactId)))
      .all(),
  /** Puts the conversations into `contactId` (moving them from any other contact). */
  upsertStmt: (rows: (typeof contactLinks.$inferInsert)[]) =>
    db
      .insert(contactLinks)
      .values(rows)
      .onConflictDoUpdate({
        target: [contactLinks.tenantId, contactLinks.conversationId],
        set: { contactId: rows[0]!.contactId, linkedBy: rows[0]!.linkedBy, linkedAt: rows[0]!.linkedAt },
      }),
});
