import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Issue 18, dashboard side: every session response (login, refresh, switch, signup, invitation)
 * carries the member's effective permissions, so the dashboard hides what the role cannot do; and a
 * password session cannot switch into a workspace that requires SSO unless it is that workspace's owner.
 */
const sorted = (xs: readonly string[]) => [...xs].sort();
const PASSWORD = "another long password";

let ip = 0;
const login = (email: string, password: string, tenantId?: string) =>
  call("/api/auth/login", {
    method: "POST",
    headers: { "cf-connecting-ip": `192.0.2.${(++ip % 200) + 20}` },
    json: { email, password, ...(tenantId ? { tenantId } : {}) },
  });
const refresh = (refreshToken: string) => call("/api/auth/refresh", { method: "POST", json: { refreshToken } });

async function templates(t: TestTenant): Promise<Record<string, string[]>> {
  return (await expectJson(call("/api/permissions", { token: t.token }), 200)).roles;
}

describe("session permissions", async () => {
  const t = await makeTenant("Perms");
  const member = await addMember(t, "agent");

  it("built-in roles: the session's permissions are the role's template", async () => {
    const roles = await templates(t);
    const owner = await expectJson(login(t.email, t.password), 200);
    expect(owner.role).toBe("owner");
    expect(sorted(owner.permissions)).toEqual(sorted(roles.owner!));
    const agent = await expectJson(login(member.email, PASSWORD), 200);
    expect(agent.role).toBe("agent");
    expect(sorted(agent.permissions)).toEqual(sorted(roles.agent!));
    expect(agent.permissions).not.toContain("billing:read");
    const viewer = await addMember(t, "viewer");
    const v = await expectJson(login(viewer.email, PASSWORD), 200);
    expect(sorted(v.permissions)).toEqual(sorted(roles.viewer!));
    expect(v.permissions).not.toContain("replies:write");
  });

  it("a custom role: exactly its permissions, kept current on refresh when the role or membership changes", async () => {
    const role = await expectJson(
      call("/api/roles", {
        method: "POST",
        token: t.token,
        json: { name: "Replier", permissions: ["conversations:read", "replies:write"] },
      }),
      201,
    );
    await expectJson(
      call(`/api/team/members/${member.userId}`, { method: "PATCH", token: t.token, json: { role: role.id } }),
      200,
    );
    const s = await expectJson(login(member.email, PASSWORD), 200);
    expect(s.role).toBe(role.id);
    expect(sorted(s.permissions)).toEqual(["conversations:read", "replies:write"]);

    // the role gains notes:write: the next refresh says so
    await expectJson(
      call(`/api/roles/${role.id}`, {
        method: "PATCH",
        token: t.token,
        json: { permissions: ["conversations:read", "replies:write", "notes:write"] },
      }),
      200,
    );
    const r1 = await expectJson(refresh(s.refreshToken), 200);
    expect(sorted(r1.permissions)).toEqual(["conversations:read", "notes:write", "replies:write"]);

    // the member is made a viewer: they stay signed in, their next request already acts as a
    // viewer, and the next refresh carries the viewer template, not the custom role's
    await expectJson(
      call(`/api/team/members/${member.userId}`, { method: "PATCH", token: t.token, json: { role: "viewer" } }),
      200,
    );
    await expectJson(call("/api/conversations/conv_nope/draft", { method: "POST", token: r1.accessToken }), 403);
    const v = await expectJson(refresh(r1.refreshToken), 200);
    expect(v.role).toBe("viewer");
    expect(sorted(v.permissions)).toEqual(sorted((await templates(t)).viewer!));

    // back on the custom role; once the role is deleted it grants nothing
    await expectJson(
      call(`/api/team/members/${member.userId}`, { method: "PATCH", token: t.token, json: { role: role.id } }),
      200,
    );
    const r3 = await expectJson(login(member.email, PASSWORD), 200);
    expect(r3.permissions).toHaveLength(3);
    const del = await call(`/api/roles/${role.id}`, { method: "DELETE", token: t.token });
    expect(del.status).toBe(204);
    const r4 = await expectJson(refresh(r3.refreshToken), 200);
    expect(r4.permissions).toEqual([]);
  });
});

describe("switching workspaces: permissions and SSO-required", async () => {
  const home = await makeTenant("Home");
  const sso = await makeTenant("SsoRequired");
  // home's owner is an agent in `sso`; sso's owner is a viewer in `home`
  for (const [owner, guest, role] of [
    [sso, home, "agent"],
    [home, sso, "viewer"],
  ] as const) {
    const inv = await expectJson(
      call("/api/team/invitations", { method: "POST", token: owner.token, json: { email: guest.email, role } }),
      201,
    );
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", token: guest.token, json: { token: inv.token } }),
      200,
    );
  }
  const settings = {
    issuer: "https://idp.example.test",
    clientId: "echo-client",
    clientSecret: "a-client-secret-of-some-length",
    allowedDomains: ["example.test"],
    defaultRole: "agent",
  };
  const switchTo = (token: string, tenantId: string) =>
    call("/api/auth/switch", { method: "POST", token, json: { tenantId } });

  it("the switched session carries the permissions held in the other workspace", async () => {
    const roles = await templates(home);
    const s = await expectJson(switchTo(home.token, sso.tenantId), 200);
    expect(s).toMatchObject({ tenant: { id: sso.tenantId }, role: "agent" });
    expect(sorted(s.permissions)).toEqual(sorted(roles.agent!));
    const back = await expectJson(switchTo(s.accessToken, home.tenantId), 200);
    expect(back.role).toBe("owner");
    expect(sorted(back.permissions)).toEqual(sorted(roles.owner!));
  });

  it("SSO required: a non-owner's password session cannot switch in; the owner's break-glass can", async () => {
    await expectJson(
      call("/api/settings/sso", { method: "PUT", token: sso.token, json: { ...settings, required: true } }),
      200,
    );
    const before = await expectJson(call("/api/audit?action=auth.sign_in", { token: sso.token }), 200);
    const refused = await expectJson(switchTo(home.token, sso.tenantId), 403);
    expect(refused.detail).toMatch(/single sign-on/);
    expect(refused.accessToken).toBeUndefined();
    // nothing was written: no sign-in audited in the SSO workspace
    const after = await expectJson(call("/api/audit?action=auth.sign_in", { token: sso.token }), 200);
    expect(after.data).toHaveLength(before.data.length);
    // nor by naming the workspace at password login
    await expectJson(login(home.email, home.password, sso.tenantId), 403);

    // the SSO workspace's owner is in `home` as a viewer; from there it switches back as owner
    const inHome = await expectJson(login(sso.email, sso.password, home.tenantId), 200);
    expect(inHome.role).toBe("viewer");
    const owner = await expectJson(switchTo(inHome.accessToken, sso.tenantId), 200);
    expect(owner).toMatchObject({ tenant: { id: sso.tenantId }, role: "owner" });

    // a custom role is not an owner either
    const role = await expectJson(
      call("/api/roles", {
        method: "POST",
        token: sso.token,
        json: { name: "Almost everything", permissions: (await templates(sso)).admin! },
      }),
      201,
    );
    await expectJson(
      call(`/api/team/members/${home.userId}`, { method: "PATCH", token: sso.token, json: { role: role.id } }),
      200,
    );
    await expectJson(switchTo(home.token, sso.tenantId), 403);

    // SSO no longer required: the member switches in again, with the custom role's permissions
    await expectJson(
      call("/api/settings/sso", { method: "PUT", token: sso.token, json: { ...settings, required: false } }),
      200,
    );
    const s = await expectJson(switchTo(home.token, sso.tenantId), 200);
    expect(s.role).toBe(role.id);
    expect(sorted(s.permissions)).toEqual(sorted((await templates(sso)).admin!));
  });
});
