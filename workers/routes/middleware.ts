import type { Context } from "hono";
import { createMiddleware } from "hono/factory";
import type { AppEnv } from "../env";
import { Forbidden, RateLimited, Unauthorized } from "../lib/errors";
import { actorCan, permissionsOfRole, type Permission } from "../domain/auth/permissions";
import { verifyAccessToken } from "../domain/auth/tokens";
import { authenticateApiKey } from "../domain/keys";
import { type Actor, actorId as actorIdOf, type BaseCtx, type Ctx } from "../domain/ctx";

/**
 * Authenticates the caller (`Authorization: Bearer <access token | sk_ key>` only: credentials in a
 * query string end up in logs and browser history, issue 13 item 11; the WebSocket routes, which
 * browsers cannot give headers, take a short-lived access token in `?token=` through
 * socket-upgrade.ts), loads the role from the membership row (so a removed or demoted member loses
 * access at once, not when the JWT expires) and checks `permission` with `actorCan`, which keeps
 * people-only permissions away from keys whatever their scopes.
 */
export function authed(permission: Permission) {
  return createMiddleware<AppEnv>(async (c, next) => {
    const principal = await principalOf(c);
    if (!actorCan(principal.actor, permission)) {
      throw new Forbidden(
        `${principal.actor.kind === "key" ? "this key lacks the scope" : "your role lacks the permission"} ${permission}`,
      );
    }
    c.set("ctx", { ...c.var.ctx, ...principal } satisfies Ctx);
    await next();
  });
}

/**
 * The caller of a request: the bearer credential authenticated (`authenticate`) and counted against
 * the per-principal API rate limit. Every authenticated HTTP route starts here (`authed`, and the
 * account routes, which need a person but no permission).
 */
export async function principalOf(c: Context<AppEnv>) {
  const bearer = bearerOf(c.req.header("authorization"));
  if (!bearer) {
    if (c.req.query("token")) throw new Unauthorized("send credentials in the Authorization header, not in the URL");
    throw new Unauthorized();
  }
  const principal = await authenticate(c.var.ctx, bearer);
  const { success } = await c.var.ctx.services.rateLimits.api.limit({
    key: `${principal.actor.kind}:${actorIdOf(principal.actor)}`,
  });
  if (!success) throw new RateLimited("too many requests for this key or operator; slow down", 60);
  return principal;
}

export async function authenticate(
  ctx: BaseCtx,
  bearer: string,
): Promise<{ tenantId: string; actor: Actor; exp?: number; sessionId?: string }> {
  if (bearer.startsWith("sk_")) return authenticateApiKey(ctx, bearer);
  const claims = await verifyAccessToken(ctx.config.appSecret, bearer, ctx.clock.now());
  const m = await ctx.repos.credentials.memberForToken(claims.tid, claims.sub, claims.fid);
  if (!m) throw new Unauthorized("no longer a member of this workspace");
  // signed out (this session, "sign out everywhere", reuse of a spent refresh token): its access
  // tokens stop now, not when they expire
  if (!m.sessionLive) throw new Unauthorized("this session was signed out; sign in again");
  // a password reset signs out everywhere: access tokens issued before it (or in its second; `iat`
  // has whole seconds) are refused
  if (m.validAfter && claims.iat * 1000 <= m.validAfter.getTime())
    throw new Unauthorized("signed out everywhere after a password change; sign in again");
  return {
    tenantId: claims.tid,
    actor: {
      kind: "user",
      userId: claims.sub,
      role: m.role,
      permissions: await permissionsOfRole(ctx.repos, claims.tid, m.role),
    },
    // the socket routes bound a socket's life by it (issue 13 item 3)
    exp: claims.exp,
    // the refresh-token family the access token belongs to (the account screen's "this session")
    sessionId: claims.fid,
  };
}

export function bearerOf(header: string | undefined): string | undefined {
  return header?.startsWith("Bearer ") ? header.slice(7).trim() || undefined : undefined;
}

/**
 * The signed-in person behind an optional Authorization header, for anonymous routes that act
 * differently for a signed-in account (accepting an invitation). Keys are refused: they are not people.
 */
export async function optionalUser(ctx: BaseCtx, header: string | undefined): Promise<string | null> {
  const bearer = bearerOf(header);
  if (!bearer) return null;
  if (bearer.startsWith("sk_")) throw new Forbidden("API keys cannot accept invitations; sign in");
  const { actor } = await authenticate(ctx, bearer);
  return actor.kind === "user" ? actor.userId : null;
}

/** The client address for per-IP limits: `cf-connecting-ip`, set by Cloudflare's edge (and wrangler). */
export function clientOf(header: (name: string) => string | undefined) {
  return { ip: header("cf-connecting-ip")?.trim() || "unknown" };
}
