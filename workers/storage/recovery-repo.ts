import { and, eq, isNull } from "drizzle-orm";
import type { Db } from "./db";
import { passwordResets, refreshTokens, signupRequests, users } from "./schema";

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
  revokeAllSessionsStmt: (userId: string, now: Date) =>
    db
      .update(refreshTokens)
      .set({ revokedAt: now })
      .where(and(eq(refreshTokens.userId, userId), isNull(refreshTokens.revokedAt))),
});
