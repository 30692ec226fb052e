import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { openSocket } from "../rooms/test-client";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

const count = async (table: string) =>
  (await env.DB.prepare(`select count(*) as n from ${table}`).first<{ n: number }>())!.n;

describe("signup and login", () => {
  it("creates a tenant, its owner and a first bot, and signs in", async () => {
    const t = await makeTenant();
    expect(t.token).toMatch(/^ey/);
    const s = await expectJson(
      call("/api/auth/login", { method: "POST", json: { email: t.email.toUpperCase(), password: t.password } }),
      200,
    );
    expect(s).toMatchObject({ tenant: { id: t.tenantId }, role: "owner", user: { email: t.email } });
  });

  it("stores a PBKDF2 hash with a per-user salt, never the password", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const rows = await env.DB.prepare("select email, password_hash from users where email in (?, ?)")
      .bind(a.email, b.email)
      .all<{ password_hash: string }>();
    const [h1, h2] = rows.results.map((r) => r.password_hash);
    expect(h1).toMatch(/^pbkdf2-sha256\$100000\$/);
    expect(h1).not.toContain(a.password);
    expect(h1!.split("$")[2]).not.toBe(h2!.split("$")[2]);
  });

  it("refuses a wrong password and an unknown email with the same 401", async () => {
    const t = await makeTenant();
    const wrong = await expectJson(
      call("/api/auth/login", { method: "POST", json: { email: t.email, password: "nope nope nope" } }),
      401,
    );
    const unknown = await expectJson(
      call("/api/auth/login", { method: "POST", json: { email: "nobody@example.test", password: "nope nope nope" } }),
      401,
    );
    expect(wrong.detail).toBe(unknown.detail);
  });

  it("answers a second signup with the same email like any signup (202) and writes no workspace", async () => {
    const t = await makeTenant();
    const before = await count("tenants");
    const r = await expectJson(
      call("/api/auth/signup", {
        method: "POST",
        json: { email: t.email, password: "another password!", company: "Dup" },
      }),
      202,
    );
    expect(r).toEqual({ status: "verification_sent", detail: expect.any(String) });
    expect(await count("tenants")).toBe(before);
  });
});

describe("refresh tokens", () => {
  it("rotates, and reusing a spent token revokes the whole family", async () => {
    const t = await makeTenant();
    const r1 = await expectJson(
      call("/api/auth/refresh", { method: "POST", json: { refreshToken: t.refreshToken } }),
      200,
    );
    expect(r1.refreshToken).not.toBe(t.refreshToken);
    // the old token again: reuse → 401 and the family (including r1's token) is revoked
    await expectJson(call("/api/auth/refresh", { method: "POST", json: { refreshToken: t.refreshToken } }), 401);
    await expectJson(call("/api/auth/refresh", { method: "POST", json: { refreshToken: r1.refreshToken } }), 401);
    // a fresh login starts a new family that works
    const s = await expectJson(
      call("/api/auth/login", { method: "POST", json: { email: t.email, password: t.password } }),
      200,
    );
    await expectJson(call("/api/auth/refresh", { method: "POST", json: { refreshToken: s.refreshToken } }), 200);
  });

  it("logout revokes the family, and its access token stops at once", async () => {
    const t = await makeTenant();
    await expectJson(call("/api/bots", { token: t.token }), 200);
    const res = await call("/api/auth/logout", { method: "POST", json: { refreshToken: t.refreshToken } });
    expect(res.status).toBe(204);
    await expectJson(call("/api/auth/refresh", { method: "POST", json: { refreshToken: t.refreshToken } }), 401);
    await expectJson(call("/api/bots", { token: t.token }), 401);
    // and over a socket: the inbox refuses the signed-out token (one error frame, close 1008)
    const sock = await openSocket(`/api/inbox/ws?token=${t.token}`);
    expect((await sock.waitClose()).code).toBe(1008);
    expect(sock.frames[0]).toMatchObject({ type: "error", code: "UNAUTHORIZED" });
  });

  it("rejects a tampered or foreign access token", async () => {
    const t = await makeTenant();
    const [h, p, s] = t.token.split(".");
    const forged = [
      h,
      btoa(
        JSON.stringify({ ...JSON.parse(atob(p!.replace(/-/g, "+").replace(/_/g, "/"))), role: "owner", tid: "tnt_x" }),
      ).replace(/=+$/, ""),
      s,
    ].join(".");
    await expectJson(call("/api/bots", { token: forged }), 401);
    await expectJson(call("/api/bots"), 401);
  });
});

describe("invitations and roles", () => {
  it("an invitee accepts with a token, sets a password and gets the invited role", async () => {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const members = await expectJson(call("/api/team/members", { token: t.token }), 200);
    expect(members.data.map((m: { role: string }) => m.role).sort()).toEqual(["agent", "owner"]);
    // the agent can read bots but not change them
    await expectJson(call("/api/bots", { token: agent.token }), 200);
    await expectJson(call(`/api/bots/${t.botId}`, { method: "PATCH", token: agent.token, json: { name: "x" } }), 403);
  });

  it("an invitation token works once", async () => {
    const t = await makeTenant();
    const inv = await expectJson(
      call("/api/team/invitations", {
        method: "POST",
        token: t.token,
        json: { email: "once@example.test", role: "viewer" },
      }),
      201,
    );
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", json: { token: inv.token, password: "a long password" } }),
      200,
    );
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", json: { token: inv.token, password: "a long password" } }),
      401,
    );
  });

  it("an admin cannot mint an owner, and the last owner cannot be demoted", async () => {
    const t = await makeTenant();
    const admin = await addMember(t, "admin");
    await expectJson(
      call("/api/team/invitations", {
        method: "POST",
        token: admin.token,
        json: { email: "boss@example.test", role: "owner" },
      }),
      403,
    );
    await expectJson(
      call(`/api/team/members/${t.userId}`, { method: "PATCH", token: t.token, json: { role: "admin" } }),
      409,
    );
  });

  it("a removed member loses access at once", async () => {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const res = await call(`/api/team/members/${agent.userId}`, { method: "DELETE", token: t.token });
    expect(res.status).toBe(204);
    await expectJson(call("/api/bots", { token: agent.token }), 401);
  });
});

describe("API keys", () => {
  it("returns the secret once, stores only its hash, authenticates as the tenant and can be revoked", async () => {
    const t = await makeTenant();
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "ci", scopes: ["bots:read"] } }),
      201,
    );
    expect(k.secret).toMatch(/^sk_/);
    const stored = await env.DB.prepare("select * from api_keys where id = ?")
      .bind(k.id)
      .first<Record<string, string>>();
    expect(JSON.stringify(stored)).not.toContain(k.secret);
    const list = await expectJson(call("/api/keys", { token: t.token }), 200);
    expect(JSON.stringify(list)).not.toContain(k.secret);
    const bots = await expectJson(call("/api/bots", { token: k.secret }), 200);
    expect(bots.data[0].id).toBe(t.botId);
    // scope is enforced
    await expectJson(call("/api/bots", { method: "POST", token: k.secret, json: { name: "x" } }), 403);
    await expectJson(call(`/api/keys/${k.id}`, { method: "DELETE", token: t.token }), 200);
    await expectJson(call("/api/bots", { token: k.secret }), 401);
  });

  it("a viewer cannot create a key", async () => {
    const t = await makeTenant();
    const viewer = await addMember(t, "viewer");
    const before = await count("api_keys");
    await expectJson(
      call("/api/keys", { method: "POST", token: viewer.token, json: { name: "x", scopes: ["bots:read"] } }),
      403,
    );
    expect(await count("api_keys")).toBe(before);
  });

  it("a key cannot grant scopes its creator lacks", async () => {
    const t = await makeTenant();
    const viewer = await addMember(t, "viewer");
    const before = await count("api_keys");
    await expectJson(
      call("/api/keys", { method: "POST", token: viewer.token, json: { name: "wide", scopes: ["bots:write"] } }),
      403,
    );
    expect(await count("api_keys")).toBe(before);
  });
});

describe("rate limits", () => {
  it("slows password guessing from one address with 429 and Retry-After", async () => {
    const t = await makeTenant();
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) {
      const r = await call("/api/auth/login", {
        method: "POST",
        headers: { "cf-connecting-ip": "203.0.113.1" },
        json: { email: t.email, password: "wrong password " + i },
      });
      statuses.push(r.status);
      if (r.status === 429) {
        expect(Number(r.headers.get("retry-after"))).toBeGreaterThan(0);
        expect(await r.json()).toMatchObject({ code: "RATE_LIMITED" });
      }
    }
    expect(
      statuses.slice(0, 10).every((s) => s === 401),
      statuses.join(","),
    ).toBe(true);
    expect(statuses.slice(10)).toEqual([429, 429]);
  });
});
