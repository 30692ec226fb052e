import { createRoute, z } from "@hono/zod-openapi";
import {
  confirmPasswordReset,
  requestPasswordReset,
  ResetAccepted,
  ResetConfirmInput,
  ResetRequestInput,
} from "../domain/auth/password-reset";
import { LoginInput, RefreshInput, Session, SignupInput } from "../domain/auth/schemas";
import { listWorkspaces, logIn, logOut, refreshSession, switchWorkspace } from "../domain/auth/session";
import { Unauthorized } from "../lib/errors";
import { requestSignup, SignupAccepted, verifySignup, VerifyEmailInput } from "../domain/auth/signup";
import { acceptInvitation, AcceptInput } from "../domain/team";
import { createRouter, jsonBody, jsonResponse, problemResponses, anyOf } from "../lib/http";
import { clientOf, optionalUser } from "./middleware";

const post = <T extends z.ZodType>(path: string, body: T, summary: string) =>
  createRoute({
    method: "post",
    path,
    tags: ["auth"],
    summary,
    // public: these authenticate with what the body carries (password, mailed token, refresh token)
    security: [],
    request: { body: jsonBody(body) },
    responses: { 200: jsonResponse(Session, "session"), ...problemResponses },
  });

export const authRoutes = createRouter()
  .openapi(
    {
      ...post("/signup", SignupInput, "Start a workspace: mails a confirmation link (202 for any address)"),
      responses: { 202: jsonResponse(SignupAccepted, "confirmation mailed"), ...problemResponses },
    },
    async (c) => c.json(await requestSignup(c.var.ctx, c.req.valid("json"), clientOf(c.req.header.bind(c.req))), 202),
  )
  .openapi(
    {
      ...post("/verify-email", VerifyEmailInput, "Confirm the signup email: creates the workspace and signs in"),
      responses: { 201: jsonResponse(Session, "session"), ...problemResponses },
    },
    async (c) => c.json(await verifySignup(c.var.ctx, c.req.valid("json").token), 201),
  )
  .openapi(post("/login", LoginInput, "Sign in"), async (c) =>
    c.json(await logIn(c.var.ctx, c.req.valid("json"), clientOf(c.req.header.bind(c.req))), 200),
  )
  .openapi(post("/refresh", RefreshInput, "Rotate a refresh token"), async (c) =>
    c.json(await refreshSession(c.var.ctx, c.req.valid("json").refreshToken), 200),
  )
  .openapi(
    {
      ...post(
        "/accept-invitation",
        AcceptInput,
        "Accept an invitation: signed in for an existing account, or with a new password for a new one",
      ),
      // optional bearer: a signed-in account accepts for itself
      security: [{}, ...anyOf("bearer")],
    },
    async (c) => {
      const userId = await optionalUser(c.var.ctx, c.req.header("authorization"));
      return c.json(await acceptInvitation(c.var.ctx, c.req.valid("json"), userId), 200);
    },
  )
  .openapi(
    {
      ...post("/password-reset", ResetRequestInput, "Mail a password reset link (202 for any address)"),
      responses: { 202: jsonResponse(ResetAccepted, "reset requested"), ...problemResponses },
    },
    async (c) =>
      c.json(await requestPasswordReset(c.var.ctx, c.req.valid("json").email, clientOf(c.req.header.bind(c.req))), 202),
  )
  .openapi(
    {
      ...post("/password-reset/confirm", ResetConfirmInput, "Set a new password with a mailed reset token"),
      responses: { 204: { description: "password changed; every session signed out" }, ...problemResponses },
    },
    async (c) => {
      await confirmPasswordReset(c.var.ctx, c.req.valid("json"));
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/workspaces",
      tags: ["auth"],
      summary: "The workspaces the signed-in account belongs to",
      security: [{ bearer: [] }],
      responses: {
        200: jsonResponse(
          z.object({ data: z.array(z.object({ id: z.string(), name: z.string(), role: z.string() })) }),
          "workspaces",
        ),
        ...problemResponses,
      },
    }),
    async (c) => {
      const userId = await optionalUser(c.var.ctx, c.req.header("authorization"));
      if (!userId) throw new Unauthorized();
      return c.json({ data: await listWorkspaces(c.var.ctx, userId) }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/switch",
      tags: ["auth"],
      summary: "Switch to another workspace of the signed-in account: new tokens there",
      security: [{ bearer: [] }],
      request: { body: jsonBody(z.object({ tenantId: z.string().min(1).max(64) }).strict()) },
      responses: { 200: jsonResponse(Session, "session in that workspace"), ...problemResponses },
    }),
    async (c) => {
      const userId = await optionalUser(c.var.ctx, c.req.header("authorization"));
      if (!userId) throw new Unauthorized();
      const s = await switchWorkspace(
        c.var.ctx,
        userId,
        c.req.valid("json").tenantId,
        clientOf(c.req.header.bind(c.req)),
      );
      return c.json(s, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["auth"],
      summary: "Revoke a refresh token family",
      security: [],
      request: { body: jsonBody(RefreshInput) },
      responses: { 204: { description: "signed out" }, ...problemResponses },
    }),
    async (c) => {
      await logOut(c.var.ctx, c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  );
