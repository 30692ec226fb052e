import { and, eq } from "drizzle-orm";
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
