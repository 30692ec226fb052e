import type { BaseCtx } from "../ctx";
import { audit, type AuditAction, type RequestMeta } from "./index";

/** Workspaces one person-level event (a failed password, a reset) is reported to, at most. */
export const MAX_WORKSPACES_PER_EVENT = 20;

type RequestCtx = BaseCtx & { request?: RequestMeta };

/** The ctx of an anonymous request acting as `userId` in `tenantId` (sign-in, accepting an invitation). */
export function asUser(ctx: RequestCtx, tenantId: string, userId: string, client?: { ip: string }) {
  const ip = client && client.ip !== "unknown" ? client.ip : ctx.request?.ip;
  return { ...ctx, tenantId, actor: { type: "user" as const, id: userId }, request: { ...ctx.request, ip } };
}

/** A successful sign-in, in the workspace it opened. */
export function auditSignIn(ctx: RequestCtx, tenantId: string, userId: string, client: { ip: string }) {
  return audit(asUser(ctx, tenantId, userId, client), "auth.sign_in", { type: "user", id: userId });
}

/**
 * A person-level event (wrong password for an existing account, password reset) belongs to no single
 * workspace: every workspace the person is a member of gets the entry. Unknown emails are not
 * recorded anywhere (they belong to no tenant).
 */
export async function auditPerson(
  ctx: RequestCtx,
  action: AuditAction,
  userId: string,
  client?: { ip: string },
  metadata: Record<string, unknown> = {},
) {
  const all = await ctx.repos.memberships.ofUser(userId);
  for (const m of all.slice(0, MAX_WORKSPACES_PER_EVENT))
    await audit(asUser(ctx, m.tenantId, userId, client), action, { type: "user", id: userId }, metadata);
}
