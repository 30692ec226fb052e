import { AppError, Forbidden, Unauthorized } from "../../lib/errors";
import { auditPerson } from "../audit/people";
import { limitPasswordCheck } from "../auth/limiter";
import { hashPassword, verifyPassword } from "../auth/password";
import { issueSession } from "../auth/session";
import { type AccountCtx, type PasswordChangeInput, SSO_ONLY } from "./schemas";

/**
 * Changes the signed-in person's password (issue 22).
 *
 * The current password is checked under the one password limiter login uses (keyed by the account's
 * email and the client address), so a stolen access token cannot be used to guess it faster than the
 * sign-in form allows. A wrong one changes nothing and is audited.
 *
 * On success every refresh-token family of the person, in every workspace, is revoked — the caller's
 * too — and access tokens issued in earlier seconds are refused (the session floor a password reset
 * also uses); the caller gets a fresh session in the workspace it called from. A fresh session rather
 * than "keep the current one" because the floor must also cut off other sessions' access tokens, and
 * the caller's own token is one of those. The floor sits one millisecond before the current second,
 * so the fresh token (whose `iat` has whole seconds) passes; another session's access token issued in
 * this same second survives until it expires (at most ACCESS_TTL_SECONDS), but cannot refresh.
 */
export async function changePassword(ctx: AccountCtx, input: PasswordChangeInput) {
  const [user, m, tenant] = await Promise.all([
    ctx.repos.users.byId(ctx.userId),
    ctx.repos.memberships.get(ctx.tenantId, ctx.userId),
    ctx.repos.tenants.get(ctx.tenantId),
  ]);
  if (!user || !m || !tenant) throw new Unauthorized("account no longer has access");
  if (user.passwordHash === SSO_ONLY)
    throw new Forbidden("this account signs in with single sign-on and has no Echo password to change");
  const ok = await limitPasswordCheck(ctx, user.email, ctx.client, () =>
    verifyPassword(input.currentPassword, user.passwordHash),
  );
  if (!ok) {
    await auditPerson(ctx, "auth.password_change_failed", user.id, ctx.client);
    throw new AppError("FORBIDDEN", "your current password is not right; nothing was changed", {
      errors: [{ path: "currentPassword", message: "this is not your current password" }],
    });
  }
  const passwordHash = await hashPassword(input.newPassword);
  const now = ctx.clock.now();
  const creds = ctx.repos.credentials;
  await ctx.repos.batch([
    creds.setPasswordStmt(user.id, passwordHash),
    creds.revokeAllSessionsStmt(user.id, new Date(now)),
    creds.sessionFloorStmt(user.id, new Date(Math.floor(now / 1000) * 1000 - 1)),
    // an open reset link would otherwise undo the change
    ctx.repos.passwordResets.spendAllOfUserStmt(user.id, new Date(now)),
  ]);
  ctx.log.info("password changed", { userId: user.id });
  await auditPerson(ctx, "auth.password_changed", user.id, ctx.client);
  return issueSession(ctx, { ...user, passwordHash }, tenant, m.role);
}
