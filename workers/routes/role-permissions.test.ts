import { describe, expect, it } from "vitest";
import { newSession } from "../rooms/test-client";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Issue 18: every route checks one named permission from the one list, so a custom role works
 * everywhere. For each area a member whose custom role holds exactly permission X may use the X
 * route, and is refused (403) on the neighbouring route that needs another permission.
 */

type Req = { path: string; method?: string; json?: unknown };
type Case = { permission: string; allowed: Req; allowedStatus?: number; refused: Req; refusedNeeds: string };

const CASES: Case[] = [
  {
    permission: "knowledge:read",
    allowed: { path: "/api/knowledge/sources" },
    refused: { path: "/api/knowledge/sources/src_nope", method: "DELETE" },
    refusedNeeds: "knowledge:write",
  },
  {
    permission: "tickets:read",
    allowed: { path: "/api/tickets" },
    refused: { path: "/api/tickets", method: "POST", json: { subject: "x", conversationId: "conv_nope" } },
    refusedNeeds: "tickets:write",
  },
  {
    permission: "voice:read",
    allowed: { path: "/api/voice/integrations" },
    refused: { path: "/api/voice/integrations", method: "POST", json: { provider: "vapi", name: "x" } },
    refusedNeeds: "voice:write",
  },
  {
    permission: "settings:read",
    allowed: { path: "/api/privacy/settings" },
    refused: { path: "/api/privacy/settings", method: "PUT", json: { conversationRetentionDays: 30 } },
    refusedNeeds: "settings:write",
  },
  {
    permission: "settings:write",
    allowed: { path: "/api/privacy/settings", method: "PUT", json: { conversationRetentionDays: 30 } },
    refused: { path: "/api/billing" },
    refusedNeeds: "billing:read",
  },
  {
    permission: "keys:read",
    allowed: { path: "/api/keys" },
    refused: { path: "/api/keys", method: "POST", json: { name: "k", scopes: ["bots:read"] } },
    refusedNeeds: "keys:write",
  },
  {
    permission: "billing:read",
    allowed: { path: "/api/billing" },
    refused: { path: "/api/billing/settings", method: "PUT", json: {} },
    refusedNeeds: "billing:write",
  },
  {
    permission: "channels:read",
    allowed: { path: "/api/channels/email" },
    refused: { path: "/api/settings/providers/openai" },
    refusedNeeds: "settings:read",
  },
  {
    permission: "audit:read",
    allowed: { path: "/api/audit" },
    refused: { path: "/api/audit/export" },
    refusedNeeds: "audit:export",
  },
  {
    permission: "privacy:export",
    allowed: { path: "/api/privacy/export", method: "POST", json: { email: "nobody@example.test" } },
    // past the permission check: no such visitor
    allowedStatus: 404,
    refused: { path: "/api/privacy/erase", method: "POST", json: { email: "nobody@example.test" } },
    refusedNeeds: "privacy:write",
  },
  {
    permission: "roles:read",
    allowed: { path: "/api/permissions" },
    refused: { path: "/api/team/members" },
    refusedNeeds: "team:read",
  },
  {
    permission: "analytics:read",
    allowed: { path: "/api/analytics/summary" },
    refused: { path: "/api/conversations" },
    refusedNeeds: "conversations:read",
  },
];

/** Members are seats (the Free plan has 5), so a few members are given a new custom role per case. */
async function memberWithExactly(t: TestTenant, m: { userId: string; token: string }, permission: string) {
  const role = await expectJson(
    call("/api/roles", {
      method: "POST",
      token: t.token,
      json: { name: `Only ${permission} ${crypto.randomUUID().slice(0, 6)}`, permissions: [permission] },
    }),
    201,
  );
  await expectJson(
    call(`/api/team/members/${m.userId}`, { method: "PATCH", token: t.token, json: { role: role.id } }),
    200,
  );
  return m;
}

const send = (r: Req, token: string) =>
  call(r.path, { method: r.method ?? "GET", token, ...(r.json !== undefined ? { json: r.json } : {}) });

describe("a custom role is refused exactly where its permissions say, in every area", async () => {
  const t = await makeTenant("PermMatrix");
  const m = await addMember(t, "viewer");
  const other = await addMember(t, "viewer");

  for (const c of CASES)
    it(`${c.permission}: allowed on ${c.allowed.method ?? "GET"} ${c.allowed.path}, 403 on ${c.refused.method ?? "GET"} ${c.refused.path}`, async () => {
      await memberWithExactly(t, m, c.permission);
      const ok = await send(c.allowed, m.token);
      expect(ok.status, await ok.clone().text()).toBe(c.allowedStatus ?? 200);
      const refused = await expectJson(send(c.refused, m.token), 403);
      expect(refused.detail).toContain(c.refusedNeeds);
      // and the owner (who holds both) is not refused on the neighbouring route
      expect((await send(c.refused, t.token)).status).not.toBe(403);
    });

  it("tickets go to members whose role holds tickets:write, custom roles included", async () => {
    const worker = await memberWithExactly(t, m, "tickets:write");
    const reader = await memberWithExactly(t, other, "tickets:read");
    const s = await newSession(t);
    const ticket = await expectJson(
      call("/api/tickets", {
        method: "POST",
        token: t.token,
        json: { subject: "Assign me", conversationId: s.conversationId },
      }),
      201,
    );
    await expectJson(
      call(`/api/tickets/${ticket.id}`, { method: "PATCH", token: t.token, json: { assigneeId: worker.userId } }),
      200,
    );
    const refused = await expectJson(
      call(`/api/tickets/${ticket.id}`, { method: "PATCH", token: t.token, json: { assigneeId: reader.userId } }),
      400,
    );
    expect(JSON.stringify(refused)).toContain("tickets:write");
    // the member list says who may take tickets, so the dashboard offers exactly those
    const list = await expectJson(call("/api/team/members", { token: t.token }), 200);
    const may = (id: string) => list.data.find((x: any) => x.userId === id).canTakeTickets;
    expect([may(worker.userId), may(reader.userId), may(t.userId)]).toEqual([true, false, true]);
  });
});
