import { Conflict, NotFound } from "../../lib/errors";
import { auditPerson } from "../audit/people";
import type { AccountCtx, SessionDto } from "./schemas";

/** The person's signed-in sessions (live refresh-token families) in every workspace, newest first. */
export async function listSessions(ctx: AccountCtx): Promise<SessionDto[]> {
  const rows = await ctx.repos.refreshTokens.activeFamiliesOfUser(ctx.userId, new Date(ctx.clock.now()));
  const ids = [...new Set(rows.map((r) => r.tenantId))];
  const tenants = new Map(await Promise.all(ids.map(async (id) => [id, await ctx.repos.tenants.get(id)] as const)));
  return rows.map((r) => ({
    id: r.familyId,
    workspace: { id: r.tenantId, name: tenants.get(r.tenantId)?.name ?? null },
    createdAt: new Date(r.createdAt).toISOString(),
    lastUsedAt: new Date(r.lastUsedAt).toISOString(),
    expiresAt: new Date(r.expiresAt).toISOString(),
    current: r.familyId === ctx.sessionId,
  }));
}

/**
 * Signs one session out: its refresh token stops working at once (its access token lapses within
 * ACCESS_TTL_SECONDS). Another person's session id answers 404, exactly like an unknown one.
 */
export async function revokeSession(ctx: AccountCtx, sessionId: string) {
  const revoked = await ctx.repos.refreshTokens.revokeFamilyOfUser(ctx.userId, sessionId, new Date(ctx.clock.now()));
  if (!revoked.length) throw new NotFound("session", sessionId);
  await auditPerson(ctx, "auth.session_revoked", ctx.userId, ctx.client, { sessionId });
}

/**
 * "Sign out all other sessions": every session of the person in every workspace but the caller's
 * own, in one statement; answers how many were signed out (0 is not an error). Audited once. A
 * token that does not name its session (issued before sessions were named) cannot say which one to
 * keep: 409, nothing changed.
 */
export async function revokeOtherSessions(ctx: AccountCtx): Promise<{ signedOut: number }> {
  if (!ctx.sessionId) throw new Conflict("this sign-in does not name its session; sign in again, then retry");
  const rows = await ctx.repos.refreshTokens.revokeOtherFamiliesOfUser(
    ctx.userId,
    ctx.sessionId,
    new Date(ctx.clock.now()),
  );
  const families = [...new Set(rows.map((r) => r.familyId))];
  if (families.length)
    await auditPerson(ctx, "auth.session_revoked", ctx.userId, ctx.client, {
      sessionIds: families.sort(),
      allOthers: true,
    });
  return { signedOut: families.length };
}
