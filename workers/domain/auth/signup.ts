import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { Conflict, Unauthorized } from "../../lib/errors";
import { newId, randomToken } from "../../lib/ids";
import { createBotStmts } from "../bots/create";
import type { BaseCtx } from "../ctx";
import { appLink, echoesMailedTokens, sendMail } from "../mail/send";
import { existingAccountMail, verifyEmailMail } from "../mail/templates";
import { type Client, limitRequests, withinBudget } from "./limiter";
import { hashPassword } from "./password";
import type { SignupInput } from "./schemas";
import { issueSession } from "./session";

/**
 * Signup does not reveal which emails have accounts (issue 13 item 1): it always answers 202 with
 * the same body and sends a mail. A new address gets a verification link; the workspace is created
 * only when that link is used (which is also the email verification issue 17 asks for). An address
 * with an account gets a "you already have an account" mail instead. The password is hashed in both
 * cases so response time does not tell them apart either.
 *
 * In development only (`ENVIRONMENT=development`, loopback) the response also carries `devToken`
 * for a new address, so scripts and e2e tests need no mail server; production never does.
 */
export const SIGNUP_TTL_MS = 24 * 3600 * 1000;
export const SIGNUPS_PER_IP = 10;
export const SIGNUP_WINDOW_MS = 3600 * 1000;
/** Mails per address per hour, so signup cannot be used to flood someone's inbox. */
export const MAILS_PER_ADDRESS = 5;

export const SignupAccepted = z
  .object({
    status: z.literal("verification_sent"),
    detail: z.string(),
    devToken: z.string().optional().openapi({ description: "development only: the mailed verification token" }),
  })
  .openapi("SignupAccepted");

export const VerifyEmailInput = z
  .object({ token: z.string().min(10).max(200) })
  .strict()
  .openapi("VerifyEmailInput");

export async function requestSignup(ctx: BaseCtx, input: SignupInput, client: Client) {
  await limitRequests(ctx, `signup:${client.ip}`, SIGNUPS_PER_IP, SIGNUP_WINDOW_MS, "signups");
  const passwordHash = await hashPassword(input.password);
  const body = {
    status: "verification_sent" as const,
    detail: "Check your email: we sent a link to confirm the address and create the workspace.",
  };
  const mayMail = await withinBudget(ctx, `mail:${input.email}`, MAILS_PER_ADDRESS, SIGNUP_WINDOW_MS);
  const existing = await ctx.repos.users.byEmail(input.email);
  if (existing) {
    if (mayMail) {
      const first = (await ctx.repos.memberships.ofUser(existing.id))[0];
      await sendMail(ctx, {
        tenantId: first?.tenantId ?? null,
        to: input.email,
        mail: existingAccountMail({ signInLink: appLink(ctx, "login"), resetLink: appLink(ctx, "reset") }),
      });
    }
    return body;
  }
  if (!mayMail) return body;
  const token = `sgn_${randomToken(40)}`;
  const now = ctx.clock.now();
  await ctx.repos.signupRequests
    .insertStmt({
      id: newId("sgn", now),
      email: input.email,
      name: input.name ?? null,
      company: input.company,
      passwordHash,
      tokenHash: await sha256Hex(token),
      expiresAt: new Date(now + SIGNUP_TTL_MS),
      usedAt: null,
      createdAt: new Date(now),
    })
    .run();
  await sendMail(ctx, {
    tenantId: null,
    to: input.email,
    mail: verifyEmailMail({ workspace: input.company, link: appLink(ctx, "verify", token) }),
  });
  return echoesMailedTokens(ctx) ? { ...body, devToken: token } : body;
}

/** Uses a verification link: creates the tenant, its owner and a first bot in one batch and signs in. */
export async function verifySignup(ctx: BaseCtx, token: string) {
  const requests = ctx.repos.signupRequests;
  const req = await requests.byHash(await sha256Hex(token));
  const now = ctx.clock.now();
  if (!req || req.usedAt || req.expiresAt.getTime() <= now)
    throw new Unauthorized("this confirmation link is invalid, used or expired; sign up again");
  const users = ctx.repos.users;
  if (await users.byEmail(req.email)) throw new Conflict("an account with this email exists; sign in instead");
  if (!(await requests.spend(req.id, new Date(now))))
    throw new Unauthorized("this confirmation link is invalid, used or expired; sign up again");
  const tenant = { id: newId("tnt", now), name: req.company, plan: "free", createdAt: new Date(now) };
  const user = {
    id: newId("usr", now),
    email: req.email,
    name: req.name,
    passwordHash: req.passwordHash,
    createdAt: new Date(now),
  };
  const bot = await createBotStmts(ctx, tenant.id, { name: `${req.company} Assistant` });
  await ctx.repos.batch([
    ctx.repos.tenants.insertStmt(tenant),
    users.insertStmt(user),
    ctx.repos.memberships.insertStmt({
      tenantId: tenant.id,
      userId: user.id,
      role: "owner",
      createdAt: new Date(now),
    }),
    ...bot.stmts,
  ]);
  return issueSession(ctx, user, tenant, "owner");
}
