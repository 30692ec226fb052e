import { and, eq, isNull, sql } from "drizzle-orm";
import type { Db } from "./db";
import { memberships, passwordResets, refreshTokens, sessionFloors, signupRequests, users } from "./schema";

/** Password reset tokens (hash only). `spend` is the single-use gate: only one caller gets the row. */
export const passwordResetsRepo = (db: Db) => ({
  byHash: (hash: string) => db.select().from(passwordResets).where(eq(passwordResets.tokenHash, hash)).get(),
  insertStmt: (row: typeof passwordResets.$inferInsert) => db.insert(passwordResets).values(row),
  spend: (id: string, now: Date) =>
    db
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.id, id), isNull(passwordResets.usedAt)))
      .returning()
      .get(),
  /** A new password voids every other open reset link of the user. */
  spendAllOfUserStmt: (userId: string, now: Date) =>
    db
      .update(passwordResets)
      .set({ usedAt: now })
      .where(and(eq(passwordResets.userId, userId), isNull(passwordResets.usedAt))),
});

export const signupRequestsRepo = (db: Db) => ({
  byHash: (hash: string) => db.select().from(signupRequests).where(eq(signupRequests.tokenHash, hash)).get(),
  insertStmt: (row: typeof signupRequests.$inferInsert) => db.insert(signupRequests).values(row),
  spend: (id: string, now: Date) =>
    db
      .update(signupRequests)
      .set({ usedAt: now })
      .where(and(eq(signupRequests.id, id), isNull(signupRequests.usedAt)))
      .returning()
      .get(),
});

/** Credential changes that span workspaces: a user's password and every refresh token they hold. */
export const credentialsRepo = (db: Db) => ({
  setPasswordStmt: (userId: string, passwordHash: string) =>
    db.update(users).set({ passwordHash }).where(eq(users.id, userId)),
  /** Refuses every access token of the user issued before `at` (whole seconds). */
  sessionFloorStmt: (userId: string, at: Date) =>
    db
      .insert(sessionFloors)
      .values({ userId, validAfter: at })
      .onConflictDoUpdate({ target: sessionFloors.userId, set: { validAfter: at } }),
  /** The membership an access token names, with the user's session floor: one read per request. */
  /**
   * The membership an access token stands on, the user's session floor, and — when the token names
   * its session (refresh-token family) — whether that session is still signed in (one indexed probe
   * of refresh_tokens_family_idx in the same query): a signed-out session's access tokens stop at once.
   */
  memberForToken: (tenantId: string, userId: string, familyId?: string) =>
    db
      .select({
        role: memberships.role,
        validAfter: sessionFloors.validAfter,
        sessionLive:
          familyId === undefined
            ? sql<number>`1`
            : sql<number>`exists (select 1 from ${refreshTokens} where ${refreshTokens.familyId} = ${familyId} and ${refreshTokens.userId} = ${userId} and ${refreshTokens.revokedAt} is null)`,
      })
      .from(memberships)
      .leftJoin(sessionFloors, eq(sessionFloors.userId, memberships.userId))
      .where(and(eq(memberships.tenantId, tenantId), eq(memberships.userId, userId)))
      .get(),
  revokeAllSessionsStmt: (userId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))),
});
