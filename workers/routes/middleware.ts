import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { Forbidden, RateLimited, Unauthorized } from "../lib/errors";
import { ROLE_PERMISSIONS, type Permission } from "../domain/auth/permissions";
import { verifyAccessToken } from "../domain/auth/tokens";
import { authenticateApiKey } from "../domain/keys";
import { membershipsRepo } from "../storage/auth-repo";
import { type Actor, actorId as actorIdOf, type BaseCtx, type Ctx } from "../domain/ctx";

/**
 * Authenticates the caller (`Authorization: Bearer <access token | sk_ key>`, or `?token=` where a
 * header cannot be set, as on WebSockets), loads the role from the membership row (so a removed or
 * demoted member loses access at once, not when the JWT expires) and checks `permission`.
 */
export function authed(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const header = c.req.header("authorization");
    const bearer = header?.startsWith("Bearer ") ? header.slice(7).trim() : c.req.query("token");
    if (!bearer) throw new Unauthorized();
    const principal = await authenticate(c.var.ctx, bearer);
    const { success } = await c.var.ctx.services.rateLimits.api.limit({
      key: `${principal.actor.kind}:${actorIdOf(principal.actor)}`,
    });
    if (!success) throw new RateLimited("too many requests for this key or operator; slow down", 60);
    if (!principal.actor.permissions.has(permission)) {
      throw new Forbidden(
        `${principal.actor.kind === "key" ? "this key lacks the scope" : "your role lacks the permission"} ${permission}`,
      );
    }
    c.set("ctx", { ...c.var.ctx, ...principal } satisfies Ctx);
    await next();
  });
}

export async function authenticate(ctx: BaseCtx, bearer: string): Promise<{ tenantId: string; actor: Actor }> {
  if (bearer.startsWith("sk_")) return authenticateApiKey(ctx, bearer);
  const claims = await verifyAccessToken(ctx.config.appSecret, bearer, ctx.clock.now());
  const m = await membershipsRepo(ctx.db).get(claims.tid, claims.sub);
  if (!m) throw new Unauthorized("no longer a member of this workspace");
  return {
    tenantId: claims.tid,
    actor: { kind: "user", userId: claims.sub, role: m.role, permissions: ROLE_PERMISSIONS[m.role] },
  };
}
