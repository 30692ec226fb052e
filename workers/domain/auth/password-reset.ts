import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { Unauthorized } from "../../lib/errors";
import { newId, randomToken } from "../../lib/ids";
import type { BaseCtx } from "../ctx";
import { appLink, sendMail } from "../mail/send";
import { passwordResetMail } from "../mail/templates";
import { type Client, limitRequests, withinBudget } from "./limiter";
import { hashPassword } from "./password";
import { Email, Password } from "./schemas";
import { auditPerson } from "../audit/people";

/**
 * Password reset (issue 17 contract): request → 202 whatever the address; a single-use token valid
 * one hour, mailed, stored as its SHA-256; confirming sets the new password, revokes every refresh
 * token of the user in every workspace and refuses their access tokens issued before it (session_floors). The token is never returned by the API, not even in
 * development (the mail is in the outbox), so the response cannot tell accounts apart.
 */
export const RESET_TTL_MS = 3600 * 1000;
export const RESETS_PER_IP = 10;
export const RESETS_PER_ADDRESS = 3;
export const RESET_WINDOW_MS = 3600 * 1000;

export const ResetRequestInput = z.object({ email: Email }).strict().openapi("PasswordResetRequest");
export const ResetConfirmInput = z
  .object({ token: z.string().min(10).max(200), password: Password })
  .strict()
  .openapi("PasswordResetConfirm");
export const ResetAccepted = z
  .object({ status: z.literal("reset_requested"), detail: z.string() })
  .openapi("PasswordResetAccepted");

export async function requestPasswordReset(ctx: BaseCtx, email: string, client: Client) {
  await limitRequests(ctx, `reset:${client.ip}`, RESETS_PER_IP, RESET_WINDOW_MS, "password reset requests");
  const body = {
    status: "reset_requested" as const,
    detail: "If an account uses this address, we sent it a link to choose a new password.",
  };
  const user = await ctx.repos.users.byEmail(email);
  // the per-address budget is silent: a flood of requests must not flood the inbox, nor show anything
  if (!user || !(await withinBudget(ctx, `resetmail:${email}`, RESETS_PER_ADDRESS, RESET_WINDOW_MS))) return body;
  const token = `pwr_${randomToken(40)}`;
  const now = ctx.clock.now();
  await ctx.repos.passwordResets
    .insertStmt({
      id: newId("pwr", now),
      userId: user.id,
      tokenHash: await sha256Hex(token),
      expiresAt: new Date(now + RESET_TTL_MS),
      usedAt: null,
      createdAt: new Date(now),
    })
    .run();
  const first = (await ctx.repos.memberships.ofUser(user.id))[0];
  await sendMail(ctx, {
    tenantId: first?.tenantId ?? null,
    to: user.email,
    mail: passwordResetMail({ link: appLink(ctx, "reset", token) }),
  });
  return body;
}

export async function confirmPasswordReset(ctx: BaseCtx, input: z.infer<typeof ResetConfirmInput>) {
  const resets = ctx.repos.passwordResets;
  const row = await resets.byHash(await sha256Hex(input.token));
  const now = ctx.clock.now();
  const refused = () => new Unauthorized("this reset link is invalid, used or expired; ask for a new one");
  if (!row || row.usedAt || row.expiresAt.getTime() <= now) throw refused();
  // hash first, then spend: a slow hash after spending would leave a window where the link is gone
  // but the password unchanged if the isolate died
  const passwordHash = await hashPassword(input.password);
  if (!(await resets.spend(row.id, new Date(now)))) throw refused();
  const creds = ctx.repos.credentials;
  await ctx.repos.batch([
    creds.setPasswordStmt(row.userId, passwordHash),
    creds.revokeAllSessionsStmt(row.userId, new Date(now)),
    creds.sessionFloorStmt(row.userId, new Date(Math.floor(now / 1000) * 1000)),
    resets.spendAllOfUserStmt(row.userId, new Date(now)),
  ]);
  ctx.log.info("password reset", { userId: row.userId });
  await auditPerson(ctx, "auth.password_reset", row.userId);
}
