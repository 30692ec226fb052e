import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { recordUsage } from "../domain/billing/usage";
import { periodOf } from "../domain/billing/plans";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { createDb } from "../storage/db";
import { reposOf } from "../storage/repos";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";

/**
 * Billing without Stripe (the embedded mode every test and `npm start` run in): plans, usage
 * counted once per event id, quotas that hand the conversation to a person, settings, permissions.
 */

const db = () => createDb(env.DB);
const month = () => periodOf(Date.now());

/** Sets this month's AI answers of a tenant (test setup straight into D1, as a busy month would leave it). */
async function useAnswers(tenantId: string, botId: string, n: number) {
  await env.DB.prepare(
    `INSERT INTO usage_counters (tenant_id, period, metric, bot_id, quantity, cost_micros) VALUES (?, ?, 'ai_answers', ?, ?, 0)
     ON CONFLICT (tenant_id, period, metric, bot_id) DO UPDATE SET quantity = excluded.quantity`,
  )
    .bind(tenantId, month(), botId, n)
    .run();
}

afterEach(() => setRoomAnswererForTesting());

describe("GET /api/billing", () => {
  it("puts a new workspace on Free: 100 AI answers, embedded mode, the catalogue from the same data", async () => {
    const t = await makeTenant();
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b).toMatchObject({
      plan: "free",
      status: "none",
      overQuota: false,
      overQuotaChoice: "handoff",
      mode: "embedded",
      usage: { aiAnswers: { used: 0, limit: 100 }, bots: { used: 1, limit: 3 }, seats: { used: 1, limit: 5 } },
    });
    expect(
      b.plans.map((p: { id: string; priceCents: number; aiAnswers: number | null }) => [
        p.id,
        p.priceCents,
        p.aiAnswers,
      ]),
    ).toEqual([
      ["free", 0, 100],
      ["pro", 4900, 5000],
      ["enterprise", 19900, null],
    ]);
    expect(b.plans.every((p: { purchasable: boolean }) => !p.purchasable)).toBe(true);
    // nothing can be bought, so no channel or feature is locked to a plan
    expect(b.planLocks).toBe(false);
  });

  it("is for admins: an agent and a viewer get 403, no token 401", async () => {
    const t = await makeTenant();
    for (const role of ["agent", "viewer"] as const) {
      const m = await addMember(t, role);
      await expectJson(call("/api/billing", { token: m.token }), 403);
      await expectJson(
        call("/api/billing/settings", { method: "PUT", token: m.token, json: { overQuotaChoice: "embedded" } }),
        403,
      );
      await expectJson(call("/api/billing/checkout", { method: "POST", token: m.token, json: { plan: "pro" } }), 403);
    }
    await expectJson(call("/api/billing"), 401);
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.overQuotaChoice).toBe("handoff");
  });
});

describe("checkout and portal without Stripe", () => {
  it("explain that Stripe is not configured (409), and change nothing", async () => {
    const t = await makeTenant();
    const res = await call("/api/billing/checkout", { method: "POST", token: t.token, json: { plan: "pro" } });
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await expectJson(res, 409);
    expect(p).toMatchObject({ code: "CONFLICT", mode: "embedded" });
    expect(p.detail).toContain("Stripe is not configured");
    await expectJson(call("/api/billing/portal", { method: "POST", token: t.token }), 409);
    await expectJson(call("/api/billing/checkout", { method: "POST", token: t.token, json: { plan: "gold" } }), 400);
    expect((await expectJson(call("/api/billing", { token: t.token }), 200)).plan).toBe("free");
  });

  it("answers 404 at /hooks/stripe: there is no endpoint to sign for", async () => {
    const res = await call("/hooks/stripe", {
      method: "POST",
      body: "{}",
      headers: { "stripe-signature": "t=1,v1=00" },
    });
    expect(res.status).toBe(404);
  });
});

describe("PUT /api/billing/settings", () => {
  it("stores the over-quota choice and budget cap; bad input is a 400 that changes nothing", async () => {
    const t = await makeTenant();
    for (const bad of [
      {},
      { overQuotaChoice: "refuse" },
      { budgetCapMicros: -1 },
      { budgetCapMicros: 1.5 },
      { plan: "enterprise" },
    ])
      await expectJson(call("/api/billing/settings", { method: "PUT", token: t.token, json: bad }), 400);
    let b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect([b.overQuotaChoice, b.budgetCapMicros, b.plan]).toEqual(["handoff", null, "free"]);
    b = await expectJson(
      call("/api/billing/settings", {
        method: "PUT",
        token: t.token,
        json: { overQuotaChoice: "embedded", budgetCapMicros: 5_000_000 },
      }),
      200,
    );
    expect([b.overQuotaChoice, b.budgetCapMicros, b.plan]).toEqual(["embedded", 5_000_000, "free"]);
  });
});

describe("usage metering", () => {
  it("counts an event once, however often it is recorded, per tenant, bot and period", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const at = Date.now();
    const ev = {
      tenantId: a.tenantId,
      eventId: "msg_once",
      metric: "ai_answers" as const,
      botId: a.botId,
      quantity: 1,
      at,
    };
    await recordUsage({ repos: reposOf(db()) }, ev);
    await recordUsage({ repos: reposOf(db()) }, ev);
    await Promise.all([recordUsage({ repos: reposOf(db()) }, ev), recordUsage({ repos: reposOf(db()) }, ev)]);
    await recordUsage({ repos: reposOf(db()) }, { ...ev, eventId: "msg_two" });
    const u = await expectJson(call("/api/billing/usage", { token: a.token }), 200);
    expect(u.totals.aiAnswers).toBe(2);
    expect(u.byBot).toEqual([
      {
        botId: a.botId,
        aiAnswers: 2,
        voiceSeconds: 0,
        voiceMinutes: 0,
        channelMessages: 0,
        emailMessages: 0,
        whatsappMessages: 0,
        costMicros: 0,
      },
    ]);
    // the same event id in another tenant is that tenant's own event; a's usage is not b's
    const ub = await expectJson(call("/api/billing/usage", { token: b.token }), 200);
    expect(ub.totals.aiAnswers).toBe(0);
    const last = await expectJson(call("/api/billing/usage?period=2020-01", { token: a.token }), 200);
    expect(last.totals.aiAnswers).toBe(0);
    await expectJson(call("/api/billing/usage?period=2020-13", { token: a.token }), 400);
  });

  it("counts the room's AI answers once each, through the room's D1 flush", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    v.send({ type: "msg", cid: "c2", text: "Thanks, one more thing please" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai" && f.seq === 4);
    const u = await eventually(
      () => expectJson(call("/api/billing/usage", { token: t.token }), 200),
      (x) => x.totals.aiAnswers >= 2,
    );
    expect(u.byBot).toEqual([
      {
        botId: t.botId,
        aiAnswers: 2,
        voiceSeconds: 0,
        voiceMinutes: 0,
        channelMessages: 0,
        emailMessages: 0,
        whatsappMessages: 0,
        costMicros: 0,
      },
    ]);
    v.close();
  });
});

describe("over quota", () => {
  it("hands a free tenant's 101st question to a person (reason quota); the widget and operators keep working", async () => {
    const t = await makeTenant();
    await useAnswers(t.tenantId, t.botId, 100);
    const billing = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(billing).toMatchObject({ overQuota: true, usage: { aiAnswers: { used: 100, limit: 100 } } });
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "q101", text: "How do I export my notes?" });
    const mode = await v.waitFor((f) => f.type === "mode");
    // nobody from the team is online in this test: the hand-off says so (presence-aware, issue 22)
    expect(mode).toMatchObject({ type: "mode", mode: "human", reason: "quota", agents: false });
    const sys = await v.waitFor((f) => f.type === "msg" && f.role === "system");
    expect(sys.text).toContain("No one from the team is online");
    // the socket stays open: the visitor writes on, an operator answers
    v.send({ type: "msg", cid: "q102", text: "Still there?" });
    await v.waitFor((f) => f.type === "msg" && f.cid === "q102");
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "msg", cid: "a1", text: "Yes, I'm here to help." });
    await v.waitFor((f) => f.type === "msg" && f.role === "agent");
    expect(v.frames.some((f) => f.type === "msg" && f.role === "ai")).toBe(false);
    // the inbox copy (D1, flushed within a second) shows the hand-off with its reason
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200),
      (c) => c.mode === "human",
    );
    expect(conv.mode).toBe("human");
    v.close();
    op.close();
  });

  it("answers with the embedded answerer when the tenant chose it, and the AI keeps answering", async () => {
    const t = await makeTenant();
    await useAnswers(t.tenantId, t.botId, 100);
    await expectJson(
      call("/api/billing/settings", { method: "PUT", token: t.token, json: { overQuotaChoice: "embedded" } }),
      200,
    );
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "q101", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    expect(v.frames.some((f) => f.type === "mode" && f.reason === "quota")).toBe(false);
    v.close();
  });

  it("lifts at once when the limit no longer applies (a refusal is never cached)", async () => {
    const t = await makeTenant();
    await useAnswers(t.tenantId, t.botId, 100);
    const s = await newSession(t);
    // a plan granted without Stripe (status none) is the plan in force
    await env.DB.prepare(
      `INSERT INTO billing_accounts (tenant_id, plan, status, updated_at) VALUES (?, 'enterprise', 'none', ?)`,
    )
      .bind(t.tenantId, Date.now())
      .run();
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b).toMatchObject({ plan: "enterprise", overQuota: false, usage: { aiAnswers: { limit: null } } });
    v.close();
  });
});

describe("/v1 and drafts", () => {
  async function keyFor(t: TestTenantLike) {
    const k = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "llm", scopes: ["chat:completions"] } }),
      201,
    );
    return k.secret as string;
  }
  type TestTenantLike = { token: string; botId: string; tenantId: string };
  const ask = (key: string, botId: string, stream = false) =>
    call("/v1/chat/completions", {
      method: "POST",
      headers: { authorization: `Bearer ${key}` },
      json: { model: botId, messages: [{ role: "user", content: "Hello there" }], stream },
    });

  it("counts each completion once by its id, streamed or not", async () => {
    const t = await makeTenant();
    const key = await keyFor(t);
    await expectJson(ask(key, t.botId), 200);
    const s = await ask(key, t.botId, true);
    expect(s.status).toBe(200);
    expect(await s.text()).toContain("[DONE]");
    const u = await expectJson(call("/api/billing/usage", { token: t.token }), 200);
    expect(u.totals.aiAnswers).toBe(2);
  });

  it("over quota answers 402 with OpenAI's error shape (handoff choice) or the embedded answer (embedded choice)", async () => {
    const t = await makeTenant();
    const key = await keyFor(t);
    await useAnswers(t.tenantId, t.botId, 100);
    const res = await ask(key, t.botId);
    const body = await expectJson(res, 402);
    expect(body.error).toMatchObject({ type: "insufficient_quota", code: "insufficient_quota" });
    expect(body.error.message).toContain("100 AI answers");
    await expectJson(ask(key, t.botId, true), 402);
    await expectJson(
      call("/api/billing/settings", { method: "PUT", token: t.token, json: { overQuotaChoice: "embedded" } }),
      200,
    );
    const ok = await expectJson(ask(key, t.botId), 200);
    expect(ok.choices[0].message.content.length).toBeGreaterThan(0);
  });

  it("refuses an operator's AI draft over quota with a 402 problem naming the plan and the limit", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200),
      (c) => c.messageCount >= 2,
    );
    await useAnswers(t.tenantId, t.botId, 100);
    const res = await call(`/api/conversations/${s.conversationId}/draft`, { method: "POST", token: t.token });
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await expectJson(res, 402);
    expect(p).toMatchObject({
      status: 402,
      code: "PAYMENT_REQUIRED",
      plan: "free",
      limit: "aiAnswers",
      max: 100,
      used: 100,
    });
    v.close();
  });
});

describe("plan limits on bots and seats", () => {
  it("refuses a fourth bot on Free with 403 naming the plan and the limit, and creates nothing", async () => {
    const t = await makeTenant();
    for (const name of ["Two", "Three"])
      await expectJson(call("/api/bots", { method: "POST", token: t.token, json: { name } }), 201);
    const res = await call("/api/bots", { method: "POST", token: t.token, json: { name: "Four" } });
    expect(res.headers.get("content-type")).toContain("application/problem+json");
    const p = await expectJson(res, 403);
    expect(p).toMatchObject({ code: "PLAN_LIMIT", plan: "free", limit: "bots", max: 3, used: 3 });
    const list = await expectJson(call("/api/bots", { token: t.token }), 200);
    expect(list.data).toHaveLength(3);
  });

  it("refuses an invitation past the plan's seats (403 PLAN_LIMIT)", async () => {
    const t = await makeTenant();
    for (let i = 0; i < 4; i++) await addMember(t, "agent");
    const res = await call("/api/team/invitations", {
      method: "POST",
      token: t.token,
      json: { email: `sixth-${crypto.randomUUID().slice(0, 6)}@example.test`, role: "agent" },
    });
    expect(await expectJson(res, 403)).toMatchObject({ code: "PLAN_LIMIT", plan: "free", limit: "seats", max: 5 });
  });
});
