/**
 * OIDC sign-in end to end (issue 18): a real OpenID provider (the `oidc-provider` package, run here
 * in Node with its development login and consent pages) and the local Echo (wrangler dev, with
 * ALLOW_PRIVATE_EGRESS so the Worker may reach 127.0.0.1). Chromium does what a person does: opens
 * the workspace's sign-in link, types a login at the provider, consents, and lands on Echo's
 * callback. The provider's own tokens are used for the attacks: an ID token replayed from an earlier
 * sign-in (its nonce is another's) and one the provider issued to another client (wrong audience)
 * are swapped into the token response; both are refused.
 */
import { createHash, randomBytes } from "node:crypto";
import { createServer, type Server } from "node:http";
import Provider from "oidc-provider";
import type { Browser } from "playwright-core";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { e2ePort, launchBrowser, screenshot, startEcho, until, type LocalServer } from "./harness";

const ECHO_PORT = e2ePort(8870);
const IDP_PORT = e2ePort(8871);
const ISSUER = `http://127.0.0.1:${IDP_PORT}`;
const SECRET = "echo-client-secret-for-the-e2e-test";
const OTHER_SECRET = "another-client-secret-for-the-e2e";

let echo: LocalServer;
let idp: Server;
let browser: Browser;
/** The next token response's id_token is replaced by this, once. */
let swapIdToken: string | undefined;
/** Every id_token the provider issued, by client. */
const issued: { client: string; idToken: string }[] = [];

async function api(path: string, init: { method?: string; json?: unknown; token?: string } = {}) {
  const res = await fetch(`${echo.origin}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.token && { authorization: `Bearer ${init.token}` }),
      ...(init.json !== undefined && { "content-type": "application/json" }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

function startProvider(echoOrigin: string) {
  const provider = new Provider(ISSUER, {
    clients: [
      {
        client_id: "echo",
        client_secret: SECRET,
        redirect_uris: [`${echoOrigin}/api/auth/sso/callback`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
      {
        client_id: "other-app",
        client_secret: OTHER_SECRET,
        redirect_uris: [`${ISSUER}/other-cb`],
        grant_types: ["authorization_code"],
        response_types: ["code"],
      },
    ],
    findAccount: (_ctx, id) => ({
      accountId: id,
      // `noverify-…` logins come without an email_verified claim (some providers omit it)
      claims: () => ({
        sub: `sub-${id}`,
        email: id,
        ...(id.startsWith("noverify-") ? {} : { email_verified: true }),
        name: id.split("@")[0],
      }),
    }),
    claims: { openid: ["sub"], email: ["email", "email_verified"], profile: ["name"] },
    // put the email in the ID token itself (Echo reads the ID token, not userinfo)
    conformIdTokenClaims: false,
    cookies: { keys: [randomBytes(16).toString("hex")] },
    features: { devInteractions: { enabled: true } },
  });
  // the token response is set before this event and sent after it: the test may swap its id_token
  type GrantCtx = { body?: { id_token?: string }; oidc: { client?: { clientId: string } } };
  (provider as unknown as { on(e: string, f: (ctx: GrantCtx) => void): void }).on("grant.success", (ctx) => {
    const token = ctx.body?.id_token;
    if (!token) return;
    issued.push({ client: ctx.oidc.client?.clientId ?? "?", idToken: token });
    if (swapIdToken) {
      ctx.body = { ...ctx.body, id_token: swapIdToken };
      swapIdToken = undefined;
    }
  });
  const callback = provider.callback();
  const server = createServer((req, res) => {
    if (req.url?.startsWith("/other-cb")) return void res.writeHead(200, { "content-type": "text/plain" }).end("ok");
    callback(req, res);
  });
  return new Promise<Server>((resolve) => server.listen(IDP_PORT, "127.0.0.1", () => resolve(server)));
}

/** A person in a fresh browser: the workspace's SSO link, the provider's login and consent, Echo's answer. */
async function signInThroughBrowser(
  tenantId: string,
  login: string,
  beforeLogin?: (authorizationUrl: URL) => Promise<void>,
) {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    let authorizationUrl: URL | undefined;
    page.on("request", (r) => {
      if (r.url().startsWith(`${ISSUER}/auth?`)) authorizationUrl = new URL(r.url());
    });
    await page.goto(`${echo.origin}/api/auth/sso/start?workspace=${tenantId}`);
    expect(authorizationUrl?.searchParams.get("code_challenge_method")).toBe("S256");
    await beforeLogin?.(authorizationUrl!);
    expect(page.url()).toContain(`${ISSUER}/interaction/`);
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', "anything");
    const callback = page.waitForResponse((r) => r.url().startsWith(`${echo.origin}/api/auth/sso/callback`));
    await page.click('button[type="submit"]');
    await page.click('button:has-text("Continue")');
    const res = await callback;
    return { status: res.status(), body: (await res.json()) as Record<string, any>, url: res.url() };
  } finally {
    await context.close();
  }
}

/** A real ID token the provider issues to the other client (`other-app`) for `login`. */
async function tokenForOtherClient(login: string, nonce = "other-nonce"): Promise<string> {
  const context = await browser.newContext();
  try {
    const page = await context.newPage();
    const verifier = randomBytes(32).toString("base64url");
    const challenge = createHash("sha256").update(verifier).digest("base64url");
    const auth = new URL(`${ISSUER}/auth`);
    for (const [k, v] of Object.entries({
      client_id: "other-app",
      redirect_uri: `${ISSUER}/other-cb`,
      response_type: "code",
      scope: "openid email",
      nonce,
      state: "other-state",
      code_challenge: challenge,
      code_challenge_method: "S256",
    }))
      auth.searchParams.set(k, v);
    await page.goto(auth.toString());
    await page.fill('input[name="login"]', login);
    await page.fill('input[name="password"]', "anything");
    await page.click('button[type="submit"]');
    await page.click('button:has-text("Continue")');
    await page.waitForURL(/\/other-cb\?/);
    const code = new URL(page.url()).searchParams.get("code")!;
    const res = await fetch(`${ISSUER}/token`, {
      method: "POST",
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        authorization: `Basic ${Buffer.from(`other-app:${OTHER_SECRET}`).toString("base64")}`,
      },
      body: new URLSearchParams({
        grant_type: "authorization_code",
        code,
        redirect_uri: `${ISSUER}/other-cb`,
        code_verifier: verifier,
      }),
    });
    const body = (await res.json()) as { id_token?: string };
    if (!body.id_token) throw new Error(`no id_token: ${JSON.stringify(body)}`);
    return body.id_token;
  } finally {
    await context.close();
  }
}

const claimsOf = (jwt: string) => JSON.parse(Buffer.from(jwt.split(".")[1]!, "base64url").toString("utf8"));

beforeAll(async () => {
  process.env.ALLOW_PRIVATE_EGRESS = "true";
  try {
    echo = await startEcho(ECHO_PORT, "echo-sso-");
  } finally {
    delete process.env.ALLOW_PRIVATE_EGRESS;
  }
  idp = await startProvider(echo.origin);
  browser = await launchBrowser();
  const saved = await api("/api/settings/sso", {
    method: "PUT",
    token: echo.demo.token,
    json: {
      issuer: ISSUER,
      clientId: "echo",
      clientSecret: SECRET,
      allowedDomains: ["acme.test"],
      defaultRole: "viewer",
    },
  });
  expect(saved.status).toBe(200);
});

afterAll(async () => {
  await browser?.close();
  await new Promise<void>((r) => (idp ? idp.close(() => r()) : r()));
  await echo?.stop();
});

describe("OIDC sign-in against oidc-provider", () => {
  it("signs a new person in and makes them a member with the default role (just in time)", async () => {
    const r = await signInThroughBrowser(echo.demo.tenantId, "alice@acme.test");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({
      user: { email: "alice@acme.test" },
      tenant: { id: echo.demo.tenantId },
      role: "viewer",
    });
    // the session works like a password one: the viewer may read the team, not change settings
    const team = await api("/api/team/members", { token: r.body.accessToken });
    expect(team.status).toBe(200);
    expect(JSON.stringify(team.body)).toContain("alice@acme.test");
    expect((await api("/api/settings/sso", { token: r.body.accessToken })).status).toBe(403);
    // the ID token Echo accepted was the provider's, for this client
    const last = issued.at(-1)!;
    expect(last.client).toBe("echo");
    expect(claimsOf(last.idToken)).toMatchObject({ iss: ISSUER, aud: "echo", email: "alice@acme.test" });
    // a second sign-in reuses the membership
    const again = await signInThroughBrowser(echo.demo.tenantId, "alice@acme.test");
    expect(again.body.user.id).toBe(r.body.user.id);
    const audit = await api("/api/audit?action=member.joined", { token: echo.demo.token });
    expect(audit.body.data.filter((e: any) => e.metadata.via === "sso")).toHaveLength(1);
  });

  it("refuses an email outside the allowed domains and creates no member", async () => {
    const r = await signInThroughBrowser(echo.demo.tenantId, "eve@evil.test");
    expect(r.status).toBe(403);
    const team = await api("/api/team/members", { token: echo.demo.token });
    expect(JSON.stringify(team.body)).not.toContain("eve@evil.test");
  });

  it("admits an invited address from outside the allowed domains with the invitation's role, and spends the invitation", async () => {
    const inv = await api("/api/team/invitations", {
      method: "POST",
      token: echo.demo.token,
      json: { email: "carol@partner.test", role: "agent" },
    });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const r = await signInThroughBrowser(echo.demo.tenantId, "carol@partner.test");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ user: { email: "carol@partner.test" }, role: "agent" });
    const list = await api("/api/team/invitations", { token: echo.demo.token });
    expect(list.body.data.find((i: any) => i.email === "carol@partner.test").acceptedAt).not.toBeNull();
    // another address of that domain, not invited, is still refused
    expect((await signInThroughBrowser(echo.demo.tenantId, "dave@partner.test")).status).toBe(403);
  });

  it("refuses a replayed ID token: a real one from an earlier sign-in carries another nonce", async () => {
    const earlier = issued.find((x) => x.client === "echo")!.idToken;
    swapIdToken = earlier;
    const r = await signInThroughBrowser(echo.demo.tenantId, "bob@acme.test");
    expect(swapIdToken).toBeUndefined(); // the swap happened
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/nonce/);
  });

  it("refuses an ID token the provider issued to another client (wrong audience), even with the right nonce", async () => {
    let foreign = "";
    const r = await signInThroughBrowser(echo.demo.tenantId, "carol@acme.test", async (authUrl) => {
      // the other client's token for the same person and the very nonce Echo just sent
      foreign = await tokenForOtherClient("carol@acme.test", authUrl.searchParams.get("nonce")!);
      swapIdToken = foreign;
    });
    expect(claimsOf(foreign)).toMatchObject({ aud: "other-app", iss: ISSUER });
    expect(swapIdToken).toBeUndefined();
    expect(r.status).toBe(401);
    expect(r.body.detail).toMatch(/aud/);
    const team = await api("/api/team/members", { token: echo.demo.token });
    expect(JSON.stringify(team.body)).not.toContain("carol@acme.test");
  });

  it("refuses a callback whose state is not this browser's (400), and a spent state", async () => {
    const context = await browser.newContext();
    try {
      const page = await context.newPage();
      await page.goto(`${echo.origin}/api/auth/sso/start?workspace=${echo.demo.tenantId}`);
      await page.fill('input[name="login"]', "dave@acme.test");
      await page.fill('input[name="password"]', "anything");
      const callback = page.waitForResponse((r) => r.url().startsWith(`${echo.origin}/api/auth/sso/callback`));
      await page.click('button[type="submit"]');
      await page.click('button:has-text("Continue")');
      const first = await callback;
      expect(first.status()).toBe(200);
      const url = new URL(first.url());
      // the same callback again (state spent): refused
      const replay = await fetch(url, { headers: { cookie: `echo_sso_state=${url.searchParams.get("state")}` } });
      expect(replay.status).toBe(400);
      // a forged state with a matching cookie: refused
      url.searchParams.set("state", "forged");
      const forged = await fetch(url, { headers: { cookie: "echo_sso_state=forged" } });
      expect(forged.status).toBe(400);
    } finally {
      await context.close();
    }
  });

  /** An account made with a password in its own workspace (sign-up, then the mailed verification). */
  async function passwordAccount(email: string) {
    const pending = await api("/api/auth/signup", {
      method: "POST",
      json: { email, password: "a long enough password 1", company: `Own ${email}` },
    });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    const s = await api("/api/auth/verify-email", { method: "POST", json: { token: pending.body.devToken } });
    expect(s.status, JSON.stringify(s.body)).toBe(201);
    return s.body as { user: { id: string }; tenant: { id: string } };
  }

  it("links a sign-in to the existing account with that verified email (just-in-time membership, same user)", async () => {
    const own = await passwordAccount("bob@acme.test");
    const r = await signInThroughBrowser(echo.demo.tenantId, "bob@acme.test");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    expect(r.body).toMatchObject({ user: { id: own.user.id }, tenant: { id: echo.demo.tenantId }, role: "viewer" });
  });

  it("never links to an existing account when the provider does not say the email is verified", async () => {
    // a new person without the claim still joins (nothing to take over)…
    const fresh = await signInThroughBrowser(echo.demo.tenantId, "noverify-new@acme.test");
    expect(fresh.status, JSON.stringify(fresh.body)).toBe(200);
    // …but an existing account is not taken over
    const own = await passwordAccount("noverify-old@acme.test");
    const r = await signInThroughBrowser(echo.demo.tenantId, "noverify-old@acme.test");
    expect(r.status).toBe(403);
    const team = await api("/api/team/members", { token: echo.demo.token });
    expect(team.body.data.some((m: any) => m.userId === own.user.id)).toBe(false);
  });
});

describe("dashboard: Settings → SSO and Settings → Roles", () => {
  it("shows the SSO settings with the callback URL, tests the connection, and saves a change", async () => {
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    page.on("dialog", (d) => void d.accept());
    await page.goto(`${echo.origin}/app/login`);
    await page.getByLabel("Email").fill(echo.demo.email);
    await page.getByLabel("Password").fill(echo.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();

    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Settings" }).click();
    await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "SSO" }).click();
    await page.getByRole("heading", { name: "Single sign-on", level: 1 }).waitFor();
    await expect(page.getByTestId("sso-callback").textContent()).resolves.toBe(`${echo.origin}/api/auth/sso/callback`);
    await expect(page.getByLabel("Issuer URL").inputValue()).resolves.toBe(ISSUER);
    await expect(page.getByLabel("Client secret").getAttribute("type")).resolves.toBe("password");
    await page.getByRole("button", { name: "Test connection" }).click();
    const status = page.getByTestId("sso-test");
    await status.waitFor();
    await expect(status.textContent()).resolves.toContain(`Connection works: ${ISSUER} answered`);
    await screenshot(page, "settings-sso");

    // add a domain: saved through the API (the secret kept), shown as saved
    await page.getByLabel("Allowed email domains").fill("acme.test, acme.example");
    await page.getByRole("button", { name: "Save SSO settings" }).click();
    await until("saved domains", async () => {
      const s = await api("/api/settings/sso", { token: echo.demo.token });
      return s.body.allowedDomains.includes("acme.example") && s.body;
    });
    // a bad issuer: the API's words next to the field, nothing changed
    await page.getByLabel("Issuer URL").fill("ftp://nope.example");
    await page.getByRole("button", { name: "Save SSO settings" }).click();
    await until(
      "the issuer marked",
      async () => (await page.getByLabel("Issuer URL").getAttribute("aria-invalid")) === "true",
    );
    expect((await api("/api/settings/sso", { token: echo.demo.token })).body.issuer).toBe(ISSUER);

    // Settings → Roles: create a custom role with permission checkboxes grouped by area
    await page.getByRole("navigation", { name: "Settings sections" }).getByRole("link", { name: "Roles" }).click();
    await page.getByRole("heading", { name: "Roles", level: 1 }).waitFor();
    await page.locator('tr[data-role="viewer"]').waitFor();
    const form = page.locator("form", { has: page.getByRole("heading", { name: "Create a custom role" }) });
    await form.getByLabel("Role name").fill("Ticket desk");
    const tickets = form.getByRole("group", { name: "Tickets" });
    await tickets.getByLabel("tickets:read").check();
    await tickets.getByLabel("tickets:write").check();
    await form.getByRole("group", { name: "Conversations" }).getByLabel("conversations:read").check();
    await form.getByRole("button", { name: "Create role" }).click();
    const role = await until("the role stored", async () => {
      const roles = await api("/api/roles", { token: echo.demo.token });
      return roles.body.data.find((r: any) => r.name === "Ticket desk");
    });
    expect(role.permissions).toEqual(["conversations:read", "tickets:read", "tickets:write"]);
    await page.locator(`tr[data-role="${role.id}"]`).waitFor();
    await screenshot(page, "settings-roles");

    // edit it: one permission less
    await page.getByRole("button", { name: "Edit Ticket desk" }).click();
    const editForm = page.locator("form", { has: page.getByRole("heading", { name: "Edit Ticket desk" }) });
    await editForm.getByLabel("tickets:write").uncheck();
    await editForm.getByRole("button", { name: "Save role" }).click();
    await until("the role edited", async () => {
      const roles = await api("/api/roles", { token: echo.demo.token });
      const r = roles.body.data.find((x: any) => x.id === role.id);
      return r && !r.permissions.includes("tickets:write");
    });

    // Team: give carol (who joins through SSO now) the custom role
    expect((await signInThroughBrowser(echo.demo.tenantId, "carol@acme.test")).status).toBe(200);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await page.reload();
    await page.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    await page.getByLabel("Role of carol@acme.test").selectOption(role.id);
    await until("carol's role", async () => {
      const team = await api("/api/team/members", { token: echo.demo.token });
      return team.body.data.find((m: any) => m.email === "carol@acme.test")?.role === role.id;
    });
    await screenshot(page, "team-custom-role");
    expect(errors).toEqual([]);
    await page.close();
  });
});
