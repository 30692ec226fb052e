import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "../../storage/db";
import { apiKeys } from "../../storage/schema";

/**
 * Keys die with their creator (issue 13 item 7): removing a member revokes every key they created,
 * in the same batch as the membership delete. Decision: revoke, not re-own (see removeMember).
 */
export const revokeKeysOfCreatorStmt = (db: Db, tenantId: string, userId: string, now: Date) =>
  db
    .update(apiKeys)
    .set({ revokedAt: now })
    .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt)));
