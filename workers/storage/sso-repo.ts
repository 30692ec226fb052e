import { and, eq, gt, isNull } from "drizzle-orm";
import type { Db } from "./db";
import { ssoLogins, ssoSettings, type SsoLoginRow, type SsoSettingsRow } from "./schema";

/** A workspace's OIDC settings and its started sign-ins; every read is by tenant or by a hashed state. */
export const ssoRepo = (db: Db) => ({
  get: (tenantId: string) => db.select().from(ssoSettings).where(eq(ssoSettings.tenantId, tenantId)).get(),
  upsertStmt: (row: SsoSettingsRow) =>
    db
      .insert(ssoSettings)
      .values(row)
      .onConflictDoUpdate({
        target: ssoSettings.tenantId,
        set: {
          issuer: row.issuer,
          clientId: row.clientId,
          allowedDomains: row.allowedDomains,
          defaultRole: row.defaultRole,
          required: row.required,
          updatedAt: row.updatedAt,
        },
      }),
  deleteStmt: (tenantId: string) => db.delete(ssoSettings).where(eq(ssoSettings.tenantId, tenantId)),
  insertLogin: (row: SsoLoginRow) => db.insert(ssoLogins).values(row).run(),
  /** Spends a started sign-in once: returns the row only to the first caller, before it expires. */
  spendLogin: (stateHash: string, now: Date) =>
    db
      .update(ssoLogins)
      .set({ usedAt: now })
      .where(and(eq(ssoLogins.stateHash, stateHash), isNull(ssoLogins.usedAt), gt(ssoLogins.expiresAt, now)))
      .returning()
      .get(),
});
