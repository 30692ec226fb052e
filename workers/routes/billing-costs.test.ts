import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { setEgressTransport } from "../lib/egress";
import { mayTenant } from "../domain/billing/may-tenant";
import { costMicrosOf } from "../domain/billing/prices";
import { recordModelUsage } from "../domain/billing/usage";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * AI cost and budget caps (issue 15, seed 004): token usage priced per model, recorded once per
 * event id through the one function providers call (`recordModelUsage`), shown per bot and per
 * model; a monthly cap per tenant and per bot enforced before a paid model call, with the same
 * choices as over quota (the embedded answerer, or a person / a 402 where there is none).
 */

const ctxOf = (t: TestTenant) => ({ ...requestCtx(env, "req_test", "http://echo.test"), tenantId: t.tenantId });
const tokens = (t: TestTenant, eventId: string, model: string, inputTokens: number, outputTokens: number) => ({
  tenantId: t.tenantId,
  eventId,
  botId: t.botId,
  model,
  inputTokens,
  outputTokens,
  channel: "chat" as const,
  at: Date.now(),
});

/**
 * A bot made paid by its own model chain (an Anthropic link) on this offline deployment; the link's
 * server is down here, so each answer falls back to the embedded answerer, but the call is billed as paid.
 */
async function withPaidChain(t: TestTenant, run: () => Promise<void>) {
  await expectJson(
    call(`/api/bots/${t.botId}/answer-providers`, {
      method: "PUT",
      token: t.token,
      json: { chain: [{ provider: "anthropic", model: "claude-local", apiKey: "sk-ant-test-key" }] },
    }),
    200,
  );
  const restore = setEgressTransport(async () => new Response("down", { status: 503 }));
  try {
    await run();
  } finally {
    restore();
  }
}

describe("model cost", () => {
  it("prices tokens from the table: adapter prefixes dropped, longest name wins, embedded is free", () => {
    expect(costMicrosOf("openai:gpt-4o-mini", 1000, 500)).toBe(150 + 300);
    expect(costMicrosOf("gpt-4o", 1000, 500)).toBe(2500 + 5000);
    expect(costMicrosOf("workers-ai:@cf/meta/llama-3.1-8b-instruct", 1_000_000, 0)).toBe(282_000);
    expect(costMicrosOf("offline", 10_000, 10_000)).toBe(0);
    expect(costMicrosOf("embedded", 10_000, 10_000)).toBe(0);
    // a model not in the table is charged, so a cap still applies
    expect(costMicrosOf("mystery-model", 1000, 0)).toBeGreaterThan(0);
  });

  it("records a call once by its id, per bot and per model, without counting it as an answer", async () => {
    const t = await makeTenant("Costs");
    const ctx = ctxOf(t);
    const two = await expectJson(call("/api/bots", { method: "POST", token: t.token, json: { name: "Two" } }), 201);
    expect(await recordModelUsage(ctx, tokens(t, "cmpl_1", "openai:gpt-4o-mini", 1000, 500))).toBe(450);
    // replayed: nothing more
    await recordModelUsage(ctx, tokens(t, "cmpl_1", "openai:gpt-4o-mini", 1000, 500));
    await recordModelUsage(ctx, tokens(t, "cmpl_2", "openai:gpt-4o-mini", 2000, 0));
    await recordModelUsage(ctx, { ...tokens(t, "cmpl_3", "gpt-4o", 1000, 500), botId: two.id });
    await recordModelUsage(ctx, tokens(t, "msg_4", "offline", 50, 40));
    const u = await expectJson(call("/api/billing/usage", { token: t.token }), 200);
    expect(u.totals).toEqual({
      aiAnswers: 0,
      voiceSeconds: 0,
      voiceMinutes: 0,
      channelMessages: 0,
      emailMessages: 0,
      whatsappMessages: 0,
      costMicros: 450 + 300 + 7500,
    });
    expect(u.byModel).toEqual(
      [
        { botId: t.botId, model: "gpt-4o-mini", calls: 2, inputTokens: 3000, outputTokens: 500, costMicros: 750 },
        { botId: t.botId, model: "offline", calls: 1, inputTokens: 50, outputTokens: 40, costMicros: 0 },
        { botId: two.id, model: "gpt-4o", calls: 1, inputTokens: 1000, outputTokens: 500, costMicros: 7500 },
      ].sort((a, b) => a.botId.localeCompare(b.botId) || a.model.localeCompare(b.model)),
    );
    const byBot = Object.fromEntries(
      u.byBot.map((b: { botId: string; costMicros: number }) => [b.botId, b.costMicros]),
    );
    expect(byBot).toEqual({ [t.botId]: 750, [two.id]: 7500 });
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.usage.costMicros).toBe(8250);
    expect(b.bots.find((x: { botId: string }) => x.botId === two.id)).toMatchObject({ name: "Two", costMicros: 7500 });
    // another tenant sees none of it
    const other = await makeTenant("Other");
    expect((await expectJson(call("/api/billing/usage", { token: other.token }), 200)).byModel).toEqual([]);

    // the analytics range reports read the same calls (issue 16 "AI spend per bot and model"): a
    // voice call and one 40 days ago (outside the 30-day range) added, the replay still counted once
    await recordModelUsage(ctx, { ...tokens(t, "cmpl_5", "gpt-4o", 2000, 1000), channel: "voice" });
    await recordModelUsage(ctx, { ...tokens(t, "cmpl_6", "gpt-4o", 1000, 0), at: Date.now() - 40 * 86_400_000 });
    const s = await expectJson(call("/api/analytics/summary", { token: t.token }), 200);
    const mini = { calls: 2, inputTokens: 3000, outputTokens: 500, costUsd: 0.00075 };
    const offline = { calls: 1, inputTokens: 50, outputTokens: 40, costUsd: 0 };
    const gpt4o = { calls: 2, inputTokens: 3000, outputTokens: 1500, costUsd: 0.0225 };
    expect(s.aiSpend).toEqual({
      calls: 5,
      inputTokens: 6050,
      outputTokens: 2040,
      costUsd: 0.02325,
      byModel: { "gpt-4o": gpt4o, "gpt-4o-mini": mini, offline },
      byBot: {
        [t.botId]: { calls: 4, inputTokens: 5050, outputTokens: 1540, costUsd: 0.01575 },
        [two.id]: { calls: 1, inputTokens: 1000, outputTokens: 500, costUsd: 0.0075 },
      },
    });
    const onlyVoice = await expectJson(call("/api/analytics/summary?channel=voice", { token: t.token }), 200);
    expect(onlyVoice.aiSpend.byModel).toEqual({
      "gpt-4o": { calls: 1, inputTokens: 2000, outputTokens: 1000, costUsd: 0.015 },
    });
    const oneBot = await expectJson(call(`/api/analytics/summary?botId=${two.id}`, { token: t.token }), 200);
    expect(oneBot.aiSpend.costUsd).toBe(0.0075);
    const series = await expectJson(call("/api/analytics/timeseries?metric=ai_spend", { token: t.token }), 200);
    expect(series.points.at(-1).value).toBe(0.02325);
    expect(series.points.slice(0, -1).every((p: { value: number }) => p.value === 0)).toBe(true);
    const csv = await (await call("/api/analytics/summary?format=csv", { token: t.token })).text();
    expect(csv).toContain("aiSpend.byModel.gpt-4o.costUsd,0.0225\r\n");
    expect((await expectJson(call("/api/analytics/summary", { token: other.token }), 200)).aiSpend.calls).toBe(0);
  });
});

describe("budget caps", () => {
  it("per bot: settings are the tenant admin's, validated, and another tenant's bot is a 404", async () => {
    const t = await makeTenant("Caps");
    const other = await makeTenant("Else");
    const put = (token: string, botId: string, json: unknown) =>
      call(`/api/billing/bots/${botId}`, { method: "PUT", token, json });
    for (const bad of [{}, { budgetCapMicros: -1 }, { overQuotaChoice: "refuse" }, { budgetCapMicros: 1.5 }])
      await expectJson(put(t.token, t.botId, bad), 400);
    await expectJson(put(t.token, other.botId, { budgetCapMicros: 1 }), 404);
    const agent = await addMember(t, "agent");
    await expectJson(put(agent.token, t.botId, { budgetCapMicros: 1 }), 403);
    let b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.bots).toEqual([
      { botId: t.botId, name: expect.any(String), overQuotaChoice: null, budgetCapMicros: null, costMicros: 0 },
    ]);
    b = await expectJson(put(t.token, t.botId, { budgetCapMicros: 2_000_000, overQuotaChoice: "embedded" }), 200);
    expect(b.bots[0]).toMatchObject({ overQuotaChoice: "embedded", budgetCapMicros: 2_000_000 });
    b = await expectJson(put(t.token, t.botId, { overQuotaChoice: null }), 200);
    expect(b.bots[0]).toMatchObject({ overQuotaChoice: null, budgetCapMicros: 2_000_000 });
    // the other tenant's bot was not touched
    expect((await expectJson(call("/api/billing", { token: other.token }), 200)).bots[0].budgetCapMicros).toBeNull();
  });

  it("a spent bot cap stops paid calls before they are made; the choice decides what happens instead", async () => {
    const t = await makeTenant("Spent");
    const ctx = ctxOf(t);
    await withPaidChain(t, async () => {
      const k = await expectJson(
        call("/api/keys", { method: "POST", token: t.token, json: { name: "llm", scopes: ["chat:completions"] } }),
        201,
      );
      const ask = () =>
        call("/v1/chat/completions", {
          method: "POST",
          headers: { authorization: `Bearer ${k.secret}` },
          json: { model: t.botId, messages: [{ role: "user", content: "Hello there" }] },
        });
      await expectJson(
        call(`/api/billing/bots/${t.botId}`, { method: "PUT", token: t.token, json: { budgetCapMicros: 1000 } }),
        200,
      );
      await expectJson(ask(), 200);
      await recordModelUsage(ctx, tokens(t, "cmpl_big", "gpt-4o-mini", 10_000, 0)); // 1,500 µ$ > 1,000
      const refused = await expectJson(ask(), 402);
      expect(refused.error).toMatchObject({ type: "insufficient_quota" });
      expect(refused.error.message).toContain("budget cap");
      // the unpaid (embedded) answerer is never capped: the same tenant on an offline deployment answers
      expect((await mayTenant(ctx, { kind: "ai_answer", paid: false, botId: t.botId })).ok).toBe(true);
      // the bot's choice: answer with the embedded answerer instead
      await expectJson(
        call(`/api/billing/bots/${t.botId}`, { method: "PUT", token: t.token, json: { overQuotaChoice: "embedded" } }),
        200,
      );
      const ok = await expectJson(ask(), 200);
      expect(ok.choices[0].message.content.length).toBeGreaterThan(0);
      // raising the cap lifts it at once
      await expectJson(
        call(`/api/billing/bots/${t.botId}`, { method: "PUT", token: t.token, json: { budgetCapMicros: 1_000_000 } }),
        200,
      );
      expect((await mayTenant(ctx, { kind: "ai_answer", paid: true, botId: t.botId })).ok).toBe(true);
    });
  });

  it("the tenant's monthly cap counts every bot's cost", async () => {
    const t = await makeTenant("Tenant cap");
    const ctx = ctxOf(t);
    const two = await expectJson(call("/api/bots", { method: "POST", token: t.token, json: { name: "Two" } }), 201);
    await expectJson(
      call("/api/billing/settings", { method: "PUT", token: t.token, json: { budgetCapMicros: 2000 } }),
      200,
    );
    await recordModelUsage(ctx, tokens(t, "c1", "gpt-4o-mini", 10_000, 0));
    expect((await mayTenant(ctx, { kind: "ai_answer", paid: true, botId: two.id })).ok).toBe(true);
    await recordModelUsage(ctx, { ...tokens(t, "c2", "gpt-4o-mini", 10_000, 0), botId: two.id });
    const a = await mayTenant(ctx, { kind: "ai_answer", paid: true, botId: two.id });
    expect(a).toMatchObject({ ok: false, status: 402, limit: "budget", max: 2000, used: 3000, choice: "handoff" });
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.overQuota).toBe(false); // this deployment answers offline: the cap applies to paid calls only
  });

  it("a bot cap of zero refuses every paid answer with the tenant's default choice (hand to a person)", async () => {
    // the question the room asks before a paid answer (room-quota.ts), with the room's bot
    const t = await makeTenant("Room cap");
    const ctx = ctxOf(t);
    await expectJson(
      call(`/api/billing/bots/${t.botId}`, { method: "PUT", token: t.token, json: { budgetCapMicros: 0 } }),
      200,
    );
    const a = await mayTenant(ctx, { kind: "ai_answer", paid: true, botId: t.botId });
    expect(a).toMatchObject({ ok: false, limit: "botBudget", choice: "handoff" });
  });
});
