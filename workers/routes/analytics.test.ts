import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AnswerEvent, AnswerInput, StreamAnswer } from "../domain/knowledge/answer-types";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { setRoomClockForTesting } from "../rooms/room-clock";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Analytics from scripted conversations played through the public interfaces (widget and operator
 * sockets, the Vapi webhook, REST). The rooms decide with a test clock so "3 minutes later" needs
 * no waiting; every expected number below is worked out by hand from the script, not by the code.
 */

vi.setConfig({ testTimeout: 60_000 });

const MIN = 60_000;
/** Monday 2 November 2026, 09:00 UTC: every conversation opens in this hour. */
const T0 = Date.UTC(2026, 10, 2, 9, 0, 0);
let now = T0;
const at = (ms: number) => void (now = T0 + ms);

/** Answers by the question: an abstention, a dialogue act (thanks), or a confident answer. */
const scripted: StreamAnswer = async function* (_ctx, input: AnswerInput): AsyncIterable<AnswerEvent> {
  const q = input.question.toLowerCase();
  const abstain = q.includes("wire transfer");
  const thanks = q.startsWith("thanks");
  const text = abstain ? "I'm not sure about that one." : thanks ? "Glad I could help!" : "Here is how that works.";
  yield { type: "delta", text };
  yield {
    type: "done",
    answer: text,
    sources: [],
    confidence: abstain ? 0.1 : 0.9,
    handoff: abstain,
    ...(thanks ? { act: "thanks" } : {}),
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

let t: TestTenant;
const range = "from=2026-11-02&to=2026-11-02&tz=UTC";

async function ask(s: Awaited<ReturnType<typeof joinVisitor>>, cid: string, text: string, seq: number) {
  s.send({ type: "msg", cid, text });
  await s.waitFor((f) => f.type === "msg" && f.role === "ai" && f.seq >= seq);
}

beforeAll(async () => {
  setRoomClockForTesting(() => now);
  setRoomAnswererForTesting(scripted);
  t = await makeTenant("Metrics");

  // A: answered, the visitor never comes back (assumed resolution: the request's clock is > 24 h later)
  at(0);
  const a = await joinVisitor(await newSession(t));
  await ask(a, "a1", "When are invoices sent?", 2);

  // B: answered, then thanked (confirmed), rated 5
  at(1 * MIN);
  const b = await joinVisitor(await newSession(t));
  await ask(b, "b1", "How do I reset my password?", 2);
  at(2 * MIN);
  await ask(b, "b2", "thanks, that worked", 4);
  b.send({ type: "rate", score: 5 });

  // C: the AI abstains and hands off at 10 min; an agent replies 3 minutes later, closes at 16 min; rated 2
  at(9 * MIN);
  const cs = await newSession(t);
  const c = await joinVisitor(cs);
  at(10 * MIN);
  c.send({ type: "msg", cid: "c1", text: "Can I pay by wire transfer?" });
  await c.waitFor((f) => f.type === "mode" && f.mode === "human");
  const op = await joinOperator(cs.conversationId, t.token);
  at(13 * MIN);
  op.send({ type: "msg", cid: "o1", text: "Yes, the IBAN is on your invoice." });
  await c.waitFor((f) => f.type === "msg" && f.role === "agent");
  at(16 * MIN);
  op.send({ type: "close" });
  await c.waitFor((f) => f.type === "mode" && f.mode === "closed");
  c.send({ type: "rate", score: 2 });

  // D: answered, then the visitor asks for a person (hand-off reason asked_for_human, nobody replies)
  at(20 * MIN);
  const d = await joinVisitor(await newSession(t));
  await ask(d, "d1", "Where is my order?", 2);
  d.send({ type: "human" });
  await d.waitFor((f) => f.type === "mode" && f.mode === "human");

  // E: a phone call of 90 s costing $0.12, through the Vapi webhook
  at(30 * MIN);
  const vint = await expectJson(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider: "vapi", botId: t.botId, secrets: { secret: "vapi-analytics-secret" }, settings: {} },
    }),
    201,
  );
  const hook = (message: Record<string, unknown>) =>
    expectJson(
      call(new URL(vint.webhookUrl).pathname, {
        method: "POST",
        json: { message: { call: { id: "analytics-call-1" }, ...message } },
        headers: { "x-vapi-secret": "vapi-analytics-secret" },
      }),
      200,
    );
  await hook({ type: "status-update", status: "in-progress" });
  at(31 * MIN + 30_000);
  await hook({ type: "end-of-call-report", durationSeconds: 90, cost: 0.12, endedReason: "customer-ended-call" });
  for (const s of [a, b, c, d, op]) s.close();
});

afterAll(() => {
  setRoomClockForTesting();
  setRoomAnswererForTesting();
});

/** The room copies its events to D1 within about a second: wait until all of them arrived. */
const settled = () =>
  eventually(
    () => expectJson(call(`/api/analytics/summary?${range}`, { token: t.token }), 200),
    (s) => s.conversations === 5 && s.csat.ratings === 2 && s.voice.ended === 1 && s.resolutions.total === 1,
    20_000,
  );

describe("GET /api/analytics/summary", () => {
  it("computes every metric of the scripted conversations exactly", async () => {
    const s = await settled();
    // A, B, C, D chat + E voice
    expect(s.conversations, JSON.stringify(s)).toBe(5);
    expect(s.volume.byChannel).toEqual({ chat: 4, voice: 1 });
    expect(s.volume.byBot).toEqual({ [t.botId]: 5 });
    // Monday 09:00–10:00 UTC is hour 9 of the week
    expect(s.volume.byHourOfWeek[9]).toBe(5);
    // the AI attempted an answer in A, B, C (abstained) and D: 4 of 5
    expect(s.aiInvolved).toBe(4);
    expect(s.aiInvolvementRate).toBeCloseTo(0.8, 10);
    // B confirmed (thanks), A assumed (silent > 24 h); C abstained, D asked for a person: 2 of 4
    expect(s.aiResolution).toEqual({ confirmed: 1, assumed: 1, pending: 0, rate: 0.5 });
    expect(s.automationRate).toBeCloseTo(0.4, 10);
    expect(s.handoffs).toEqual({
      total: 2,
      conversations: 2,
      rate: 0.4,
      byReason: { low_confidence: 1, asked_for_human: 1 },
    });
    // C: hand-off at 10 min, the agent's first reply (and taking it over) at 13 min
    expect(s.timeToHumanMs).toEqual({ p50: 3 * MIN, p90: 3 * MIN, count: 1 });
    expect(s.firstResponseMs).toEqual({ p50: 3 * MIN, p90: 3 * MIN, count: 1 });
    // the visitor waited from 10 min (their message) to 13 min
    expect(s.replyTimeMs).toEqual({ p50: 3 * MIN, p90: 3 * MIN, count: 1 });
    // C opened at 9 min, closed at 16 min
    expect(s.resolutionTimeMs).toEqual({ p50: 7 * MIN, p90: 7 * MIN, count: 1 });
    expect(s.resolutions).toEqual({ total: 1, byAgent: 1, bySystem: 0 });
    // ratings 5 and 2: one of two is 4–5; 2 ratings in 5 conversations
    expect(s.csat).toEqual({ score: 0.5, ratings: 2, responseRate: 0.4 });
    // AI: A 1, B 2 (answer + thanks), C 1 (the abstention's text), D 1; agent: 1
    expect(s.messages.ai).toBe(5);
    expect(s.messages.agent).toBe(1);
    expect(s.messages.aiShare).toBeCloseTo(5 / 6, 10);
    expect(s.volume.byAgent).toEqual({ [t.userId]: 1 });
    expect(s.voice).toEqual({
      calls: 1,
      ended: 1,
      minutes: 1.5,
      durationMs: { p50: 90_000, p90: 90_000, count: 1 },
      cost: { USD: 0.12 },
      byOutcome: { "customer-ended-call": 1 },
    });
    expect(s.bots).toEqual([
      { botId: t.botId, conversations: 5, aiInvolved: 4, aiResolved: 2, handoffs: 2, csat: 0.5, aiSpendUsd: 0 },
    ]);
    // the embedded answerer bills no model call
    expect(s.aiSpend).toEqual({ calls: 0, inputTokens: 0, outputTokens: 0, costUsd: 0, byModel: {}, byBot: {} });
  });

  it("filters by channel and range, and counts days in the requested time zone", async () => {
    await settled();
    const voice = await expectJson(call(`/api/analytics/summary?${range}&channel=voice`, { token: t.token }), 200);
    expect(voice.conversations).toBe(5 - 4);
    expect(voice.aiInvolved).toBe(0);
    const dayBefore = await expectJson(
      call("/api/analytics/summary?from=2026-11-01&to=2026-11-01&tz=UTC", { token: t.token }),
      200,
    );
    expect(dayBefore.conversations).toBe(0);
    // 09:00 UTC is 18:00 in Tokyo, still 2 November there; in Honolulu (UTC-10) it is 23:00 on 1 November
    const tokyo = await expectJson(
      call("/api/analytics/summary?from=2026-11-02&to=2026-11-02&tz=Asia/Tokyo", { token: t.token }),
      200,
    );
    expect(tokyo.conversations).toBe(5);
    const honolulu = await expectJson(
      call("/api/analytics/summary?from=2026-11-01&to=2026-11-01&tz=Pacific/Honolulu", { token: t.token }),
      200,
    );
    expect(honolulu.conversations).toBe(5);
    expect(honolulu.volume.byHourOfWeek[6 * 24 + 23]).toBe(5);
  });

  it("answers CSV for ?format=csv and for Accept: text/csv", async () => {
    await settled();
    for (const init of [
      { path: `/api/analytics/summary?${range}&format=csv`, headers: {} as Record<string, string> },
      { path: `/api/analytics/summary?${range}`, headers: { accept: "text/csv" } },
    ]) {
      const res = await call(init.path, { token: t.token, headers: init.headers });
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toMatch(/^text\/csv/);
      const body = await res.text();
      expect(body.split("\r\n")[0]).toBe("metric,value");
      expect(body).toContain("\r\nconversations,5\r\n");
      expect(body).toContain("\r\nhandoffs.byReason.low_confidence,1\r\n");
      expect(body).toContain("\r\ncsat.score,0.5\r\n");
    }
  });

  it("rejects bad input with 400 problem details", async () => {
    for (const q of [
      "tz=Mars/Olympus",
      "from=2026-11-05&to=2026-11-01",
      "from=2026-13-01",
      "from=2026-02-30",
      "from=2024-01-01&to=2026-01-01",
      "channel=fax",
      "botId=conv_123",
      "unknown=1",
    ]) {
      const res = await call(`/api/analytics/summary?${q}`, { token: t.token });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type"), q).toContain("application/problem+json");
    }
    const ts = await call("/api/analytics/timeseries?metric=nope", { token: t.token });
    expect(ts.status).toBe(400);
  });

  it("is tenant-scoped and permission-checked", async () => {
    await settled();
    const other = await makeTenant("Other");
    const theirs = await expectJson(call(`/api/analytics/summary?${range}`, { token: other.token }), 200);
    expect(theirs.conversations).toBe(0);
    // another tenant's bot as a filter finds nothing of ours
    const cross = await expectJson(
      call(`/api/analytics/summary?${range}&botId=${t.botId}`, { token: other.token }),
      200,
    );
    expect(cross.conversations).toBe(0);
    expect((await call(`/api/analytics/summary?${range}`)).status).toBe(401);
    const viewer = await addMember(t, "viewer");
    const seen = await expectJson(call(`/api/analytics/summary?${range}`, { token: viewer.token }), 200);
    expect(seen.conversations).toBe(5);
    // an API key without analytics:read is refused
    const key = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "ro", scopes: ["bots:read"] } }),
      201,
    );
    expect((await call(`/api/analytics/summary?${range}`, { token: key.secret })).status).toBe(403);
  });
});

describe("GET /api/analytics/timeseries", () => {
  it("buckets by local day and zero-fills", async () => {
    await settled();
    const r = await expectJson(
      call("/api/analytics/timeseries?metric=conversations&from=2026-11-01&to=2026-11-03&tz=UTC", { token: t.token }),
      200,
    );
    expect(r.points).toEqual([
      { start: "2026-11-01", value: 0 },
      { start: "2026-11-02", value: 5 },
      { start: "2026-11-03", value: 0 },
    ]);
    const week = await expectJson(
      call("/api/analytics/timeseries?metric=handoffs&interval=week&from=2026-10-26&to=2026-11-08&tz=UTC", {
        token: t.token,
      }),
      200,
    );
    expect(week.points).toEqual([
      { start: "2026-10-26", value: 0 },
      { start: "2026-11-02", value: 2 },
    ]);
    const csat = await expectJson(call(`/api/analytics/timeseries?metric=csat&${range}`, { token: t.token }), 200);
    expect(csat.points).toEqual([{ start: "2026-11-02", value: 0.5 }]);
  });
});

describe("GET /api/analytics/questions", () => {
  it("lists the abstained question as a knowledge gap once, not the request for a person", async () => {
    await settled();
    const q = await expectJson(call(`/api/analytics/questions?${range}`, { token: t.token }), 200);
    expect(q.gaps).toHaveLength(1);
    expect(q.gaps[0]).toMatchObject({
      label: "Can I pay by wire transfer?",
      count: 1,
      examples: ["Can I pay by wire transfer?"],
      reasons: { abstained: 1 },
      action: { type: "add_qa_source", question: "Can I pay by wire transfer?" },
    });
    const csv = await call(`/api/analytics/questions?${range}&format=csv`, { token: t.token });
    expect(csv.headers.get("content-type")).toMatch(/^text\/csv/);
    expect(await csv.text()).toContain("gap,Can I pay by wire transfer?,1,,Can I pay by wire transfer?");
  });
});
