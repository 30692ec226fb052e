import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

type Entry = {
  id: string;
  action: string;
  actor: { type: string; id: string };
  targets: { type: string; id: string }[];
  at: string;
  ip: string | null;
  userAgent: string | null;
  requestId: string | null;
  metadata: Record<string, unknown>;
};
type Page = { data: Entry[]; nextCursor: string | null };

const auditOf = (token: string, q = "") => expectJson<Page>(call(`/api/audit${q}`, { token }), 200);

describe("audit log", async () => {
  const t = await makeTenant();
  const other = await makeTenant("Other");
  const viewer = await addMember(t, "viewer");
  const agent = await addMember(t, "agent");
  const admin = await addMember(t, "admin");

  const ip = "203.0.113.7";
  await expectJson(
    call("/api/auth/login", {
      method: "POST",
      headers: { "cf-connecting-ip": ip, "user-agent": "audit-test/1.0" },
      json: { email: t.email, password: "wrong password here" },
    }),
    401,
  );
  await expectJson(
    call("/api/auth/login", {
      method: "POST",
      headers: { "cf-connecting-ip": ip, "user-agent": "audit-test/1.0" },
      json: { email: t.email, password: t.password },
    }),
    200,
  );
  // an unknown address belongs to no workspace: nothing is recorded
  await expectJson(
    call("/api/auth/login", { method: "POST", json: { email: "nobody@example.test", password: "whatever it is" } }),
    401,
  );
  await expectJson(
    call(`/api/team/members/${agent.userId}`, { method: "PATCH", token: t.token, json: { role: "viewer" } }),
    200,
  );
  const removed = await call(`/api/team/members/${viewer.userId}`, { method: "DELETE", token: t.token });
  expect(removed.status).toBe(204);
  const key = await expectJson(
    call("/api/keys", { method: "POST", token: t.token, json: { name: "ci", scopes: ["bots:read"] } }),
    201,
  );
  await expectJson(call(`/api/keys/${key.id}`, { method: "DELETE", token: t.token }), 200);
  await expectJson(call(`/api/bots/${t.botId}/secret`, { token: t.token }), 200);
  await expectJson(
    call("/api/triage/sla", {
      method: "PATCH",
      token: t.token,
      json: { low: { firstResponseMinutes: 30, resolutionMinutes: 600 } },
    }),
    200,
  );
  await expectJson(call(`/api/bots/${t.botId}`, { method: "PATCH", token: t.token, json: { name: "Renamed" } }), 200);

  it("records each security-relevant action once, with actor, target, ip and request id", async () => {
    const { data } = await auditOf(t.token, "?limit=200");
    const count = (action: string) => data.filter((e) => e.action === action).length;
    expect(count("auth.sign_in_failed"), JSON.stringify(data)).toBe(1);
    expect(count("member.invited")).toBe(3);
    expect(count("member.joined")).toBe(3);
    expect(count("member.role_changed")).toBe(1);
    expect(count("member.removed")).toBe(1);
    expect(count("key.created")).toBe(1);
    expect(count("key.revoked")).toBe(1);
    expect(count("bot.secret_revealed")).toBe(1);
    expect(count("bot.updated")).toBe(1);
    expect(count("settings.sla_changed")).toBe(1);

    const failed = data.find((e) => e.action === "auth.sign_in_failed")!;
    expect(failed).toMatchObject({ actor: { type: "user", id: t.userId }, ip, userAgent: "audit-test/1.0" });
    const signIn = data.find((e) => e.action === "auth.sign_in" && e.ip === ip)!;
    expect(signIn.targets).toEqual([{ type: "user", id: t.userId }]);
    const role = data.find((e) => e.action === "member.role_changed")!;
    expect(role).toMatchObject({
      actor: { type: "user", id: t.userId },
      targets: [{ type: "member", id: agent.userId }],
      metadata: { role: "viewer" },
    });
    expect(role.requestId).toMatch(/^req_/);
    const created = data.find((e) => e.action === "key.created")!;
    expect(created.metadata).toEqual({ name: "ci", scopes: ["bots:read"] });
    expect(JSON.stringify(created)).not.toContain("sk_");
    // newest first
    const ids = data.map((e) => e.id);
    expect([...ids].sort().reverse()).toEqual(ids);
  });

  it("filters by action, actor and time, and pages with a cursor", async () => {
    const keys = await auditOf(t.token, "?action=key.created");
    expect(keys.data.map((e) => e.action)).toEqual(["key.created"]);
    const byAdmin = await auditOf(t.token, `?actor=${admin.userId}`);
    expect(byAdmin.data.length).toBeGreaterThan(0);
    expect(byAdmin.data.every((e) => e.actor.id === admin.userId)).toBe(true);
    const future = await auditOf(t.token, `?from=${encodeURIComponent(new Date(Date.now() + 60_000).toISOString())}`);
    expect(future.data).toEqual([]);
    const all = await auditOf(t.token, "?limit=200");
    const first = await auditOf(t.token, "?limit=3");
    expect(first.data).toHaveLength(3);
    const second = await auditOf(t.token, `?limit=3&cursor=${first.nextCursor}`);
    expect([...first.data, ...second.data].map((e) => e.id)).toEqual(all.data.slice(0, 6).map((e) => e.id));
  });

  it("is readable by owners and admins only", async () => {
    await auditOf(admin.token);
    const forAgent = await call("/api/audit", { token: agent.token });
    expect(forAgent.status, await forAgent.text()).toBe(403);
    const anonymous = await call("/api/audit");
    expect(anonymous.status).toBe(401);
  });

  it("never shows another tenant's entries", async () => {
    const mine = await auditOf(t.token, "?limit=200");
    const theirs = await auditOf(other.token, "?limit=200");
    const mineIds = new Set(mine.data.map((e) => e.id));
    expect(theirs.data.some((e) => mineIds.has(e.id))).toBe(false);
    expect(JSON.stringify(theirs.data)).not.toContain(t.userId);
    const rows = await env.DB.prepare(
      "select distinct tenant_id from audit_log where id in (select id from audit_log where actor_id = ?)",
    )
      .bind(t.userId)
      .all();
    expect(rows.results).toEqual([{ tenant_id: t.tenantId }]);
  });

  it("refuses bad filters with a problem and has no write route", async () => {
    const bad = await call("/api/audit?action=made.up", { token: t.token });
    expect(bad.status).toBe(400);
    expect(bad.headers.get("content-type")).toContain("application/problem+json");
    const del = await call("/api/audit", { method: "DELETE", token: t.token });
    expect(del.status).toBe(404);
  });

  it("exports the filtered log as CSV (formula cells defused) or JSON", async () => {
    const csv = await call("/api/audit/export?action=auth.sign_in_failed", { token: t.token });
    expect(csv.status).toBe(200);
    expect(csv.headers.get("content-type")).toContain("text/csv");
    const lines = (await csv.text()).trim().split("\r\n");
    expect(lines[0]).toBe("id,at,action,actorType,actorId,targets,ip,userAgent,requestId,metadata");
    expect(lines).toHaveLength(2);
    expect(lines[1]).toContain(`auth.sign_in_failed,user,${t.userId},user:${t.userId},${ip},audit-test/1.0`);
    const json = await expectJson(call("/api/audit/export?format=json&action=key.created", { token: t.token }), 200);
    expect(json.map((e: Entry) => e.action)).toEqual(["key.created"]);
    expect((await call("/api/audit/export", { token: agent.token })).status).toBe(403);
  });

  it("is append-only in the database: an UPDATE is refused", async () => {
    await expect(
      env.DB.prepare("update audit_log set action = 'x' where tenant_id = ?").bind(t.tenantId).run(),
    ).rejects.toThrow(/append-only/);
  });
});

describe("GET /api/permissions", async () => {
  const t = await makeTenant();
  it("lists every permission and what each built-in role holds", async () => {
    const p = await expectJson(call("/api/permissions", { token: t.token }), 200);
    expect(p.data).toEqual(expect.arrayContaining(["audit:read", "privacy:write", "bots:read"]));
    expect(p.roles.admin).toEqual(expect.arrayContaining(["audit:read", "privacy:write"]));
    expect(p.roles.agent).not.toContain("audit:read");
    expect(p.roles.viewer).not.toContain("privacy:write");
    expect((await call("/api/permissions")).status).toBe(401);
  });
});
