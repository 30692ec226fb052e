import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { periodOf } from "../domain/billing/plans";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { costMicrosOf } from "../domain/billing/prices";
import { call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { setRoomAnswererForTesting } from "./room-ctx";
import { joinVisitor, newSession } from "./test-client";

/** An answerer whose provider reported its tokens (as the Anthropic/Gemini/OpenAI adapters do). */
const billed: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  yield { type: "delta", text: "Invoices are sent monthly." };
  yield {
    type: "done",
    answer: "Invoices are sent monthly.",
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
    provider: "anthropic:claude-local",
    usage: { inputTokens: 321, outputTokens: 17 },
  };
};

afterEach(() => setRoomAnswererForTesting());

describe("token usage of a chat answer", () => {
  it("reaches the billing meter with the room's D1 flush, once per AI message", async () => {
    setRoomAnswererForTesting(billed);
    const t = await makeTenant("Tokens");
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "When are invoices sent each month?" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    const ctx = requestCtx(env, "req_tokens", "http://echo.test");
    const counters = await eventually(
      () => ctx.repos.billing.counters(t.tenantId, periodOf(Date.now())),
      (c) => c.some((x) => x.metric === "ai_tokens"),
    );
    const of = (metric: string) => counters.find((c) => c.metric === metric && c.botId === t.botId)?.quantity;
    expect([of("ai_answers"), of("ai_tokens")]).toEqual([1, 321 + 17]);
    const cost = await env.DB.prepare(
      "SELECT model, calls, input_tokens AS i, output_tokens AS o FROM usage_model_costs WHERE tenant_id = ?",
    )
      .bind(t.tenantId)
      .all();
    expect(cost.results).toEqual([{ model: "claude-local", calls: 1, i: 321, o: 17 }]);
    const events = await env.DB.prepare(
      "SELECT data FROM conversation_events WHERE tenant_id = ? AND kind = 'ai_answered'",
    )
      .bind(t.tenantId)
      .all<{ data: string }>();
    expect(JSON.parse(events.results[0]!.data)).toMatchObject({ provider: "anthropic:claude-local" });
    // and the analytics reports' AI spend, per model and per bot, on the room's channel
    const summary = await expectJson(call("/api/analytics/summary?channel=chat", { token: t.token }), 200);
    const spend = {
      calls: 1,
      inputTokens: 321,
      outputTokens: 17,
      costUsd: costMicrosOf("claude-local", 321, 17) / 1e6,
    };
    expect(summary.aiSpend).toEqual({ ...spend, byModel: { "claude-local": spend }, byBot: { [t.botId]: spend } });
    expect(summary.bots).toEqual([expect.objectContaining({ botId: t.botId, aiSpendUsd: spend.costUsd })]);
    expect(spend.costUsd).toBeGreaterThan(0);
    v.close();
  });
});
