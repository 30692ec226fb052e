import { createRoute, z } from "@hono/zod-openapi";
import { LoginInput, RefreshInput, Session, SignupInput } from "../domain/auth/schemas";
import { logIn, logOut, refreshSession, signUp } from "../domain/auth/session";
import { acceptInvitation, AcceptInput } from "../domain/team";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";

const post = <T extends z.ZodType>(path: string, body: T, summary: string) =>
  createRoute({
    method: "post",
    path,
    tags: ["auth"],
    summary,
    request: { body: jsonBody(body) },
    responses: { 200: jsonResponse(Session, "session"), ...problemResponses },
  });

export const authRoutes = createRouter()
  .openapi(
    {
      ...post("/signup", SignupInput, "Create a workspace and its owner"),
      responses: { 201: jsonResponse(Session, "session"), ...problemResponses },
    },
    async (c) => c.json(await signUp(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(post("/login", LoginInput, "Sign in"), async (c) => c.json(await logIn(c.var.ctx, c.req.valid("json")), 200))
  .openapi(post("/refresh", RefreshInput, "Rotate a refresh token"), async (c) =>
    c.json(await refreshSession(c.var.ctx, c.req.valid("json").refreshToken), 200),
  )
  .openapi(post("/accept-invitation", AcceptInput, "Accept an invitation and sign in"), async (c) =>
    c.json(await acceptInvitation(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/logout",
      tags: ["auth"],
      summary: "Revoke a refresh token family",
      request: { body: jsonBody(RefreshInput) },
      responses: { 204: { description: "signed out" }, ...problemResponses },
    }),
    async (c) => {
      await logOut(c.var.ctx, c.req.valid("json").refreshToken);
      return c.body(null, 204);
    },
  );
