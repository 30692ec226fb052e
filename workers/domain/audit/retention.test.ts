import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { runAuditRetention } from "../../scheduled";
import { call, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";

const DAY = 24 * 3600 * 1000;

/** An entry dated `daysAgo` (written straight to D1: the API only appends entries dated now). */
async function entry(t: TestTenant, daysAgo: number) {
  const id = `aud_test_${crypto.randomUUID()}`;
  await env.DB.prepare(
    `INSERT INTO audit_log (id, tenant_id, action, actor_type, actor_id, targets, metadata, at)
     VALUES (?, ?, 'key.created', 'user', ?, '[]', ?, ?)`,
  )
    .bind(id, t.tenantId, t.userId, JSON.stringify({ daysAgo }), Date.now() - daysAgo * DAY)
    .run();
  return id;
}

async function onPlan(t: TestTenant, plan: string) {
  await env.DB.prepare(
    `INSERT INTO billing_accounts (tenant_id, plan, status, stripe_customer_id, stripe_subscription_id, period_end, updated_at)
     VALUES (?, ?, 'active', ?, ?, ?, ?)`,
  )
    .bind(t.tenantId, plan, `cus_${t.tenantId}`, `sub_${t.tenantId}`, Date.now() + 20 * DAY, Date.now())
    .run();
}

const ids = async (t: TestTenant) =>
  (await expectJson(call("/api/audit?action=key.created&limit=100", { token: t.token }), 200)).data
    .map((e: { metadata: { daysAgo?: number } }) => e.metadata.daysAgo)
    .filter((d: number | undefined) => d !== undefined);

describe("audit log retention by plan", () => {
  it("the hourly sweep deletes entries past the plan's window (Free 90, Pro 365, Enterprise 2,555 days) and keeps the rest", async () => {
    const free = await makeTenant("AuditFree");
    const pro = await makeTenant("AuditPro");
    const ent = await makeTenant("AuditEnt");
    await onPlan(pro, "pro");
    await onPlan(ent, "enterprise");
    for (const d of [1, 89, 91, 400]) await entry(free, d);
    // a real entry, appended by the API just now
    const key = await expectJson(
      call("/api/keys", { method: "POST", token: free.token, json: { name: "kept", scopes: ["team:read"] } }),
      201,
    );
    for (const d of [1, 91, 364, 366, 400]) await entry(pro, d);
    for (const d of [1, 400, 2554, 2556]) await entry(ent, d);

    await runAuditRetention(env);

    expect((await ids(free)).sort((a: number, b: number) => a - b)).toEqual([1, 89]);
    expect((await ids(pro)).sort((a: number, b: number) => a - b)).toEqual([1, 91, 364]);
    expect((await ids(ent)).sort((a: number, b: number) => a - b)).toEqual([1, 400, 2554]);
    // the real, recent entry is untouched
    const all = await expectJson(call("/api/audit?action=key.created", { token: free.token }), 200);
    expect(all.data.some((e: { targets: { id: string }[] }) => e.targets.some((x) => x.id === key.id))).toBe(true);
    // a second sweep finds nothing more to delete
    await runAuditRetention(env);
    expect((await ids(pro)).length).toBe(3);
  });

  it("a cancelled subscription past its period falls back to the default plan's window", async () => {
    const lapsed = await makeTenant("AuditLapsed");
    await env.DB.prepare(
      `INSERT INTO billing_accounts (tenant_id, plan, status, period_end, updated_at) VALUES (?, 'enterprise', 'canceled', ?, ?)`,
    )
      .bind(lapsed.tenantId, Date.now() - DAY, Date.now())
      .run();
    for (const d of [10, 200]) await entry(lapsed, d);
    await runAuditRetention(env);
    expect(await ids(lapsed)).toEqual([10]);
  });
});
