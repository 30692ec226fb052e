import { NotFound } from "../../lib/errors";
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
