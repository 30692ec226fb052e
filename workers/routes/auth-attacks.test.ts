import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { requestSignup } from "../domain/auth/signup";
import { ROLE_PERMISSIONS } from "../domain/auth/permissions";
import type { Ctx } from "../domain/ctx";
import { inviteMember } from "../domain/team";
import { openSocket } from "../rooms/test-client";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

// Issue 13 items 1, 7, 8, 11 and issue 17's outbound mail: each test performs the attack the
// security review reproduced and checks it is refused with nothing stored.

const count = async (sql: string, ...args: unknown[]) =>
  (await env.DB.prepare(`select count(*) as n from ${sql}`)
    .bind(...args)
    .first<{ n: number }>())!.n;

type Mail = { to: string; subject: string; text: string; headers: Record<string, string>; sentAt: string };
const outbox = async (t: TestTenant): Promise<Mail[]> =>
  (await expectJson(call("/api/outbox", { token: t.token }), 200)).data;
const tokenIn = (mail: Mail | undefined, prefix: string) =>
  mail?.text.match(new RegExp(`token=(${prefix}_[0-9a-z]+)`))?.[1];

const login = (email: string, password: string, ip: string) =>
  call("/api/auth/login", { method: "POST", headers: { "cf-connecting-ip": ip }, json: { email, password } });

/** A production-mode ctx (the API never echoes mailed tokens there), acting as `t`'s owner. */
function prodCtx(t: TestTenant): Ctx {
  const base = requestCtx(env, "req_test", "http://echo.test");
  return {
    ...base,
    config: { ...base.config, environment: "production" },
    tenantId: t.tenantId,
    actor: { kind: "user", userId: t.userId, role: "owner", permissions: ROLE_PERMISSIONS.owner },
  };
}

describe("outbound mail: the local outbox", () => {
  it("holds the invitation mail (text + HTML, link with the token), newest first, for admins of that tenant only", async () => {
    const t = await makeTenant();
    const other = await makeTenant();
    const agent = await addMember(t, "agent");
    await expectJson(
      call("/api/team/invitations", {
        method: "POST",
        token: t.token,
        json: { email: "z@example.test", role: "viewer" },
      }),
      201,
    );
    const mails = await outbox(t);
    expect(mails.map((m) => m.to)).toEqual(["z@example.test", agent.email]);
    expect(mails[0]!.subject).toContain("invited");
    expect(tokenIn(mails[0], "inv")).toBeTruthy();
    expect(Date.parse(mails[0]!.sentAt)).toBeGreaterThanOrEqual(Date.parse(mails[1]!.sentAt));
    const raw = await env.DB.prepare("select html_body from outbox where to_addr = ?").bind("z@example.test").first();
    expect(String(raw?.html_body)).toContain("<a href=");
    // another tenant sees none of it; an agent and a key (even with settings:read) get 403
    expect((await outbox(other)).map((m) => m.to)).not.toContain("z@example.test");
    await expectJson(call("/api/outbox", { token: agent.token }), 403);
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "s", scopes: ["settings:read"] } }),
      201,
    );
    await expectJson(call("/api/outbox", { token: k.secret }), 403);
  });
});

describe("item 1: invitation acceptance is no password oracle", () => {
  it("refuses to check an existing account's password, even the right one, and stores nothing", async () => {
    const victim = await makeTenant("Victim");
    const attacker = await makeTenant("Attacker");
    const inv = await expectJson(
      call("/api/team/invitations", {
        method: "POST",
        token: attacker.token,
        json: { email: victim.email, role: "viewer" },
      }),
      201,
    );
    for (const password of ["wrong guess number one", victim.password]) {
      const r = await expectJson(
        call("/api/auth/accept-invitation", { method: "POST", json: { token: inv.token, password } }),
        401,
      );
      expect(r.detail).toContain("sign in");
    }
    expect(await count("memberships where tenant_id = ? and user_id = ?", attacker.tenantId, victim.userId)).toBe(0);
    // the attacker, signed in as themselves, cannot use it either
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", token: attacker.token, json: { token: inv.token } }),
      403,
    );
    expect(await count("invitations where id = ? and accepted_at is not null", inv.id)).toBe(0);
    // the invited account, signed in, accepts without any password
    const s = await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", token: victim.token, json: { token: inv.token } }),
      200,
    );
    expect(s).toMatchObject({ tenant: { id: attacker.tenantId }, role: "viewer", user: { id: victim.userId } });
  });

  it("outside development the token is not in the response, only in the mail", async () => {
    const t = await makeTenant();
    const r = await inviteMember(prodCtx(t), { email: "mailonly@example.test", role: "agent" });
    expect(r.token).toBeUndefined();
    const mail = (await outbox(t)).find((m) => m.to === "mailonly@example.test");
    const token = tokenIn(mail, "inv");
    expect(token).toBeTruthy();
    // the mailed token works for a new account
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", json: { token, password: "a brand new password" } }),
      200,
    );
  });
});

describe("items 1 and 8: one password limiter keyed on account and client address", () => {
  it("locks the attacking address after 10 failures, but the real user still signs in from theirs", async () => {
    const t = await makeTenant();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await login(t.email, `wrong password ${i}`, "203.0.113.7")).status);
    expect(statuses.join(",")).toBe([...Array(10).fill(401), 429, 429].join(","));
    const locked = await login(t.email, t.password, "203.0.113.7");
    expect(locked.status).toBe(429);
    expect(Number(locked.headers.get("retry-after"))).toBeGreaterThan(60);
    // the victim, from another address, is not locked out
    await expectJson(login(t.email, t.password, "192.0.2.44"), 200);
  });

  it("counts an attempt before comparing, so parallel guesses cannot outrun the counter", async () => {
    const t = await makeTenant();
    const rs = await Promise.all(
      Array.from({ length: 25 }, (_, i) => login(t.email, `parallel guess ${i}`, "203.0.113.9")),
    );
    const statuses = rs.map((r) => r.status);
    expect(statuses.filter((s) => s === 401).length, statuses.join(",")).toBeLessThanOrEqual(10);
    expect(statuses.filter((s) => s === 429).length).toBeGreaterThanOrEqual(15);
  });

  it("under a distributed attack each new address gets 3 tries, and the real user is still not locked out", async () => {
    const t = await makeTenant();
    // 100 failures spread over many addresses in the last hour (written directly: 100 PBKDF2 runs are slow)
    await env.DB.prepare("insert into auth_throttle (key, count, window_start) values (?, 100, ?)")
      .bind(`pwacct:${t.email}`, Date.now())
      .run();
    const statuses: number[] = [];
    for (let i = 0; i < 5; i++) statuses.push((await login(t.email, `guess ${i}`, "203.0.113.50")).status);
    expect(statuses.join(",")).toBe("401,401,401,429,429");
    await expectJson(login(t.email, t.password, "192.0.2.45"), 200);
  });

  it("unknown accounts are limited exactly like real ones (no enumeration by lockout)", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++)
      statuses.push((await login("ghost@example.test", `guess ${i}`, "203.0.113.60")).status);
    expect(statuses.at(-1)).toBe(429);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
  });
});

describe("item 1: signup does not reveal accounts and is limited per address", () => {
  it("answers an existing email exactly like a new one, creates nothing for it and mails its owner", async () => {
    const t = await makeTenant();
    const ctx = prodCtx(t);
    const input = { password: "some long password", company: "Probe" };
    const existing = await requestSignup(ctx, { ...input, email: t.email }, { ip: "203.0.113.70" });
    const fresh = await requestSignup(ctx, { ...input, email: "fresh-person@example.test" }, { ip: "203.0.113.70" });
    expect(existing).toEqual(fresh);
    expect(existing).not.toHaveProperty("devToken");
    // (the one used request is makeTenant's own signup)
    expect(await count("signup_requests where email = ? and used_at is null", t.email)).toBe(0);
    expect(await count("signup_requests where email = ?", "fresh-person@example.test")).toBe(1);
    expect((await outbox(t)).find((m) => m.to === t.email)?.subject).toContain("already have an Echo account");
    // over HTTP: same status and body shape, no second workspace
    const before = await count("tenants");
    const r = await expectJson(
      call("/api/auth/signup", {
        method: "POST",
        headers: { "cf-connecting-ip": "203.0.113.71" },
        json: { email: t.email, password: "another password!", company: "Dup" },
      }),
      202,
    );
    expect(r.status).toBe("verification_sent");
    expect(await count("tenants")).toBe(before);
  });

  it("refuses the 11th signup from one address within the hour and stores nothing for it", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) {
      const r = await call("/api/auth/signup", {
        method: "POST",
        headers: { "cf-connecting-ip": "203.0.113.80" },
        json: { email: `flood${i}@example.test`, password: "flood password 123", company: "Flood" },
      });
      statuses.push(r.status);
    }
    expect(statuses.join(",")).toBe([...Array(10).fill(202), 429].join(","));
    expect(await count("signup_requests where email = ?", "flood10@example.test")).toBe(0);
  });

  it("a confirmation link works once", async () => {
    const r = await expectJson(
      call("/api/auth/signup", {
        method: "POST",
        headers: { "cf-connecting-ip": "203.0.113.81" },
        json: { email: "once-only@example.test", password: "once only password", company: "Once" },
      }),
      202,
    );
    await expectJson(call("/api/auth/verify-email", { method: "POST", json: { token: r.devToken } }), 201);
    await expectJson(call("/api/auth/verify-email", { method: "POST", json: { token: r.devToken } }), 401);
    expect(await count("users where email = ?", "once-only@example.test")).toBe(1);
  });
});

describe("password reset", () => {
  const reset = (email: string, ip = "203.0.113.90") =>
    call("/api/auth/password-reset", { method: "POST", headers: { "cf-connecting-ip": ip }, json: { email } });
  const confirm = (token: string | undefined, password: string) =>
    call("/api/auth/password-reset/confirm", { method: "POST", json: { token, password } });

  it("answers 202 with the same body for known and unknown addresses, and stores nothing for the unknown", async () => {
    const t = await makeTenant();
    const before = await count("password_resets");
    const known = await expectJson(reset(t.email), 202);
    const unknown = await expectJson(reset("nobody-here@example.test"), 202);
    expect(known).toEqual(unknown);
    expect(await count("password_resets")).toBe(before + 1);
    expect(await count("outbox where to_addr = ?", "nobody-here@example.test")).toBe(0);
  });

  it("sets a new password once, revokes every session, and refuses replay", async () => {
    const t = await makeTenant();
    await expectJson(reset(t.email), 202);
    const token = tokenIn(
      (await outbox(t)).find((m) => m.subject.includes("Reset")),
      "pwr",
    );
    expect(token).toBeTruthy();
    expect(await count("password_resets where token_hash like ?", `%${token}%`)).toBe(0); // stored hashed
    const res = await confirm(token, "a fresh new password");
    expect(res.status, await res.text()).toBe(204);
    await expectJson(call("/api/auth/refresh", { method: "POST", json: { refreshToken: t.refreshToken } }), 401);
    await expectJson(call("/api/bots", { token: t.token }), 401); // the access token too, at once
    await expectJson(login(t.email, t.password, "192.0.2.60"), 401);
    const fresh = await expectJson(login(t.email, "a fresh new password", "192.0.2.60"), 200);
    await new Promise((r) => setTimeout(r, 1100)); // a token from a later second than the reset
    const again = await expectJson(login(t.email, "a fresh new password", "192.0.2.60"), 200);
    await expectJson(call("/api/bots", { token: again.accessToken }), 200);
    expect(fresh.user.id).toBe(t.userId);
    // replay: the same token again changes nothing
    await expectJson(confirm(token, "attacker chosen password"), 401);
    await expectJson(login(t.email, "attacker chosen password", "192.0.2.61"), 401);
  });

  it("refuses an expired token and keeps the old password", async () => {
    const t = await makeTenant();
    await expectJson(reset(t.email), 202);
    const token = tokenIn(
      (await outbox(t)).find((m) => m.subject.includes("Reset")),
      "pwr",
    );
    // an hour and a second later
    await env.DB.prepare("update password_resets set expires_at = ? where used_at is null")
      .bind(Date.now() - 1000)
      .run();
    await expectJson(confirm(token, "too late password"), 401);
    await expectJson(login(t.email, t.password, "192.0.2.62"), 200);
  });

  it("limits requests per address", async () => {
    const statuses: number[] = [];
    for (let i = 0; i < 11; i++) statuses.push((await reset(`someone${i}@example.test`, "203.0.113.91")).status);
    expect(statuses.join(",")).toBe([...Array(10).fill(202), 429].join(","));
  });
});

describe("item 7: keys cannot manage keys or the team, and die with their creator", () => {
  it("a key holding keys:write and team:write (a legacy grant) still cannot mint keys or touch the team", async () => {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "ci", scopes: ["bots:read"] } }),
      201,
    );
    await env.DB.prepare("update api_keys set scopes = ? where id = ?")
      .bind(JSON.stringify(["bots:read", "keys:read", "keys:write", "team:read", "team:write"]), k.id)
      .run();
    const [keys, invites] = [await count("api_keys"), await count("invitations")];
    await expectJson(
      call("/api/keys", { method: "POST", token: k.secret, json: { name: "minted", scopes: ["bots:read"] } }),
      403,
    );
    await expectJson(
      call("/api/team/invitations", {
        method: "POST",
        token: k.secret,
        json: { email: "new-admin@example.test", role: "admin" },
      }),
      403,
    );
    await expectJson(
      call(`/api/team/members/${agent.userId}`, { method: "PATCH", token: k.secret, json: { role: "admin" } }),
      403,
    );
    await expectJson(call(`/api/team/members/${agent.userId}`, { method: "DELETE", token: k.secret }), 403);
    expect([await count("api_keys"), await count("invitations")]).toEqual([keys, invites]);
    expect(await count("memberships where user_id = ? and role = 'agent'", agent.userId)).toBe(1);
    // and such scopes cannot be granted any more
    await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "x", scopes: ["team:write"] } }),
      400,
    );
    expect(await count("api_keys")).toBe(keys);
  });

  it("a removed creator's keys stop working at once", async () => {
    const t = await makeTenant();
    const admin = await addMember(t, "admin");
    const k = await expectJson(
      call("/api/keys", {
        method: "POST",
        token: admin.token,
        json: { name: "theirs", scopes: ["conversations:read", "bots:read"] },
      }),
      201,
    );
    await expectJson(call("/api/bots", { token: k.secret }), 200);
    const res = await call(`/api/team/members/${admin.userId}`, { method: "DELETE", token: t.token });
    expect(res.status).toBe(204);
    await expectJson(call("/api/bots", { token: k.secret }), 401);
    await expectJson(call("/api/conversations", { token: k.secret }), 401);
    const row = await env.DB.prepare("select revoked_at from api_keys where id = ?").bind(k.id).first();
    expect(row?.revoked_at).not.toBeNull();
  });

  it("a key shrinks with a demoted creator", async () => {
    const t = await makeTenant();
    const admin = await addMember(t, "admin");
    const k = await expectJson(
      call("/api/keys", {
        method: "POST",
        token: admin.token,
        json: { name: "w", scopes: ["bots:read", "bots:write"] },
      }),
      201,
    );
    await expectJson(
      call(`/api/team/members/${admin.userId}`, { method: "PATCH", token: t.token, json: { role: "viewer" } }),
      200,
    );
    await expectJson(call("/api/bots", { token: k.secret }), 200);
    await expectJson(call("/api/bots", { method: "POST", token: k.secret, json: { name: "nope" } }), 403);
  });
});

describe("item 11: no sk_ keys in query strings", () => {
  it("refuses an sk_ key in ?token= on REST routes, accepts it in the header", async () => {
    const t = await makeTenant();
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "q", scopes: ["bots:read"] } }),
      201,
    );
    const r = await expectJson(call(`/api/bots?token=${k.secret}`), 401);
    expect(r.detail).toContain("Authorization header");
    // access tokens neither: REST credentials go in the header only
    await expectJson(call(`/api/bots?token=${t.token}`), 401);
    await expectJson(call("/api/bots", { token: k.secret }), 200);
  });

  it("refuses an sk_ key in the socket URL (1008), while an access token there still connects", async () => {
    const t = await makeTenant();
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "ws", scopes: ["conversations:read"] } }),
      201,
    );
    const refused = await openSocket(`/api/inbox/ws?token=${k.secret}`);
    const frame = await refused.waitFor((f) => f.type === "error");
    expect(JSON.stringify(frame)).toContain("Authorization header");
    expect((await refused.waitClose()).code).toBe(1008);
    // the header still works for server clients, and a short-lived access token in the URL for browsers
    const viaHeader = await openSocket("/api/inbox/ws", { authorization: `Bearer ${k.secret}` });
    const viaQuery = await openSocket(`/api/inbox/ws?token=${t.token}`);
    for (const s of [viaHeader, viaQuery]) await s.waitFor((f) => f.type === "ready");
  });
});
