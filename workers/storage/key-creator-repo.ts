import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "./db";
import { apiKeys, memberships } from "./schema";

/**
 * A key by its hash with its creator's current role in the key's workspace (null when the creator
 * is no longer a member, or the key was made by something other than a person). One read.
 */
export async function keyWithCreatorRole(db: Db, keyHash: string) {
  const row = await db
    .select({ key: apiKeys, creatorRole: memberships.role })
    .from(apiKeys)
    .leftJoin(memberships, and(eq(memberships.tenantId, apiKeys.tenantId), eq(memberships.userId, apiKeys.createdBy)))
    .where(eq(apiKeys.keyHash, keyHash))
    .get();
  return row ? { key: row.key, creatorRole: row.creatorRole ?? null } : undefined;
}

/** API keys seen through the person who created them. */
export const keyCreatorsRepo = (db: Db) => ({
  withCreatorRole: (keyHash: string) => keyWithCreatorRole(db, keyHash),
  /**
   * Keys die with their creator (issue 13 item 7): removing a member revokes every key they created,
   * in the same batch as the membership delete. Decision: revoke, not re-own (see removeMember).
   */
  revokeKeysOfCreatorStmt: (tenantId: string, userId: string, now: Date) =>
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.createdBy, userId), isNull(apiKeys.revokedAt))),
});
