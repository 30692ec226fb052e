import { newId, randomToken } from "../../lib/ids";
import { Forbidden, NotFound, Unauthorized } from "../../lib/errors";
import { passwordRefusedBySso } from "../sso/settings";
import { sha256Hex } from "../../lib/crypto";
import type { MemberRole, UserRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { type Client, limitPasswordCheck } from "./limiter";
import { decoyHash, verifyPassword } from "./password";
import type { LoginInput, Session } from "./schemas";
import { ACCESS_TTL_SECONDS, REFRESH_TTL_MS, signAccessToken } from "./tokens";
import { auditPerson, auditSignIn } from "../audit/people";
import { permissionsOfRole } from "./permissions";

/** Refresh tokens are `rt_<family>.<secret>`; only the SHA-256 of the whole string is stored. */
async function issueSession(
  ctx: BaseCtx,
  user: UserRow,
  tenant: { id: string; name: string },
  role: MemberRole,
  familyId?: string,
) {
  const now = ctx.clock.now();
  const family = familyId ?? newId("rtf", now);
  const refreshToken = `rt_${family.slice(4)}.${randomToken(40)}`;
  await ctx.repos.refreshTokens
    .insertStmt({
      id: newId("rtf", now),
      tenantId: tenant.id,
      userId: user.id,
      familyId: family,
      tokenHash: await sha256Hex(refreshToken),
      expiresAt: new Date(now + REFRESH_TTL_MS),
      createdAt: new Date(now),
    })
    .run();
  // the family id in the access token lets the account screen tell which session is the caller's
  const accessToken = await signAccessToken(
    ctx.config.appSecret,
    { userId: user.id, tenantId: tenant.id, role, familyId: family },
    now,
  );
  const permissions = [...(await permissionsOfRole(ctx.repos, tenant.id, role))];
  return {
    accessToken,
    refreshToken,
    expiresIn: ACCESS_TTL_SECONDS,
    user: { id: user.id, email: user.email, name: user.name },
    tenant: { id: tenant.id, name: tenant.name },
    role,
    permissions,
  } satisfies Session;
}

/** Signs in with email and password; the check runs under the one password limiter (limiter.ts). */
export async function logIn(ctx: BaseCtx, input: LoginInput, client: Client) {
  const user = await ctx.repos.users.byEmail(input.email);
  // compare against a decoy when the email is unknown, so response time does not reveal accounts
  const hash = user?.passwordHash ?? (await decoyHash());
  const ok = await limitPasswordCheck(ctx, input.email, client, () => verifyPassword(input.password, hash));
  if (user && !ok) await auditPerson(ctx, "auth.sign_in_failed", user.id, client);
  if (!user || !ok) throw new Unauthorized("email or password is wrong");
  const all = await ctx.repos.memberships.ofUser(user.id);
  const m = input.tenantId ? all.find((x) => x.tenantId === input.tenantId) : all[0];
  if (!m) throw new Unauthorized("this account has no access to that workspace");
  const tenant = await ctx.repos.tenants.get(m.tenantId);
  if (!tenant) throw new Unauthorized("workspace no longer exists");
  if (await passwordRefusedBySso(ctx, tenant.id, m.role)) {
    await auditPerson(ctx, "auth.sign_in_failed", user.id, client, { reason: "sso_required" });
    throw new Forbidden("this workspace requires single sign-on; sign in through your identity provider");
  }
  await auditSignIn(ctx, tenant.id, user.id, client);
  return issueSession(ctx, user, tenant, m.role);
}

/** The workspaces a signed-in account belongs to, for the workspace switcher. */
export async function listWorkspaces(ctx: BaseCtx, userId: string) {
  const all = await ctx.repos.memberships.ofUser(userId);
  const rows = await Promise.all(all.map(async (m) => ({ m, t: await ctx.repos.tenants.get(m.tenantId) })));
  return rows.flatMap(({ m, t }) => (t ? [{ id: t.id, name: t.name, role: m.role }] : []));
}

/**
 * Switches a signed-in account to another of its workspaces: a new session (tokens) there, with the
 * role it holds there. A workspace that requires SSO is not entered this way by a non-owner (their
 * current session may come from a password); another workspace's id, or one without a membership, is 404.
 */
export async function switchWorkspace(ctx: BaseCtx, userId: string, tenantId: string, client: Client) {
  const [user, m, tenant] = await Promise.all([
    ctx.repos.users.byId(userId),
    ctx.repos.memberships.get(tenantId, userId),
    ctx.repos.tenants.get(tenantId),
  ]);
  if (!user || !m || !tenant) throw new NotFound("workspace", tenantId);
  if (await passwordRefusedBySso(ctx, tenant.id, m.role))
    throw new Forbidden("this workspace requires single sign-on; sign in through your identity provider");
  await auditSignIn(ctx, tenant.id, user.id, client);
  return issueSession(ctx, user, tenant, m.role);
}

/**
 * Rotation with reuse detection (OAuth 2.0 Security BCP §4.14.2): each refresh token works once;
 * presenting a spent one means it leaked, so the whole family is revoked and the caller gets 401.
 */
export async function refreshSession(ctx: BaseCtx, refreshToken: string) {
  const tokens = ctx.repos.refreshTokens;
  const row = await tokens.byHash(await sha256Hex(refreshToken));
  const now = ctx.clock.now();
  if (!row || row.revokedAt || row.expiresAt.getTime() <= now)
    throw new Unauthorized("refresh token is invalid or expired");
  const won = await tokens.markUsed(row.id, new Date(now));
  if (!won) {
    await tokens.revokeFamilyStmt(row.familyId, new Date(now)).run();
    ctx.log.warn("refresh token reuse: family revoked", { familyId: row.familyId, userId: row.userId });
    throw new Unauthorized("refresh token was already used; sign in again");
  }
  const [user, m, tenant] = await Promise.all([
    ctx.repos.users.byId(row.userId),
    ctx.repos.memberships.get(row.tenantId, row.userId),
    ctx.repos.tenants.get(row.tenantId),
  ]);
  if (!user || !m || !tenant) throw new Unauthorized("account no longer has access");
  return issueSession(ctx, user, tenant, m.role, row.familyId);
}

/** Revokes the family of the given refresh token; unknown tokens are ignored (logout is idempotent). */
export async function logOut(ctx: BaseCtx, refreshToken: string) {
  const row = await ctx.repos.refreshTokens.byHash(await sha256Hex(refreshToken));
  if (row) await ctx.repos.refreshTokens.revokeFamilyStmt(row.familyId, new Date(ctx.clock.now())).run();
}

export { issueSession };
