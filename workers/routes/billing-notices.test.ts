import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { afterUsage } from "../domain/billing/notices";
import { periodOf } from "../domain/billing/plans";
import { recordUsage } from "../domain/billing/usage";
import { hubStub } from "../rooms/tenant-hub";
import { joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * 80 % and 100 % quota notices (issue 15): admins are told once per period and threshold — a
 * `billing.quota` hub event and a mail through the mail port (the outbox locally) — whichever path
 * counted the answer (the room's flush, /v1, drafts), and a replayed usage record sends nothing.
 */

const month = () => periodOf(Date.now());
type Mail = { to: string; subject: string };

async function useAnswers(tenantId: string, botId: string, n: number) {
  await env.DB.prepare(
    `INSERT INTO usage_counters (tenant_id, period, metric, bot_id, quantity, cost_micros) VALUES (?, ?, 'ai_answers', ?, ?, 0)
     ON CONFLICT (tenant_id, period, metric, bot_id) DO UPDATE SET quantity = excluded.quantity`,
  )
    .bind(tenantId, month(), botId, n)
    .run();
}

const quotaMails = async (t: TestTenant) =>
  (await expectJson<{ data: Mail[] }>(call("/api/outbox", { token: t.token }), 200)).data.filter((m) =>
    /quota/i.test(m.subject),
  );
const quotaEvents = async (t: TestTenant) =>
  (await hubStub(env.TENANT_HUB, t.tenantId).recent(t.tenantId)).filter((e) => e.type === "billing.quota");
const ctxOf = (t: TestTenant) => ({ ...requestCtx(env, "req_test", "http://echo.test"), tenantId: t.tenantId });
const usage = (t: TestTenant, eventId: string) => ({
  tenantId: t.tenantId,
  eventId,
  metric: "ai_answers" as const,
  botId: t.botId,
  quantity: 1,
  at: Date.now(),
});

describe("quota notices at 80 % and 100 %", () => {
  it("tells owners and admins once at 80 %, once at 100 %; a replayed record and a re-run send nothing", async () => {
    const t = await makeTenant("Notices");
    const admin = await addMember(t, "admin");
    const agent = await addMember(t, "agent");
    await useAnswers(t.tenantId, t.botId, 78);
    const ctx = ctxOf(t);
    await recordUsage(ctx, usage(t, "msg_79"));
    expect(await afterUsage(ctx)).toMatchObject({ notices: [] });
    expect(await quotaMails(t)).toEqual([]);
    // the 80th answer crosses 80 % of Free's 100
    await recordUsage(ctx, usage(t, "msg_80"));
    expect((await afterUsage(ctx)).notices).toEqual([80]);
    let mails = await quotaMails(t);
    expect(mails.map((m) => m.to).sort()).toEqual([admin.email, t.email].sort());
    expect(mails.every((m) => m.subject.includes("80% of your quota used: AI answers"))).toBe(true);
    expect(mails.some((m) => m.to === agent.email)).toBe(false);
    expect(await quotaEvents(t)).toMatchObject([
      { type: "billing.quota", threshold: 80, used: 80, limit: 100, plan: "free", period: month() },
    ]);
    // the same record replayed, and the step run again: nothing more
    await recordUsage(ctx, usage(t, "msg_80"));
    expect((await afterUsage(ctx)).notices).toEqual([]);
    await recordUsage(ctx, usage(t, "msg_81"));
    expect((await afterUsage(ctx)).notices).toEqual([]);
    expect(await quotaMails(t)).toHaveLength(2);
    // 100 %: one more notice each
    await useAnswers(t.tenantId, t.botId, 99);
    await recordUsage(ctx, usage(t, "msg_100"));
    const [a, b] = await Promise.all([afterUsage(ctx), afterUsage(ctx)]);
    expect([...a.notices, ...b.notices]).toEqual([100]);
    mails = await quotaMails(t);
    expect(mails).toHaveLength(4);
    expect(mails.filter((m) => m.subject.includes("Quota reached"))).toHaveLength(2);
    expect((await quotaEvents(t)).map((e) => (e as { threshold: number }).threshold)).toEqual([80, 100]);
    // another tenant's usage tells nobody here
    const other = await makeTenant("Quiet");
    await recordUsage(ctxOf(other), usage(other, "msg_1"));
    expect((await afterUsage(ctxOf(other))).notices).toEqual([]);
    expect(await quotaMails(other)).toEqual([]);
  });

  it("warns again for a new limit in the same month: Free's 80 % and 100 % sent, then Pro's at 4,000 and 5,000", async () => {
    const t = await makeTenant("Upgraded");
    const ctx = ctxOf(t);
    for (const [before, id, notice] of [
      [79, "msg_80", 80],
      [99, "msg_100", 100],
    ] as const) {
      await useAnswers(t.tenantId, t.botId, before);
      await recordUsage(ctx, usage(t, id));
      expect((await afterUsage(ctx)).notices).toEqual([notice]);
    }
    // upgraded to Pro in the same month (a row with status none grants a plan without Stripe)
    await env.DB.prepare(
      `INSERT INTO billing_accounts (tenant_id, plan, status, updated_at) VALUES (?, 'pro', 'none', ?)`,
    )
      .bind(t.tenantId, Date.now())
      .run();
    await recordUsage(ctx, usage(t, "msg_101"));
    expect((await afterUsage(ctx)).notices, "101 of 5,000 crosses nothing").toEqual([]);
    await useAnswers(t.tenantId, t.botId, 3999);
    await recordUsage(ctx, usage(t, "msg_4000"));
    expect((await afterUsage(ctx)).notices).toEqual([80]);
    await recordUsage(ctx, usage(t, "msg_4001"));
    expect((await afterUsage(ctx)).notices, "once per limit").toEqual([]);
    await useAnswers(t.tenantId, t.botId, 4999);
    await recordUsage(ctx, usage(t, "msg_5000"));
    expect((await afterUsage(ctx)).notices).toEqual([100]);
    expect(
      (await quotaEvents(t)).map((e) => {
        const q = e as { threshold: number; limit: number; plan: string };
        return [q.threshold, q.limit, q.plan];
      }),
    ).toEqual([
      [80, 100, "free"],
      [100, 100, "free"],
      [80, 5000, "pro"],
      [100, 5000, "pro"],
    ]);
    expect((await quotaMails(t)).map((m) => m.subject.replace(/^\[[^\]]*\] /, "")).sort()).toEqual([
      "80% of your quota used: AI answers",
      "80% of your quota used: AI answers",
      "Quota reached: AI answers",
      "Quota reached: AI answers",
    ]);
  });

  it("an unlimited plan never notices", async () => {
    const t = await makeTenant("Unlimited");
    await env.DB.prepare(
      `INSERT INTO billing_accounts (tenant_id, plan, status, updated_at) VALUES (?, 'enterprise', 'none', ?)`,
    )
      .bind(t.tenantId, Date.now())
      .run();
    await useAnswers(t.tenantId, t.botId, 10_000);
    expect((await afterUsage(ctxOf(t))).notices).toEqual([]);
  });

  it("notices from the room's flush, once, when a chat answer crosses 80 %", async () => {
    const t = await makeTenant("Room");
    await useAnswers(t.tenantId, t.botId, 79);
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    const mails = await eventually(
      () => quotaMails(t),
      (m) => m.length >= 1,
    );
    expect(mails.map((m) => m.to)).toEqual([t.email]);
    v.send({ type: "msg", cid: "c2", text: "Thanks, one more thing please" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai" && f.seq === 4);
    await eventually(
      () => expectJson(call("/api/billing/usage", { token: t.token }), 200),
      (u) => u.totals.aiAnswers >= 81,
    );
    expect(await quotaMails(t)).toHaveLength(1);
    expect(await quotaEvents(t)).toHaveLength(1);
    v.close();
  });

  it("notices from /v1 when a completion crosses 100 %", async () => {
    const t = await makeTenant("Api");
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "llm", scopes: ["chat:completions"] } }),
      201,
    );
    await useAnswers(t.tenantId, t.botId, 99);
    await expectJson(
      call("/v1/chat/completions", {
        method: "POST",
        headers: { authorization: `Bearer ${k.secret}` },
        json: { model: t.botId, messages: [{ role: "user", content: "Hello there" }] },
      }),
      200,
    );
    // 80 % was never noticed (the counter was set past it): one notice, "quota reached", not a late
    // 80 % warning as well; the 80 % is claimed with it, so no later record sends it
    expect((await quotaEvents(t)).map((e) => (e as { threshold: number }).threshold)).toEqual([100]);
    const mails = await quotaMails(t);
    expect(mails.map((m) => m.subject.replace(/^\[[^\]]*\] /, ""))).toEqual(["Quota reached: AI answers"]);
    expect((await afterUsage(ctxOf(t))).notices).toEqual([]);
    expect(await quotaMails(t)).toHaveLength(1);
  });
});
