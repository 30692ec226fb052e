import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import {
  AccountDto,
  AccountPatch,
  type AccountCtx,
  changePassword,
  getAccount,
  listSessions,
  PasswordChangeInput,
  renameAccount,
  revokeOtherSessions,
  revokeSession,
  SessionDto,
  SessionRef,
} from "../domain/account";
import { Session } from "../domain/auth/schemas";
import type { Ctx } from "../domain/ctx";
import type { AppEnv } from "../env";
import { Forbidden, Unauthorized } from "../lib/errors";
import { createRouter, jsonBody, jsonResponse, ProblemSchema, problemResponses } from "../lib/http";
import { clientOf, principalOf } from "./middleware";

/**
 * The signed-in person's own account (issue 22): profile, password, sessions. Every member may use
 * these whatever their role, so no permission is named; API keys are refused, they are not people.
 */
const signedIn = createMiddleware<AppEnv>(async (c, next) => {
  const p = await principalOf(c);
  if (p.actor.kind !== "user") throw new Forbidden("API keys have no account; sign in as a person");
  const ctx: AccountCtx = {
    ...c.var.ctx,
    tenantId: p.tenantId,
    actor: p.actor,
    userId: p.actor.userId,
    sessionId: p.sessionId ?? null,
    client: clientOf(c.req.header.bind(c.req)),
  };
  c.set("ctx", ctx);
  await next();
});

const isAccountCtx = (ctx: Ctx): ctx is AccountCtx => "userId" in ctx && "sessionId" in ctx && "client" in ctx;

/** The ctx `signedIn` set; a route mounted without it fails closed. */
function me(ctx: Ctx): AccountCtx {
  if (!isAccountCtx(ctx)) throw new Unauthorized();
  return ctx;
}

const route = <R extends Parameters<typeof createRoute>[0]>(r: R) =>
  // `signedIn` runs before the body is validated: an anonymous caller gets 401, never a schema hint
  createRoute({ ...r, tags: ["account"], security: [{ bearer: [] }], middleware: [signedIn] as const });

export const accountRoutes = createRouter()
  .openapi(
    route({
      method: "get",
      path: "/",
      summary: "The signed-in account: name, email, whether it has a password, its workspaces",
      responses: { 200: jsonResponse(AccountDto, "account"), ...problemResponses },
    }),
    async (c) => c.json(await getAccount(me(c.var.ctx)), 200),
  )
  .openapi(
    route({
      method: "patch",
      path: "/",
      summary: "Change the signed-in account's name",
      request: { body: jsonBody(AccountPatch) },
      responses: { 200: jsonResponse(AccountDto, "account"), ...problemResponses },
    }),
    async (c) => c.json(await renameAccount(me(c.var.ctx), c.req.valid("json")), 200),
  )
  .openapi(
    route({
      method: "post",
      path: "/password",
      summary: "Change the password: every session is signed out and a fresh one is returned",
      request: { body: jsonBody(PasswordChangeInput) },
      responses: {
        200: jsonResponse(Session, "a fresh session in the same workspace; all others are signed out"),
        ...problemResponses,
        429: {
          content: { "application/problem+json": { schema: ProblemSchema } },
          description: "too many wrong passwords from this address",
        },
      },
    }),
    async (c) => c.json(await changePassword(me(c.var.ctx), c.req.valid("json")), 200),
  )
  .openapi(
    route({
      method: "get",
      path: "/sessions",
      summary: "The signed-in account's sessions in every workspace, the current one marked",
      responses: { 200: jsonResponse(z.object({ data: z.array(SessionDto) }), "sessions"), ...problemResponses },
    }),
    async (c) => c.json({ data: await listSessions(me(c.var.ctx)) }, 200),
  )
  .openapi(
    route({
      method: "delete",
      path: "/sessions",
      summary: "Sign every other session out, in every workspace (the caller's own stays)",
      responses: {
        200: jsonResponse(z.object({ signedOut: z.number().int() }).openapi("SessionsSignedOut"), "how many"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await revokeOtherSessions(me(c.var.ctx)), 200),
  )
  .openapi(
    route({
      method: "delete",
      path: "/sessions/{id}",
      summary: "Sign one session out (its refresh token stops working)",
      request: { params: SessionRef },
      responses: { 204: { description: "signed out" }, ...problemResponses },
    }),
    async (c) => {
      await revokeSession(me(c.var.ctx), c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
