import * as oauth from "oauth4webapi";
import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { egressFetch, egressPolicyOf, EgressFailed, EgressRefused } from "../../lib/egress";
import { AppError, Forbidden, Invalid, NotFound, Unauthorized, Unavailable } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { Role } from "../../storage/schema";
import { audit } from "../audit";
import { asUser, auditSignIn } from "../audit/people";
import type { Client } from "../auth/limiter";
import { issueSession } from "../auth/session";
import { requireAllowed } from "../billing/may-tenant";
import type { BaseCtx, Ctx } from "../ctx";
import { loadSsoConfig, redirectUriOf } from "./settings";

/**
 * OpenID Connect sign-in per workspace (issue 18): authorization code flow with PKCE (S256), state
 * and nonce, with `oauth4webapi` doing discovery, the token request and ID-token validation
 * (issuer, audience, expiry, nonce, and the signature against the provider's JWKS). Every request to
 * the provider goes through the egress policy (lib/egress.ts).
 *
 * The state is random, handed to the browser twice — in the authorization URL and in an HttpOnly
 * cookie — and stored only as its SHA-256 with the nonce and verifier; the callback requires both
 * copies to agree (login CSRF) and spends the stored row once (replay).
 */
export const SSO_LOGIN_TTL_MS = 10 * 60_000;
const DISCOVERY_MAX_BYTES = 256 * 1024;
const TOKEN_MAX_BYTES = 256 * 1024;
const PROVIDER_TIMEOUT_MS = 10_000;

export const SsoStartQuery = z.object({ workspace: z.string().min(1).max(100) });
export const SsoCallbackQuery = z
  .object({ state: z.string().max(200).optional(), code: z.string().max(2000).optional() })
  .passthrough();

/** The fetch oauth4webapi uses: through the egress policy, never following redirects. */
function providerFetch(ctx: BaseCtx) {
  const policy = egressPolicyOf(ctx.config);
  return (url: string, init: oauth.CustomFetchOptions<string, unknown>) =>
    egressFetch(
      policy,
      url,
      {
        method: init.method,
        headers: init.headers,
        body: init.body as BodyInit | undefined,
        signal: init.signal,
      },
      { maxBytes: url.includes("token") ? TOKEN_MAX_BYTES : DISCOVERY_MAX_BYTES, timeoutMs: PROVIDER_TIMEOUT_MS },
    );
}

function httpOptions(ctx: BaseCtx) {
  return {
    [oauth.customFetch]: providerFetch(ctx),
    // plain http only where the egress policy lets private destinations through (local tests)
    [oauth.allowInsecureRequests]: egressPolicyOf(ctx.config).allowPrivate,
  };
}

async function discover(ctx: BaseCtx, issuer: string) {
  const url = new URL(issuer);
  try {
    return await oauth.processDiscoveryResponse(url, await oauth.discoveryRequest(url, httpOptions(ctx)));
  } catch (err) {
    throw providerError(ctx, err, "discovery");
  }
}

function providerError(ctx: BaseCtx, err: unknown, step: string): AppError {
  if (err instanceof AppError) return err;
  ctx.log.warn("sso provider step failed", { step, error: err instanceof Error ? err.message : String(err) });
  if (err instanceof EgressRefused || err instanceof EgressFailed || err instanceof TypeError)
    return new Unavailable(`the identity provider could not be reached (${step})`);
  // oauth4webapi's messages name the failed check ("aud" claim, "nonce" claim, signature); no secrets
  const why = err instanceof Error ? err.message.slice(0, 200) : "error";
  return new Unauthorized(`the identity provider's answer was refused (${step}): ${why}`);
}

/** What "test connection" reports: the provider's discovery document answered and names what sign-in needs. */
export const SsoTestResult = z
  .object({
    ok: z.boolean(),
    /** The issuer the provider's discovery document names (must equal the configured one). */
    issuer: z.string().nullable(),
    authorizationEndpoint: z.string().nullable(),
    /** Why the test failed, in words (absent when ok). */
    error: z.string().optional(),
  })
  .openapi("SsoTestResult");
export type SsoTestResult = z.infer<typeof SsoTestResult>;

/**
 * Test connection: fetches the configured issuer's discovery document (through the egress policy,
 * as a sign-in would) and checks it names the issuer and the endpoints sign-in uses. A failure is a
 * result, not an error, so the settings screen can show it; nothing is stored.
 */
export async function testSsoConnection(ctx: Ctx): Promise<SsoTestResult> {
  const cfg = await loadSsoConfig(ctx, ctx.tenantId);
  if (!cfg) throw new NotFound("sso settings", ctx.tenantId);
  try {
    const as = await discover(ctx, cfg.issuer);
    const missing = (["authorization_endpoint", "token_endpoint", "jwks_uri"] as const).filter((k) => !as[k]);
    const base = { issuer: as.issuer, authorizationEndpoint: as.authorization_endpoint ?? null };
    if (missing.length)
      return { ok: false, ...base, error: `the provider's discovery document lacks ${missing.join(", ")}` };
    return { ok: true, ...base };
  } catch (err) {
    return {
      ok: false,
      issuer: null,
      authorizationEndpoint: null,
      error: err instanceof Error ? err.message : "the identity provider could not be reached",
    };
  }
}

/** Starts a sign-in for `tenantId`: the provider URL to send the browser to and the state for the cookie. */
export async function startSsoLogin(ctx: BaseCtx, tenantId: string) {
  const cfg = await loadSsoConfig(ctx, tenantId);
  if (!cfg) throw new NotFound("sso settings", tenantId);
  // a workspace downgraded off a plan with SSO keeps its settings (for an upgrade) but not the sign-in
  await requireAllowed({ ...ctx, tenantId }, { kind: "feature", feature: "sso" });
  const as = await discover(ctx, cfg.issuer);
  if (!as.authorization_endpoint) throw new Unavailable("the identity provider has no authorization endpoint");
  const state = oauth.generateRandomState();
  const nonce = oauth.generateRandomNonce();
  const codeVerifier = oauth.generateRandomCodeVerifier();
  const now = ctx.clock.now();
  await ctx.repos.sso.insertLogin({
    stateHash: await sha256Hex(state),
    tenantId,
    nonce,
    codeVerifier,
    expiresAt: new Date(now + SSO_LOGIN_TTL_MS),
    usedAt: null,
  });
  const url = new URL(as.authorization_endpoint);
  url.searchParams.set("client_id", cfg.clientId);
  url.searchParams.set("redirect_uri", redirectUriOf(ctx));
  url.searchParams.set("response_type", "code");
  url.searchParams.set("scope", "openid email profile");
  url.searchParams.set("state", state);
  url.searchParams.set("nonce", nonce);
  url.searchParams.set("code_challenge", await oauth.calculatePKCECodeChallenge(codeVerifier));
  url.searchParams.set("code_challenge_method", "S256");
  return { location: url.toString(), state };
}

/**
 * Finishes a sign-in: `callbackUrl` is the URL the provider sent the browser to, `cookieState` the
 * state cookie. Refuses (400) a missing, unknown, spent or mismatched state before contacting the
 * provider; refuses (401) an ID token that fails validation and (403) an email outside the allowed
 * domains. A person new to the workspace joins it with the default role (just-in-time membership).
 */
export async function completeSsoLogin(
  ctx: BaseCtx,
  callbackUrl: URL,
  cookieState: string | undefined,
  client: Client,
) {
  const state = callbackUrl.searchParams.get("state");
  if (!state || !cookieState || state !== cookieState)
    throw new Invalid("the sign-in state does not match this browser's; start again");
  const login = await ctx.repos.sso.spendLogin(await sha256Hex(state), new Date(ctx.clock.now()));
  if (!login) throw new Invalid("the sign-in state is unknown, expired or already used; start again");
  const tenantId = login.tenantId;
  const cfg = await loadSsoConfig(ctx, tenantId);
  if (!cfg) throw new NotFound("sso settings", tenantId);
  await requireAllowed({ ...ctx, tenantId }, { kind: "feature", feature: "sso" });
  const as = await discover(ctx, cfg.issuer);
  // the workspace's clock (a test's fake clock included) is the one tokens are checked against
  const oclient: oauth.Client = {
    client_id: cfg.clientId,
    [oauth.clockSkew]: Math.round((ctx.clock.now() - Date.now()) / 1000),
  };
  let params: URLSearchParams;
  try {
    params = oauth.validateAuthResponse(as, oclient, callbackUrl, state);
  } catch (err) {
    throw new Invalid(`the identity provider refused the sign-in (${err instanceof Error ? err.message : "error"})`);
  }
  let claims: oauth.IDToken;
  try {
    const response = await oauth.authorizationCodeGrantRequest(
      as,
      oclient,
      oauth.ClientSecretBasic(cfg.clientSecret),
      params,
      redirectUriOf(ctx),
      login.codeVerifier,
      httpOptions(ctx),
    );
    const result = await oauth.processAuthorizationCodeResponse(as, oclient, response, {
      expectedNonce: login.nonce,
      requireIdToken: true,
    });
    // the token came over TLS from the token endpoint; we still check its signature against the JWKS
    await oauth.validateApplicationLevelSignature(as, response, httpOptions(ctx));
    claims = oauth.getValidatedIdTokenClaims(result)!;
  } catch (err) {
    await refused(ctx, tenantId, client, err instanceof Error ? err.message : "error");
    throw providerError(ctx, err, "token");
  }
  const email = typeof claims.email === "string" ? claims.email.trim().toLowerCase() : "";
  const domain = email.split("@")[1] ?? "";
  if (!email || claims.email_verified === false) {
    await refused(ctx, tenantId, client, "no verified email");
    throw new Forbidden("the identity provider gave no verified email address");
  }
  const now = new Date(ctx.clock.now());
  // an open invitation to this very address (verified by the provider) admits it with the
  // invitation's role, even from outside the allowed domains
  const invitation =
    claims.email_verified === true ? await ctx.repos.invitations.openFor(tenantId, email, now) : undefined;
  if (!cfg.allowedDomains.includes(domain) && !invitation) {
    await refused(ctx, tenantId, client, `domain ${domain} not allowed`);
    throw new Forbidden(`${domain} is not an allowed email domain for this workspace`);
  }
  const tenant = await ctx.repos.tenants.get(tenantId);
  if (!tenant) throw new NotFound("workspace", tenantId);
  let user = await ctx.repos.users.byEmail(email);
  // just-in-time linking: an existing account (a password one, or a member of another workspace) is
  // the same person only if the provider says it verified the address; a provider that does not say
  // (no email_verified claim) may still create a new account, never take over an existing one
  if (user && claims.email_verified !== true) {
    await refused(ctx, tenantId, client, "email not verified for an existing account");
    throw new Forbidden(
      "the identity provider did not verify this email address, which belongs to an existing account",
    );
  }
  if (!user) {
    const row = {
      id: newId("usr", now.getTime()),
      email,
      name: typeof claims.name === "string" ? claims.name.slice(0, 200) : null,
      // no password: this account signs in through SSO (verifyPassword never accepts this value)
      passwordHash: "sso-only",
      createdAt: now,
    };
    await ctx.repos.users.insertStmt(row).run();
    user = row;
  }
  let m = await ctx.repos.memberships.get(tenantId, user.id);
  if (!m) {
    const row = { tenantId, userId: user.id, role: (invitation?.role ?? cfg.defaultRole) as Role, createdAt: now };
    await ctx.repos.batch([
      ctx.repos.memberships.insertStmt(row),
      ...(invitation ? [ctx.repos.invitations.acceptStmt(invitation.id, now)] : []),
    ]);
    m = row;
    await audit(
      asUser(ctx, tenantId, user.id, client),
      "member.joined",
      { type: "user", id: user.id },
      {
        via: "sso",
        role: row.role,
        ...(invitation ? { invitation: invitation.id } : {}),
      },
    );
  }
  await auditSignIn(ctx, tenantId, user.id, client);
  return issueSession(ctx, user, tenant, m.role);
}

async function refused(ctx: BaseCtx, tenantId: string, client: Client, reason: string) {
  await audit(
    asUser(ctx, tenantId, "unknown", client),
    "sso.sign_in_refused",
    { type: "sso", id: tenantId },
    {
      reason: reason.slice(0, 200),
    },
  );
}
