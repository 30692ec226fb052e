import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

/**
 * SSO settings, SSO-required password refusal and the state checks of the callback, inside workerd.
 * The flow against a real OpenID provider (oidc-provider in Node) is e2e/sso-oidc.test.ts.
 */
const settings = {
  issuer: "https://idp.example.test",
  clientId: "echo-client",
  clientSecret: "a-client-secret-of-some-length",
  allowedDomains: ["Example.test"],
  defaultRole: "agent",
};

describe("SSO settings", async () => {
  const t = await makeTenant("Sso");
  const other = await makeTenant("Other");
  const agent = await addMember(t, "agent");
  const admin = await addMember(t, "admin");

  it("saves with the secret sealed, shows only a hint, and audits the change", async () => {
    const dto = await expectJson(call("/api/settings/sso", { method: "PUT", token: t.token, json: settings }), 200);
    expect(dto).toMatchObject({
      issuer: settings.issuer,
      clientId: "echo-client",
      allowedDomains: ["example.test"],
      defaultRole: "agent",
      required: false,
      clientSecretHint: "••••ngth",
    });
    expect(dto.redirectUri).toMatch(/\/api\/auth\/sso\/callback$/);
    expect(JSON.stringify(dto)).not.toContain(settings.clientSecret);
    const stored = await env.DB.prepare(
      "SELECT ciphertext FROM tenant_secrets WHERE tenant_id = ? AND name = 'sso_oidc'",
    )
      .bind(t.tenantId)
      .first<{ ciphertext: string }>();
    expect(stored?.ciphertext).toMatch(/^v\d+\./);
    expect(stored?.ciphertext).not.toContain(settings.clientSecret);
    const audit = await expectJson(call("/api/audit?action=settings.sso_changed", { token: t.token }), 200);
    expect(audit.data).toHaveLength(1);
    expect(JSON.stringify(audit.data)).not.toContain(settings.clientSecret);
  });

  it("keeps the stored secret when an update omits it; requires one the first time", async () => {
    const { clientSecret: _, ...noSecret } = settings;
    await expectJson(call("/api/settings/sso", { method: "PUT", token: other.token, json: noSecret }), 400);
    const dto = await expectJson(
      call("/api/settings/sso", { method: "PUT", token: t.token, json: { ...noSecret, clientId: "echo-2" } }),
      200,
    );
    expect(dto).toMatchObject({ clientId: "echo-2", clientSecretHint: "••••ngth" });
  });

  it("refuses bad input without a change", async () => {
    for (const bad of [
      { ...settings, issuer: "ftp://idp.example.test" },
      { ...settings, issuer: "http://127.0.0.1:9/" },
      { ...settings, allowedDomains: [] },
      { ...settings, allowedDomains: ["not a domain"] },
      { ...settings, defaultRole: "owner" },
      { ...settings, extra: 1 },
    ])
      await expectJson(call("/api/settings/sso", { method: "PUT", token: t.token, json: bad }), 400);
    const dto = await expectJson(call("/api/settings/sso", { token: t.token }), 200);
    expect(dto.issuer).toBe(settings.issuer);
  });

  it("needs settings permissions: an agent can neither read nor write, an admin can", async () => {
    await expectJson(call("/api/settings/sso", { token: agent.token }), 403);
    await expectJson(call("/api/settings/sso", { method: "PUT", token: agent.token, json: settings }), 403);
    await expectJson(call("/api/settings/sso", { method: "DELETE", token: agent.token }), 403);
    await expectJson(call("/api/settings/sso", { token: admin.token }), 200);
  });

  it("another workspace's settings are neither visible nor usable", async () => {
    await expectJson(call("/api/settings/sso", { token: other.token }), 404);
    await expectJson(call("/api/settings/sso", { method: "DELETE", token: other.token }), 404);
    // starting a sign-in for a workspace without SSO: 404, though another workspace has it
    await expectJson(call(`/api/auth/sso/start?workspace=${other.tenantId}`, { redirect: "manual" }), 404);
    await expectJson(call(`/api/auth/sso/start?workspace=ten_nonexistent`, { redirect: "manual" }), 404);
  });

  it("refuses a callback whose state is missing, differs from the cookie, or was never issued (400)", async () => {
    const cb = (q: string, cookie?: string) =>
      call(`/api/auth/sso/callback?${q}`, cookie ? { headers: { cookie: `echo_sso_state=${cookie}` } } : {});
    await expectJson(cb("code=x"), 400);
    await expectJson(cb("code=x&state=abc"), 400);
    await expectJson(cb("code=x&state=abc", "xyz"), 400);
    await expectJson(cb("code=x&state=abc", "abc"), 400);
  });

  it("SSO required: members' password sign-in is refused, the owner's break-glass password works", async () => {
    await expectJson(
      call("/api/settings/sso", { method: "PUT", token: t.token, json: { ...settings, required: true } }),
      200,
    );
    const login = (email: string, password: string) =>
      call("/api/auth/login", {
        method: "POST",
        headers: { "cf-connecting-ip": "192.0.2.77" },
        json: { email, password, tenantId: t.tenantId },
      });
    const refused = await expectJson(login(agent.email, "another long password"), 403);
    expect(refused.detail).toMatch(/single sign-on/);
    await expectJson(login(admin.email, "another long password"), 403);
    const owner = await expectJson(login(t.email, t.password), 200);
    expect(owner.role).toBe("owner");
    // the other workspace is not affected by this one's setting
    await expectJson(
      call("/api/auth/login", {
        method: "POST",
        headers: { "cf-connecting-ip": "192.0.2.78" },
        json: { email: other.email, password: other.password },
      }),
      200,
    );
    // turned off: the member signs in with a password again
    await expectJson(
      call("/api/settings/sso", { method: "PUT", token: t.token, json: { ...settings, required: false } }),
      200,
    );
    await expectJson(login(agent.email, "another long password"), 200);
  });

  it("turning SSO required on signs members out (their refresh fails), keeps the owner's session, and audits it", async () => {
    const x = await makeTenant("Enforce");
    const invite = async (role: string) => {
      const email = `${role}-${crypto.randomUUID().slice(0, 8)}@example.test`;
      const inv = await expectJson(
        call("/api/team/invitations", { method: "POST", token: x.token, json: { email, role } }),
        201,
      );
      return { email, token: inv.token as string };
    };
    const member = await invite("agent");
    const s = await expectJson(
      call("/api/auth/accept-invitation", {
        method: "POST",
        json: { token: member.token, password: "another long password" },
      }),
      200,
    );
    const refresh = (refreshToken: string) => call("/api/auth/refresh", { method: "POST", json: { refreshToken } });
    // before the switch the member's session refreshes
    const r1 = await expectJson(refresh(s.refreshToken), 200);
    // saving without "required" signs no one out
    await expectJson(call("/api/settings/sso", { method: "PUT", token: x.token, json: settings }), 200);
    const r2 = await expectJson(refresh(r1.refreshToken), 200);
    await expectJson(
      call("/api/settings/sso", { method: "PUT", token: x.token, json: { ...settings, required: true } }),
      200,
    );
    await expectJson(refresh(r2.refreshToken), 401);
    const owner = await expectJson(refresh(x.refreshToken), 200);
    expect(owner.role).toBe("owner");
    const audit = await expectJson(call("/api/audit?action=settings.sso_changed", { token: x.token }), 200);
    expect(audit.data.filter((e: any) => e.metadata.membersSignedOut === true)).toHaveLength(1);

    // an invitation cannot be accepted with a password while SSO is required: 403, nothing changes
    const late = await invite("viewer");
    const refused = await expectJson(
      call("/api/auth/accept-invitation", {
        method: "POST",
        json: { token: late.token, password: "another long password" },
      }),
      403,
    );
    expect(refused.detail).toMatch(/single sign-on/);
    const members = await expectJson(call("/api/team/members", { token: x.token }), 200);
    expect(members.data.some((m: any) => m.email === late.email)).toBe(false);
    const user = await env.DB.prepare("SELECT count(*) AS n FROM users WHERE email = ?")
      .bind(late.email)
      .first<{ n: number }>();
    expect(user?.n).toBe(0);
    const open = await expectJson(call("/api/team/invitations", { token: x.token }), 200);
    expect(open.data.find((i: any) => i.email === late.email)?.acceptedAt ?? null).toBeNull();
    // an invitation as owner keeps the break-glass path
    const owner2 = await invite("owner");
    await expectJson(
      call("/api/auth/accept-invitation", {
        method: "POST",
        json: { token: owner2.token, password: "another long password" },
      }),
      200,
    );
  });

  it("deletes the settings and the sealed secret", async () => {
    const x = await makeTenant("Del");
    await expectJson(call("/api/settings/sso", { method: "PUT", token: x.token, json: settings }), 200);
    const res = await call("/api/settings/sso", { method: "DELETE", token: x.token });
    expect(res.status).toBe(204);
    await expectJson(call("/api/settings/sso", { token: x.token }), 404);
    const n = await env.DB.prepare("SELECT count(*) AS n FROM tenant_secrets WHERE tenant_id = ? AND name = 'sso_oidc'")
      .bind(x.tenantId)
      .first<{ n: number }>();
    expect(n?.n).toBe(0);
  });
});
