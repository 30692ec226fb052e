import { and, desc, eq, gt, isNull, ne, notInArray, sql } from "drizzle-orm";
import type { Db } from "./db";
import { apiKeys, invitations, memberships, refreshTokens, tenants, users } from "./schema";

export const tenantsRepo = (db: Db) => ({
  get: (tenantId: string) => db.select().from(tenants).where(eq(tenants.id, tenantId)).get(),
  insertStmt: (row: typeof tenants.$inferInsert) => db.insert(tenants).values(row),
});

export const usersRepo = (db: Db) => ({
  byEmail: (email: string) => db.select().from(users).where(eq(users.email, email)).get(),
  byId: (id: string) => db.select().from(users).where(eq(users.id, id)).get(),
  insertStmt: (row: typeof users.$inferInsert) => db.insert(users).values(row),
  /** The account screen's profile name (issue 22). */
  setName: (id: string, name: string) => db.update(users).set({ name }).where(eq(users.id, id)).returning().get(),
});

export const membershipsRepo = (db: Db) => ({
  get: (tenantId: string, userId: string) =>
    db
      .select()
      .from(memberships)
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
      .get(),
  /** Oldest membership first: login lands in the tenant the user joined first. */
  ofUser: (userId: string) =>
    db.select().from(memberships).where(eq(memberships.userId, userId)).orderBy(memberships.createdAt).all(),
  list: (tenantId: string) =>
    db
      .select({
        userId: memberships.userId,
        role: memberships.role,
        createdAt: memberships.createdAt,
        email: users.email,
        name: users.name,
      })
      .from(memberships)
      .innerJoin(users, eq(users.id, memberships.userId))
      .where(eq(memberships.tenantId, tenantId))
      .orderBy(memberships.createdAt)
      .all(),
  countOwners: async (tenantId: string) =>
    (
      await db
        .select()
        .from(memberships)
        .where(and(eq(memberships.tenantId, tenantId), eq(memberships.role, "owner")))
        .all()
    ).length,
  insertStmt: (row: typeof memberships.$inferInsert) => db.insert(memberships).values(row),
  setRole: (tenantId: string, userId: string, role: (typeof memberships.$inferSelect)["role"]) =>
    db
      .update(memberships)
      .set({ role })
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
      .returning()
      .get(),
  deleteStmt: (tenantId: string, userId: string) =>
    db.delete(memberships).where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId))),
});

export const refreshTokensRepo = (db: Db) => ({
  byHash: (hash: string) => db.select().from(refreshTokens).where(eq(refreshTokens.tokenHash, hash)).get(),
  insertStmt: (row: typeof refreshTokens.$inferInsert) => db.insert(refreshTokens).values(row),
  /** Marks a token spent only if it was not spent already: the returned row says who won a race. */
  markUsed: (id: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ usedAt: now })
      .where(and(eq(refreshTokens.id, id), isNull(refreshTokens.usedAt)))
      .returning()
      .get(),
  revokeFamilyStmt: (familyId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt))),
  /** Revokes every live session of the workspace except those of the given users (e.g. its owners). */
  revokeTenantStmt: (tenantId: string, keepUserIds: string[], now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(refreshTokens.tenantId, tenantId),
          isNull(refreshTokens.revokedAt),
          ...(keepUserIds.length ? [notInArray(refreshTokens.userId, keepUserIds)] : []),
        ),
      ),
  /**
   * A user's sessions (issue 22): one row per family that still holds a live token (unspent,
   * unrevoked, unexpired), in every workspace. `lastUsedAt` is when its newest token was issued (at
   * sign-in or the latest refresh), newest first. Rows grow with rotations, so this groups in SQL.
   */
  activeFamiliesOfUser: (userId: string, now: Date) => {
    const t = refreshTokens;
    const lastUsedAt = sql<number>`max(${t.createdAt})`.mapWith(Number);
    return db
      .select({
        familyId: t.familyId,
        tenantId: t.tenantId,
        createdAt: sql<number>`min(${t.createdAt})`.mapWith(Number),
        lastUsedAt,
        expiresAt: sql<number>`max(${t.expiresAt})`.mapWith(Number),
      })
      .from(t)
      .where(and(eq(t.userId, userId), isNull(t.revokedAt)))
      .groupBy(t.familyId, t.tenantId)
      .having(sql`sum(${t.usedAt} is null and ${t.expiresAt} > ${now.getTime()}) > 0`)
      .orderBy(desc(lastUsedAt))
      .all();
  },
  /** Revokes one family of `userId`; another user's family id changes nothing and returns no rows. */
  revokeFamilyOfUser: (userId: string, familyId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(
        and(eq(refreshTokens.userId, userId), eq(refreshTokens.familyId, familyId), isNull(refreshTokens.revokedAt)),
      )
      .returning({ id: refreshTokens.id, tenantId: refreshTokens.tenantId })
      .all(),
  /** Revokes every family of `userId` but `keepFamilyId`; one row per revoked token. */
  revokeOtherFamiliesOfUser: (userId: string, keepFamilyId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(
        and(
          eq(refreshTokens.userId, userId),
          isNull(refreshTokens.revokedAt),
          ne(refreshTokens.familyId, keepFamilyId),
        ),
      )
      .returning({ familyId: refreshTokens.familyId })
      .all(),
  revokeUserStmt: (tenantId: string, userId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(
        and(eq(refreshTokens.tenantId, tenantId), eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt)),
      ),
});

export const invitationsRepo = (db: Db) => ({
  byHash: (hash: string) => db.select().from(invitations).where(eq(invitations.tokenHash, hash)).get(),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(invitations)
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, id)))
      .get(),
  list: (tenantId: string) =>
    db.select().from(invitations).where(eq(invitations.tenantId, tenantId)).orderBy(invitations.createdAt).all(),
  insertStmt: (row: typeof invitations.$inferInsert) => db.insert(invitations).values(row),
  acceptStmt: (id: string, now: Date) =>
    db
      .update(invitations)
      .set({ acceptedAt: now })
      .where(and(eq(invitations.id, id), isNull(invitations.acceptedAt))),
  /** The newest invitation to this address that can still be accepted. */
  openFor: (tenantId: string, email: string, now: Date) =>
    db
      .select()
      .from(invitations)
      .where(
        and(
          eq(invitations.tenantId, tenantId),
          eq(invitations.email, email),
          isNull(invitations.acceptedAt),
          isNull(invitations.revokedAt),
          gt(invitations.expiresAt, now),
        ),
      )
      .orderBy(invitations.createdAt)
      .all()
      .then((rows) => rows.at(-1)),
  revoke: (tenantId: string, id: string, now: Date) =>
    db
      .update(invitations)
      .set({ revokedAt: now })
      .where(and(eq(invitations.tenantId, tenantId), eq(invitations.id, id), isNull(invitations.acceptedAt)))
      .returning()
      .get(),
});

export const apiKeysRepo = (db: Db) => ({
  byHash: (hash: string) => db.select().from(apiKeys).where(eq(apiKeys.keyHash, hash)).get(),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(apiKeys)
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)))
      .get(),
  list: (tenantId: string) =>
    db.select().from(apiKeys).where(eq(apiKeys.tenantId, tenantId)).orderBy(apiKeys.createdAt).all(),
  insert: (row: typeof apiKeys.$inferInsert) => db.insert(apiKeys).values(row).returning().get(),
  revoke: (tenantId: string, id: string, now: Date) =>
    db
      .update(apiKeys)
      .set({ revokedAt: now })
      .where(and(eq(apiKeys.tenantId, tenantId), eq(apiKeys.id, id)))
      .returning()
      .get(),
  touch: (id: string, now: Date) => db.update(apiKeys).set({ lastUsedAt: now }).where(eq(apiKeys.id, id)),
});
