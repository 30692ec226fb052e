import { createRoute } from "@hono/zod-openapi";
import { deleteCookie, getCookie, setCookie } from "hono/cookie";
import { Session } from "../domain/auth/schemas";
import {
  completeSsoLogin,
  SSO_LOGIN_TTL_MS,
  SsoCallbackQuery,
  SsoStartQuery,
  SsoTestResult,
  startSsoLogin,
  testSsoConnection,
} from "../domain/sso/login";
import {
  deleteSsoSettings,
  getSsoSettings,
  saveSsoSettings,
  SsoSettingsDto,
  SsoSettingsInput,
} from "../domain/sso/settings";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed, clientOf } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["sso"];
/** The state cookie: HttpOnly, only sent back to the SSO routes, Lax so the provider's redirect carries it. */
const STATE_COOKIE = "echo_sso_state";
const COOKIE_PATH = "/api/auth/sso";

/** /api/settings/sso: a workspace's OpenID Connect settings. The client secret is write-only. */
export const ssoSettingsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "put",
      path: "/",
      tags,
      summary: "Configure OpenID Connect sign-in for this workspace",
      security: sec,
      middleware: [authed("sso:write")],
      request: { body: jsonBody(SsoSettingsInput) },
      responses: { 200: jsonResponse(SsoSettingsDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await saveSsoSettings(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "The workspace's OpenID Connect settings (client secret never returned)",
      tags,
      security: sec,
      middleware: [authed("sso:read")],
      responses: { 200: jsonResponse(SsoSettingsDto, "settings (no secret)"), ...problemResponses },
    }),
    async (c) => c.json(await getSsoSettings(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/test",
      tags,
      summary: "Test connection: fetch the issuer's discovery document",
      security: sec,
      middleware: [authed("sso:read")],
      responses: { 200: jsonResponse(SsoTestResult, "the test's outcome"), ...problemResponses },
    }),
    async (c) => c.json(await testSsoConnection(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/",
      tags,
      summary: "Turn SSO off",
      security: sec,
      middleware: [authed("sso:write")],
      responses: { 204: { description: "removed" }, ...problemResponses },
    }),
    async (c) => {
      await deleteSsoSettings(c.var.ctx);
      return c.body(null, 204);
    },
  );

/** /api/auth/sso: the browser side of the authorization code flow. */
export const ssoAuthRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/start",
      tags,
      summary: "Redirects to the workspace's identity provider",
      security: [],
      request: { query: SsoStartQuery },
      responses: { 302: { description: "to the identity provider" }, ...problemResponses },
    }),
    async (c) => {
      const { location, state } = await startSsoLogin(c.var.ctx, c.req.valid("query").workspace);
      setCookie(c, STATE_COOKIE, state, {
        path: COOKIE_PATH,
        httpOnly: true,
        sameSite: "Lax",
        secure: new URL(c.req.url).protocol === "https:",
        maxAge: Math.floor(SSO_LOGIN_TTL_MS / 1000),
      });
      return c.redirect(location, 302);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/callback",
      tags,
      summary: "The identity provider's redirect: validates the ID token and signs in",
      security: [],
      request: { query: SsoCallbackQuery },
      responses: { 200: jsonResponse(Session, "session"), ...problemResponses },
    }),
    async (c) => {
      const cookieState = getCookie(c, STATE_COOKIE);
      deleteCookie(c, STATE_COOKIE, { path: COOKIE_PATH });
      const session = await completeSsoLogin(
        c.var.ctx,
        new URL(c.req.url),
        cookieState,
        clientOf(c.req.header.bind(c.req)),
      );
      return c.json(session, 200);
    },
  );
