import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Table-driven tenant isolation: tenant B's owner (every permission) tries to read, change or
 * delete each of tenant A's resources by id. Every attempt must answer 404 (like a missing id) and
 * A's rows must be byte-for-byte unchanged afterwards.
 */
type Fixture = { a: TestTenant; keyId: string; memberId: string; invitationId: string };
/** `peopleOnly`: keys and team are managed by signed-in people only, so a key gets 403 before any lookup. */
type Case = { name: string; method: string; path: (f: Fixture) => string; json?: unknown; peopleOnly?: true };

const CASES: Case[] = [
  { name: "read bot", method: "GET", path: (f) => `/api/bots/${f.a.botId}` },
  { name: "update bot", method: "PATCH", path: (f) => `/api/bots/${f.a.botId}`, json: { name: "pwned" } },
  { name: "read bot secret", method: "GET", path: (f) => `/api/bots/${f.a.botId}/secret` },
  { name: "delete bot", method: "DELETE", path: (f) => `/api/bots/${f.a.botId}` },
  { name: "revoke key", method: "DELETE", path: (f) => `/api/keys/${f.keyId}`, peopleOnly: true },
  {
    name: "change member role",
    method: "PATCH",
    path: (f) => `/api/team/members/${f.memberId}`,
    json: { role: "viewer" },
    peopleOnly: true,
  },
  { name: "remove member", method: "DELETE", path: (f) => `/api/team/members/${f.memberId}`, peopleOnly: true },
  {
    name: "revoke invitation",
    method: "DELETE",
    path: (f) => `/api/team/invitations/${f.invitationId}`,
    peopleOnly: true,
  },
];

async function snapshot(tenantId: string) {
  const tables = ["bots", "api_keys", "memberships", "invitations"];
  const out: Record<string, unknown> = {};
  for (const t of tables)
    out[t] = (await env.DB.prepare(`select * from ${t} where tenant_id = ? order by 1`).bind(tenantId).all()).results;
  return out;
}

describe("tenant isolation", async () => {
  const a = await makeTenant("Alpha");
  const b = await makeTenant("Beta");
  const key = await expectJson(
    call("/api/keys", { method: "POST", token: a.token, json: { name: "a-key", scopes: ["bots:read"] } }),
    201,
  );
  const member = await addMember(a, "agent");
  const inv = await expectJson(
    call("/api/team/invitations", {
      method: "POST",
      token: a.token,
      json: { email: "pending@example.test", role: "agent" },
    }),
    201,
  );
  const f: Fixture = { a, keyId: key.id, memberId: member.userId, invitationId: inv.id };
  const bKey = await expectJson(
    call("/api/keys", {
      method: "POST",
      token: b.token,
      json: { name: "b-all", scopes: ["bots:read", "bots:write", "keys:read", "team:read"] },
    }),
    201,
  );

  for (const principal of ["owner token", "api key"] as const) {
    it.each(CASES)(`$name with another tenant's ${principal} answers 404 and changes nothing`, async (c) => {
      const before = await snapshot(a.tenantId);
      const res = await call(c.path(f), {
        method: c.method,
        token: principal === "owner token" ? b.token : bKey.secret,
        json: c.json,
      });
      const body = await res.text();
      const refused = principal === "api key" && c.peopleOnly ? { 403: "FORBIDDEN" } : { 404: "NOT_FOUND" };
      const [status, code] = Object.entries(refused)[0]!;
      expect(res.status, body).toBe(Number(status));
      expect(JSON.parse(body)).toMatchObject({ code });
      expect(await snapshot(a.tenantId)).toEqual(before);
    });
  }

  it("lists only the caller's own bots, keys and members", async () => {
    const bots = await expectJson(call("/api/bots", { token: b.token }), 200);
    expect(bots.data.map((x: { id: string }) => x.id)).not.toContain(a.botId);
    const keys = await expectJson(call("/api/keys", { token: b.token }), 200);
    expect(keys.data.map((x: { id: string }) => x.id)).not.toContain(key.id);
    const members = await expectJson(call("/api/team/members", { token: b.token }), 200);
    expect(members.data.map((x: { userId: string }) => x.userId)).not.toContain(member.userId);
  });
});
