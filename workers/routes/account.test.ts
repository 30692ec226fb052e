import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { PAIR_MAX_ATTEMPTS } from "../domain/auth/limiter";
import { signAccessToken } from "../domain/auth/tokens";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/** Issue 22: a signed-in member sees and changes their own account, password and sessions. */

let ipCounter = 0;
/** Each test signs in from its own address so the password limiter's per-address pairs never meet. */
const freshIp = () => `203.0.113.${++ipCounter}`;

const login = (email: string, password: string, ip = freshIp(), tenantId?: string) =>
  call("/api/auth/login", {
    method: "POST",
    headers: { "cf-connecting-ip": ip },
    json: { email, password, ...(tenantId ? { tenantId } : {}) },
  });
const refresh = (refreshToken: string) => call("/api/auth/refresh", { method: "POST", json: { refreshToken } });
const changePassword = (token: string, json: unknown, ip = freshIp()) =>
  call("/api/account/password", { method: "POST", token, json, headers: { "cf-connecting-ip": ip } });
const userRow = (id: string) =>
  env.DB.prepare("select name, password_hash from users where id = ?").bind(id).first<{
    name: string | null;
    password_hash: string;
  }>();
const auditOf = async (t: TestTenant, action: string) =>
  (await expectJson<{ data: any[] }>(call(`/api/audit?action=${action}`, { token: t.token }), 200)).data;

describe("GET /api/account", () => {
  it("answers the signed-in account with its workspaces and that it has a password", async () => {
    const t = await makeTenant("Acct");
    const a = await expectJson(call("/api/account", { token: t.token }), 200);
    expect(a).toMatchObject({ id: t.userId, email: t.email, name: null, hasPassword: true });
    expect(a.workspaces).toEqual([{ id: t.tenantId, name: expect.stringContaining("Acct"), role: "owner" }]);
    expect(JSON.stringify(a)).not.toContain("pbkdf2");
  });

  it("refuses anonymous callers (401) and API keys (403): keys are not people", async () => {
    const t = await makeTenant();
    await expectJson(call("/api/account"), 401);
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "ci", scopes: ["bots:read"] } }),
      201,
    );
    const refused = await expectJson(call("/api/account", { token: k.secret }), 403);
    expect(refused.detail).toContain("API keys");
    await expectJson(call("/api/account", { method: "PATCH", json: { name: "x" } }), 401);
  });

  it("works for every role, a viewer included", async () => {
    const t = await makeTenant();
    const viewer = await addMember(t, "viewer");
    const a = await expectJson(call("/api/account", { token: viewer.token }), 200);
    expect(a).toMatchObject({ id: viewer.userId, email: viewer.email, workspaces: [{ role: "viewer" }] });
    const renamed = await expectJson(
      call("/api/account", { method: "PATCH", token: viewer.token, json: { name: "Vera Viewer" } }),
      200,
    );
    expect(renamed.name).toBe("Vera Viewer");
  });
});

describe("PATCH /api/account", () => {
  it("changes the name (trimmed) and the session's user shows it", async () => {
    const t = await makeTenant();
    const a = await expectJson(
      call("/api/account", { method: "PATCH", token: t.token, json: { name: "  Ada Lovelace  " } }),
      200,
    );
    expect(a).toMatchObject({ id: t.userId, name: "Ada Lovelace", email: t.email });
    expect((await userRow(t.userId))?.name).toBe("Ada Lovelace");
    const s = await expectJson(login(t.email, t.password), 200);
    expect(s.user.name).toBe("Ada Lovelace");
    // teammates see it too
    const members = await expectJson(call("/api/team/members", { token: t.token }), 200);
    expect(members.data.find((m: any) => m.userId === t.userId)?.name).toBe("Ada Lovelace");
  });

  it("refuses an empty, a too long or an unknown field with 400 and changes nothing", async () => {
    const t = await makeTenant();
    await expectJson(call("/api/account", { method: "PATCH", token: t.token, json: { name: "Kept Name" } }), 200);
    for (const json of [
      { name: "   " },
      { name: "x".repeat(201) },
      { name: "Ok", email: "x@y.test" },
      {},
      { name: 7 },
    ]) {
      const p = await expectJson(call("/api/account", { method: "PATCH", token: t.token, json }), 400);
      expect(p.code, JSON.stringify(json)).toBe("INVALID_REQUEST");
    }
    expect((await userRow(t.userId))?.name).toBe("Kept Name");
    // exactly 200 characters is fine
    const long = await expectJson(
      call("/api/account", { method: "PATCH", token: t.token, json: { name: "y".repeat(200) } }),
      200,
    );
    expect(long.name).toHaveLength(200);
  });
});

describe("POST /api/account/password", () => {
  it("changes the password: the new one signs in, the old one not, a fresh session works, the change is audited", async () => {
    const t = await makeTenant();
    const before = (await userRow(t.userId))?.password_hash;
    const s = await expectJson(
      changePassword(t.token, { currentPassword: t.password, newPassword: "a brand new passphrase" }),
      200,
    );
    expect(s).toMatchObject({ user: { id: t.userId }, tenant: { id: t.tenantId }, role: "owner" });
    expect((await userRow(t.userId))?.password_hash).not.toBe(before);
    await expectJson(login(t.email, t.password), 401);
    await expectJson(login(t.email, "a brand new passphrase"), 200);
    // the fresh session is usable at once, its access token and its refresh token
    await expectJson(call("/api/account", { token: s.accessToken }), 200);
    const rotated = await expectJson(refresh(s.refreshToken), 200);
    await expectJson(call("/api/bots", { token: rotated.accessToken }), 200);
    const entries = await auditOf({ ...t, token: rotated.accessToken }, "auth.password_changed");
    expect(entries).toHaveLength(1);
    expect(entries[0].actor).toEqual({ type: "user", id: t.userId });
  });

  it("signs every other session out, in every workspace: their refresh tokens and older access tokens fail", async () => {
    const t = await makeTenant("PwA");
    const other = await makeTenant("PwB");
    // t's owner joins the other workspace as an agent, and signs in there too (another device)
    const inv = await expectJson(
      call("/api/team/invitations", { method: "POST", token: other.token, json: { email: t.email, role: "agent" } }),
      201,
    );
    await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", token: t.token, json: { token: inv.token } }),
      200,
    );
    const phone = await expectJson(login(t.email, t.password), 200);
    const elsewhere = await expectJson(login(t.email, t.password, freshIp(), other.tenantId), 200);
    expect(elsewhere.tenant.id).toBe(other.tenantId);
    // an access token of another session, issued seconds before the change
    const older = await signAccessToken(
      env.APP_SECRET,
      { userId: t.userId, tenantId: t.tenantId, role: "owner" },
      Date.now() - 5_000,
    );
    await expectJson(call("/api/bots", { token: older }), 200);

    const s = await expectJson(
      changePassword(phone.accessToken, { currentPassword: t.password, newPassword: "another fine passphrase" }),
      200,
    );
    for (const rt of [t.refreshToken, elsewhere.refreshToken, phone.refreshToken]) await expectJson(refresh(rt), 401);
    await expectJson(call("/api/bots", { token: older }), 401);
    const sessions = await expectJson(call("/api/account/sessions", { token: s.accessToken }), 200);
    expect(sessions.data.map((x: any) => [x.workspace.id, x.current])).toEqual([[t.tenantId, true]]);
    // the other workspace's owner is not touched
    await expectJson(refresh(other.refreshToken), 200);
  });

  it("a wrong current password answers 403 naming the field and changes nothing", async () => {
    const t = await makeTenant();
    const before = (await userRow(t.userId))?.password_hash;
    const p = await expectJson(
      changePassword(t.token, { currentPassword: "not my password at all", newPassword: "attacker passphrase" }),
      403,
    );
    expect(p.detail).toMatch(/current password is not right/);
    expect(p.errors).toEqual([{ path: "currentPassword", message: expect.any(String) }]);
    expect((await userRow(t.userId))?.password_hash).toBe(before);
    await expectJson(refresh(t.refreshToken), 200);
    await expectJson(login(t.email, "attacker passphrase"), 401);
    await expectJson(login(t.email, t.password), 200);
    expect(await auditOf(t, "auth.password_change_failed")).toHaveLength(1);
    expect(await auditOf(t, "auth.password_changed")).toHaveLength(0);
  });

  it("goes through the login limiter: guesses from one address lock it, for sign-in too", async () => {
    const t = await makeTenant();
    const ip = freshIp();
    const statuses: number[] = [];
    for (let i = 0; i <= PAIR_MAX_ATTEMPTS; i++)
      statuses.push(
        (await changePassword(t.token, { currentPassword: `guess ${i}`, newPassword: "xx guessed xx" }, ip)).status,
      );
    expect(statuses).toEqual([...Array(PAIR_MAX_ATTEMPTS).fill(403), 429]);
    // even the right password is refused from that address now, here and at the sign-in form
    await expectJson(changePassword(t.token, { currentPassword: t.password, newPassword: "xx guessed xx" }, ip), 429);
    await expectJson(login(t.email, t.password, ip), 429);
    await expectJson(login(t.email, "xx guessed xx"), 401);
  });

  it("refuses a new password that breaks signup's rules, or equals the current one, with 400 and changes nothing", async () => {
    const t = await makeTenant();
    const before = (await userRow(t.userId))?.password_hash;
    const cases: [unknown, string][] = [
      [{ currentPassword: t.password, newPassword: "short" }, "newPassword"],
      [{ currentPassword: t.password, newPassword: "x".repeat(257) }, "newPassword"],
      [{ currentPassword: t.password, newPassword: t.password }, "newPassword"],
      [{ currentPassword: "", newPassword: "long enough passphrase" }, "currentPassword"],
      [{ newPassword: "long enough passphrase" }, "currentPassword"],
      [{ currentPassword: t.password, newPassword: "long enough passphrase", extra: 1 }, "(root)"],
    ];
    for (const [json, path] of cases) {
      const p = await expectJson(changePassword(t.token, json), 400);
      expect(
        p.errors.map((e: any) => e.path),
        JSON.stringify(json),
      ).toContain(path);
    }
    expect((await userRow(t.userId))?.password_hash).toBe(before);
    await expectJson(refresh(t.refreshToken), 200);
  });

  it("answers 403 in plain words for an account that signs in with SSO only", async () => {
    const t = await makeTenant();
    const viaSso = await expectJson(login(t.email, t.password), 200);
    await env.DB.prepare("update users set password_hash = 'sso-only' where id = ?").bind(t.userId).run();
    const a = await expectJson(call("/api/account", { token: t.token }), 200);
    expect(a.hasPassword).toBe(false);
    const p = await expectJson(
      changePassword(t.token, { currentPassword: "sso-only", newPassword: "a password of my own" }),
      403,
    );
    expect(p.detail).toBe("this account signs in with single sign-on and has no Echo password to change");
    expect((await userRow(t.userId))?.password_hash).toBe("sso-only");
    await expectJson(refresh(viaSso.refreshToken), 200);
  });
});

describe("account sessions", () => {
  it("lists the live sessions in every workspace, marks the caller's, and shows refreshes as use", async () => {
    const t = await makeTenant();
    const laptop = await expectJson(login(t.email, t.password), 200);
    const phone = await expectJson(login(t.email, t.password), 200);
    const list = await expectJson(call("/api/account/sessions", { token: phone.accessToken }), 200);
    // the signup session, the laptop and the phone
    expect(list.data).toHaveLength(3);
    const current = list.data.filter((x: any) => x.current);
    expect(current).toHaveLength(1);
    expect(phone.refreshToken.startsWith(`rt_${current[0].id.slice(4)}.`)).toBe(true);
    for (const x of list.data) {
      expect(x.workspace).toEqual({ id: t.tenantId, name: expect.any(String) });
      expect(Date.parse(x.lastUsedAt)).toBeGreaterThanOrEqual(Date.parse(x.createdAt));
      expect(Date.parse(x.expiresAt)).toBeGreaterThan(Date.now());
    }
    // a refresh keeps the same session (one family), not a new row
    const rotated = await expectJson(refresh(laptop.refreshToken), 200);
    const again = await expectJson(call("/api/account/sessions", { token: rotated.accessToken }), 200);
    expect(again.data.map((x: any) => x.id).sort()).toEqual(list.data.map((x: any) => x.id).sort());
    expect(again.data.find((x: any) => x.current).id).not.toBe(current[0].id);
    // signed out sessions are not listed
    await expectJson(call("/api/auth/logout", { method: "POST", json: { refreshToken: rotated.refreshToken } }), 204);
    const after = await expectJson(call("/api/account/sessions", { token: phone.accessToken }), 200);
    expect(after.data).toHaveLength(2);
  });

  it("signs one session out: its refresh token then fails, the others keep working, it is audited", async () => {
    const t = await makeTenant();
    const laptop = await expectJson(login(t.email, t.password), 200);
    const phone = await expectJson(login(t.email, t.password), 200);
    const list = await expectJson(call("/api/account/sessions", { token: laptop.accessToken }), 200);
    const target = list.data.find((x: any) => phone.refreshToken.startsWith(`rt_${x.id.slice(4)}.`));
    expect(target, JSON.stringify(list)).toBeTruthy();
    const res = await call(`/api/account/sessions/${target.id}`, { method: "DELETE", token: laptop.accessToken });
    expect(res.status, await res.text()).toBe(204);
    await expectJson(refresh(phone.refreshToken), 401);
    // its access token stops at once too (not when it expires); the caller's keeps working
    expect(await expectJson(call("/api/bots", { token: phone.accessToken }), 401)).toMatchObject({
      detail: "this session was signed out; sign in again",
    });
    await expectJson(call("/api/bots", { token: laptop.accessToken }), 200);
    const rest = await expectJson(call("/api/account/sessions", { token: laptop.accessToken }), 200);
    expect(rest.data.map((x: any) => x.id)).not.toContain(target.id);
    expect(rest.data).toHaveLength(2);
    await expectJson(refresh(laptop.refreshToken), 200);
    await expectJson(refresh(t.refreshToken), 200);
    // a second sign-out of the same session is 404: nothing live by that id
    await expectJson(call(`/api/account/sessions/${target.id}`, { method: "DELETE", token: laptop.accessToken }), 404);
    const entries = await auditOf(t, "auth.session_revoked");
    expect(entries.map((e: any) => e.metadata.sessionId)).toEqual([target.id]);
  });

  it("signs every other session out in one request, in every workspace, keeping the caller's and other people's", async () => {
    const t = await makeTenant();
    const second = await makeTenant();
    const mate = await addMember(t, "agent");
    const laptop = await expectJson(login(t.email, t.password), 200);
    const phone = await expectJson(login(t.email, t.password), 200);
    // the same person in the second workspace (invited there with the same email)
    const inv = await expectJson(
      call("/api/team/invitations", { method: "POST", token: second.token, json: { email: t.email, role: "admin" } }),
      201,
    );
    const there = await expectJson(
      call("/api/auth/accept-invitation", { method: "POST", token: laptop.accessToken, json: { token: inv.token } }),
      200,
    );
    expect((await expectJson(call("/api/account/sessions", { token: laptop.accessToken }), 200)).data.length).toBe(4);
    const r = await expectJson(call("/api/account/sessions", { method: "DELETE", token: laptop.accessToken }), 200);
    expect(r).toEqual({ signedOut: 3 });
    for (const rt of [phone.refreshToken, t.refreshToken, there.refreshToken]) await expectJson(refresh(rt), 401);
    for (const at of [phone.accessToken, t.token, there.accessToken])
      await expectJson(call("/api/bots", { token: at }), 401);
    await expectJson(call("/api/bots", { token: laptop.accessToken }), 200);
    const left = await expectJson(refresh(laptop.refreshToken), 200);
    const list = await expectJson(call("/api/account/sessions", { token: left.accessToken }), 200);
    expect(list.data).toEqual([expect.objectContaining({ current: true })]);
    // nobody else is touched: the teammate and the second workspace's owner keep their sessions
    await expectJson(refresh(second.refreshToken), 200);
    expect((await expectJson(call("/api/account/sessions", { token: mate.token }), 200)).data).toHaveLength(1);
    // again: nothing left to sign out, not an error
    expect(await expectJson(call("/api/account/sessions", { method: "DELETE", token: left.accessToken }), 200)).toEqual(
      {
        signedOut: 0,
      },
    );
    const entries = await auditOf({ ...t, token: left.accessToken }, "auth.session_revoked");
    expect(entries).toHaveLength(1);
    expect(entries[0].metadata).toMatchObject({ allOthers: true });
    expect(entries[0].metadata.sessionIds).toHaveLength(3);
    await expectJson(call("/api/account/sessions", { method: "DELETE" }), 401);
  });

  it("answers 404 for another person's session and leaves it alone; 400 for a malformed id", async () => {
    const t = await makeTenant();
    const teammate = await addMember(t, "admin");
    const stranger = await makeTenant();
    const theirs = await expectJson(call("/api/account/sessions", { token: stranger.token }), 200);
    const mateSessions = await expectJson(call("/api/account/sessions", { token: teammate.token }), 200);
    for (const id of [theirs.data[0].id, mateSessions.data[0].id]) {
      const p = await expectJson(call(`/api/account/sessions/${id}`, { method: "DELETE", token: t.token }), 404);
      expect(p.code).toBe("NOT_FOUND");
    }
    await expectJson(refresh(stranger.refreshToken), 200);
    expect((await expectJson(call("/api/account/sessions", { token: teammate.token }), 200)).data).toHaveLength(1);
    // nobody else's sessions leak into the list
    const mine = await expectJson(call("/api/account/sessions", { token: t.token }), 200);
    expect(mine.data.map((x: any) => x.id)).not.toContain(theirs.data[0].id);
    await expectJson(call("/api/account/sessions/usr_123", { method: "DELETE", token: t.token }), 400);
    await expectJson(call(`/api/account/sessions/${theirs.data[0].id}`, { method: "DELETE" }), 401);
  });
});
