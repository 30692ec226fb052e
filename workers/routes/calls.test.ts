import { env } from "cloudflare:workers";
import { sweepRetention } from "../domain/privacy/retention";
import { createLog } from "../lib/log";
import { roomsPortOf } from "../rooms/room-port";
import { createDb } from "../storage/db";
import { reposOf } from "../storage/repos";
import { afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import { decideRange } from "../domain/voice/recording";
import { missingTurns } from "../domain/voice/reconcile";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { voiceHookDeps } from "./voice-hooks";

vi.setConfig({ testTimeout: 30_000 });

const realFetch = voiceHookDeps.fetch;
afterEach(() => {
  voiceHookDeps.fetch = realFetch;
});

/** 1,000 bytes whose value is their offset mod 251, so any slice is recognisable. */
const AUDIO = Uint8Array.from({ length: 1000 }, (_, i) => i % 251);
const SECRET = "calls-test-vapi-secret";

async function vapiLine(t: TestTenant) {
  return expectJson(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider: "vapi", botId: t.botId, secrets: { secret: SECRET } },
    }),
    201,
  );
}

const hook = (vint: { webhookUrl: string }, message: Record<string, unknown>) =>
  expectJson(
    call(new URL(vint.webhookUrl).pathname, {
      method: "POST",
      json: { message },
      headers: { "x-vapi-secret": SECRET },
    }),
    200,
  );

const T0 = Date.parse("2026-11-20T10:00:00Z");

/** The end-of-call report of a two-turn call: the assistant greets, the caller asks, the assistant answers. */
function report(callId: string, extra: Record<string, unknown> = {}) {
  return {
    type: "end-of-call-report",
    call: { id: callId },
    timestamp: T0 + 60_000,
    endedReason: "customer-ended-call",
    cost: 0.25,
    durationSeconds: 42,
    startedAt: new Date(T0).toISOString(),
    endedAt: new Date(T0 + 42_000).toISOString(),
    analysis: { summary: "The caller asked how to export a notebook." },
    artifact: {
      recordingUrl: "https://storage.vapi.example/rec/mono.wav",
      messages: [
        { role: "system", message: "You are a helper", time: T0, secondsFromStart: 0 },
        { role: "bot", message: "Hello, Nimbus support here.", time: T0 + 1_000, secondsFromStart: 1 },
        { role: "user", message: "How do I export a notebook?", time: T0 + 5_000, secondsFromStart: 5 },
        { role: "bot", message: "Open the notebook menu and choose Export.", time: T0 + 9_000, secondsFromStart: 9 },
      ],
    },
    ...extra,
  };
}

/** A finished call with a recording: the caller's words came live, the rest only in the report. */
async function seedCall(
  _t: TestTenant,
  vint: { webhookUrl: string },
  callId: string,
  extra: Record<string, unknown> = {},
) {
  voiceHookDeps.fetch = async () => new Response(AUDIO, { headers: { "content-type": "audio/wav" } });
  await hook(vint, { type: "status-update", status: "in-progress", call: { id: callId }, timestamp: T0 });
  await hook(vint, {
    type: "transcript",
    role: "user",
    transcriptType: "final",
    transcript: "How do I export a notebook?",
    call: { id: callId },
    timestamp: T0 + 5_500,
  });
  await hook(vint, report(callId, extra));
}

async function callOf(vint: { id: string }, providerCallId: string) {
  return env.DB.prepare("select * from voice_calls where integration_id = ? and provider_call_id = ?")
    .bind(vint.id, providerCallId)
    .first<Record<string, any>>();
}

describe("GET /api/calls", () => {
  let t: TestTenant;
  let vint: any;
  beforeAll(async () => {
    t = await makeTenant("Calls");
    vint = await vapiLine(t);
    await seedCall(t, vint, "list-1");
    await seedCall(t, vint, "list-2", { cost: 1.5, durationSeconds: 300, endedReason: "assistant-ended-call" });
  });

  it("lists the tenant's calls in the contract's shape, newest first", async () => {
    const body = await expectJson(call("/api/calls", { token: t.token }), 200);
    expect(body.data).toHaveLength(2);
    expect(body.nextCursor).toBeNull();
    const [newest, older] = body.data;
    expect(Object.keys(newest)).toEqual(
      expect.arrayContaining(["id", "conversationId", "provider", "durationS", "cost", "status", "startedAt"]),
    );
    expect(newest).toMatchObject({ provider: "vapi", status: "ended", cost: 1.5, durationS: 300, hasRecording: true });
    expect(older).toMatchObject({ cost: 0.25, durationS: 42, outcome: "customer-ended-call" });
    expect(newest.startedAt).toBe(new Date(T0).toISOString());
  });

  it("filters by status, provider, line, bot, outcome, duration, date and transcript words", async () => {
    const ids = async (query: string) =>
      (await expectJson(call(`/api/calls?${query}`, { token: t.token }), 200)).data.map((c: any) => c.cost);
    expect(await ids("status=ended")).toEqual([1.5, 0.25]);
    expect(await ids("status=ringing")).toEqual([]);
    expect(await ids("provider=vapi")).toEqual([1.5, 0.25]);
    expect(await ids("provider=retell")).toEqual([]);
    expect(await ids(`integrationId=${vint.id}`)).toEqual([1.5, 0.25]);
    expect(await ids("integrationId=vint_other")).toEqual([]);
    expect(await ids(`botId=${t.botId}`)).toEqual([1.5, 0.25]);
    expect(await ids("outcome=assistant-ended-call")).toEqual([1.5]);
    expect(await ids("outcome=handed_off")).toEqual([]);
    expect(await ids("minDuration=60")).toEqual([1.5]);
    expect(await ids("maxDuration=60")).toEqual([0.25]);
    // calls are dated by when Echo first saw them (today in this test)
    const today = new Date().toISOString().slice(0, 10);
    expect(await ids(`from=${today}&to=${today}`)).toEqual([1.5, 0.25]);
    expect(await ids("to=2020-01-01")).toEqual([]);
    const found = await eventually(
      () => ids("q=export notebook"),
      (v) => v.length === 2,
    );
    expect(found).toEqual([1.5, 0.25]);
    expect(await ids("q=zebra")).toEqual([]);
  });

  it("pages with a cursor", async () => {
    const first = await expectJson(call("/api/calls?limit=1", { token: t.token }), 200);
    expect(first.data).toHaveLength(1);
    const second = await expectJson(call(`/api/calls?limit=1&cursor=${first.nextCursor}`, { token: t.token }), 200);
    expect(second.data).toHaveLength(1);
    expect(second.data[0].id).not.toBe(first.data[0].id);
    expect(second.nextCursor).toBeNull();
  });

  it("refuses bad input with a problem and no data", async () => {
    for (const q of ["status=flying", "from=yesterday", "limit=0", "minDuration=-1", "cursor=%21%21", "nope=1"]) {
      const res = await call(`/api/calls?${q}`, { token: t.token });
      expect(res.status, q).toBe(400);
      expect(res.headers.get("content-type"), q).toContain("application/problem+json");
    }
    expect((await call("/api/calls?from=2026-02-02&to=2026-02-01", { token: t.token })).status).toBe(400);
  });

  it("shows nothing of another tenant and needs credentials", async () => {
    const other = await makeTenant("Other");
    expect((await expectJson(call("/api/calls", { token: other.token }), 200)).data).toEqual([]);
    expect((await call("/api/calls")).status).toBe(401);
  });
});

describe("GET /api/calls/:id", () => {
  it("has the transcript in spoken order with every turn once, the summary, cost, duration and recording", async () => {
    const t = await makeTenant("Detail");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "detail-1");
    const row = await callOf(vint, "detail-1");
    const detail = await eventually(
      () => expectJson(call(`/api/calls/${row!.id}`, { token: t.token }), 200),
      (d: any) => d.transcript.length >= 3,
    );
    expect(detail).toMatchObject({
      id: row!.id,
      conversationId: row!.conversation_id,
      summary: "The caller asked how to export a notebook.",
      cost: 0.25,
      costCurrency: "USD",
      durationS: 42,
      hasRecording: true,
      handoff: null,
    });
    expect(detail.transcript.map((l: any) => `${l.role}: ${l.text}`)).toEqual([
      "ai: Hello, Nimbus support here.",
      "visitor: How do I export a notebook?",
      "ai: Open the notebook menu and choose Export.",
    ]);
    expect(detail.transcript[0]).toMatchObject({ fromReport: true, at: new Date(T0 + 1_000).toISOString() });
    expect(detail.transcript[1].fromReport).toBe(false);
    expect(detail.recordingUrl).toMatch(new RegExp(`^/api/calls/${row!.id}/recording\\?sig=`));
  });

  it("answers 404 for another tenant's call and for a malformed id", async () => {
    const t = await makeTenant("Mine");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "iso-1");
    const row = await callOf(vint, "iso-1");
    const other = await makeTenant("Theirs");
    expect((await call(`/api/calls/${row!.id}`, { token: other.token })).status).toBe(404);
    expect((await call(`/api/calls/${row!.id}/recording`, { token: other.token })).status).toBe(404);
    expect((await call(`/api/calls/${row!.id}`, { method: "DELETE", token: other.token })).status).toBe(404);
    expect((await call("/api/calls/conv_123", { token: t.token })).status).toBe(404);
    // the call is untouched
    expect(await env.FILES.head(row!.recording_key)).not.toBeNull();
  });
});

describe("Vapi end-of-call report reconciles the transcript", () => {
  it("keeps the caller's and the assistant's words exactly once each, also when the report is replayed", async () => {
    const t = await makeTenant("Reconcile");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "rec-1");
    // a re-delivery of the report (another event: the body differs, so replay protection lets it through)
    await hook(vint, report("rec-1", { timestamp: T0 + 61_000 }));
    await hook(vint, report("rec-1", { timestamp: T0 + 62_000 }));
    const row = await callOf(vint, "rec-1");
    const lines = await eventually(
      async () =>
        (await expectJson(call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }), 200)).data
          .filter((m: any) => m.role === "visitor" || m.role === "ai")
          .map((m: any) => `${m.role}: ${m.text}`),
      (v: string[]) => v.length >= 3,
    );
    expect([...lines].sort()).toEqual(
      [
        "ai: Hello, Nimbus support here.",
        "ai: Open the notebook menu and choose Export.",
        "visitor: How do I export a notebook?",
      ].sort(),
    );
  });

  it("aligns in order and keeps a turn spoken twice twice", () => {
    const lines = [
      { seq: 1, role: "visitor", text: "Yes." },
      { seq: 2, role: "ai", text: "Anything else?" },
    ];
    const turns = [
      { speaker: "assistant" as const, text: "Hi!" },
      { speaker: "caller" as const, text: "yes" },
      { speaker: "assistant" as const, text: "Anything else?" },
      { speaker: "caller" as const, text: "Yes" },
    ];
    expect(missingTurns(lines, turns).map((m) => [m.turn.text, m.afterSeq])).toEqual([
      ["Hi!", 0],
      ["Yes", 2],
    ]);
    const added = [
      { seq: 3, role: "ai", text: "Hi!", meta: { source: "report", afterSeq: 0 } },
      { seq: 4, role: "visitor", text: "Yes", meta: { source: "report", afterSeq: 2 } },
    ];
    expect(missingTurns([...lines, ...added], turns)).toEqual([]);
    // live lines out of the report's order are still the same turns
    expect(missingTurns([...lines].reverse(), turns.slice(1, 3))).toEqual([]);
  });
});

describe("GET /api/calls/:id/recording", () => {
  let t: TestTenant;
  let id: string;
  beforeAll(async () => {
    t = await makeTenant("Recording");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "range-1");
    id = (await callOf(vint, "range-1"))!.id;
  });
  const get = (range?: string, token = t.token) =>
    call(`/api/calls/${id}/recording`, { token, headers: range ? { range } : {} });
  const bytes = async (res: Response) => new Uint8Array(await res.arrayBuffer());

  it("serves the whole file with Accept-Ranges and its type", async () => {
    const res = await get();
    expect(res.status).toBe(200);
    expect(res.headers.get("accept-ranges")).toBe("bytes");
    expect(res.headers.get("content-type")).toBe("audio/wav");
    expect(res.headers.get("content-length")).toBe("1000");
    expect(await bytes(res)).toEqual(AUDIO);
  });

  it("serves bytes=0-99, bytes=100- and the suffix bytes=-50 as 206 with Content-Range", async () => {
    const cases: [string, number, number][] = [
      ["bytes=0-99", 0, 99],
      ["bytes=100-", 100, 999],
      ["bytes=-50", 950, 999],
      ["bytes=990-5000", 990, 999],
    ];
    for (const [range, start, end] of cases) {
      const res = await get(range);
      expect(res.status, range).toBe(206);
      expect(res.headers.get("content-range"), range).toBe(`bytes ${start}-${end}/1000`);
      expect(res.headers.get("content-length"), range).toBe(String(end - start + 1));
      expect(res.headers.get("accept-ranges")).toBe("bytes");
      expect(await bytes(res), range).toEqual(AUDIO.slice(start, end + 1));
    }
  });

  it("answers 416 with Content-Range bytes */size to a range it cannot satisfy", async () => {
    for (const range of ["bytes=1000-", "bytes=5000-6000", "bytes=200-100", "bytes=abc", "bytes=-0", "bytes=-"]) {
      const res = await get(range);
      expect(res.status, range).toBe(416);
      expect(res.headers.get("content-range"), range).toBe("bytes */1000");
    }
  });

  it("plays through the signed URL from the call's detail, which names that one call", async () => {
    const detail = await expectJson(call(`/api/calls/${id}`, { token: t.token }), 200);
    const res = await call(detail.recordingUrl, { headers: { range: "bytes=10-19" } });
    expect(res.status).toBe(206);
    expect(await bytes(res)).toEqual(AUDIO.slice(10, 20));
    const sig = new URL(detail.recordingUrl, "http://x").searchParams.get("sig")!;
    expect((await call(`/api/calls/${id}/recording?sig=${encodeURIComponent(`${sig}x`)}`)).status).toBe(401);
    expect((await call(`/api/calls/call_01other/recording?sig=${encodeURIComponent(sig)}`)).status).toBe(404);
    expect((await call(`/api/calls/${id}/recording`)).status).toBe(401);
  });

  it("refuses a role without voice:read (403) and serves a viewer", async () => {
    const role = await expectJson(
      call("/api/roles", {
        method: "POST",
        token: t.token,
        json: { name: "Inbox only", permissions: ["conversations:read"] },
      }),
      201,
    );
    const member = await addMember(t, "agent");
    await expectJson(
      call(`/api/team/members/${member.userId}`, { method: "PATCH", token: t.token, json: { role: role.id } }),
      200,
    );
    expect((await get(undefined, member.token)).status).toBe(403);
    expect((await call(`/api/calls/${id}`, { token: member.token })).status).toBe(403);
    expect((await call("/api/calls", { token: member.token })).status).toBe(403);
    const viewer = await addMember(t, "viewer");
    expect((await get("bytes=0-0", viewer.token)).status).toBe(206);
  });

  it("decides ranges by RFC 9110 rules", () => {
    expect(decideRange(undefined, 10)).toEqual({ kind: "full" });
    expect(decideRange("items=0-1", 10)).toEqual({ kind: "full" });
    expect(decideRange("bytes=0-1,4-5", 10)).toEqual({ kind: "full" });
    expect(decideRange("bytes=-20", 10)).toEqual({ kind: "partial", range: { offset: 0, length: 10 } });
    expect(decideRange("bytes=0-", 0)).toEqual({ kind: "unsatisfiable" });
  });
});

describe("DELETE /api/calls/:id", () => {
  it("erases the call, its conversation and the recording in R2; viewers may not", async () => {
    const t = await makeTenant("Erase");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "del-1");
    const row = await callOf(vint, "del-1");
    expect(await env.FILES.head(row!.recording_key)).not.toBeNull();
    const viewer = await addMember(t, "viewer");
    expect((await call(`/api/calls/${row!.id}`, { method: "DELETE", token: viewer.token })).status).toBe(403);
    const out = await expectJson(call(`/api/calls/${row!.id}`, { method: "DELETE", token: t.token }), 200);
    expect(out.erased).toMatchObject({ conversations: 1, calls: 1 });
    expect(out.erased.files).toBeGreaterThanOrEqual(1);
    expect(await env.FILES.head(row!.recording_key)).toBeNull();
    expect(await callOf(vint, "del-1")).toBeNull();
    expect((await call(`/api/calls/${row!.id}`, { token: t.token })).status).toBe(404);
    expect((await call(`/api/calls/${row!.id}/recording`, { token: t.token })).status).toBe(404);
  });
});

describe("retention", () => {
  it("the sweep erases an idle call's conversation and its recording in R2", async () => {
    const t = await makeTenant("Retention");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "ret-1");
    const row = await callOf(vint, "ret-1");
    await eventually(
      () =>
        env.DB.prepare("select count(*) n from conversations where id = ?")
          .bind(row!.conversation_id)
          .first<{ n: number }>(),
      (r) => (r?.n ?? 0) === 1,
    );
    await expectJson(
      call("/api/privacy/settings", { method: "PUT", token: t.token, json: { conversationRetentionDays: 1 } }),
      200,
    );
    expect(await env.FILES.head(row!.recording_key)).not.toBeNull();
    await sweepRetention({
      repos: reposOf(createDb(env.DB)),
      log: createLog({ test: "calls-retention" }),
      services: { files: env.FILES },
      rooms: roomsPortOf(env.CONVERSATION_ROOM),
      // two days later: the call's conversation has been idle longer than the one-day retention
      clock: { now: () => Date.now() + 2 * 86_400_000 },
      requestId: "req_calls_sweep",
    });
    expect(await env.FILES.head(row!.recording_key)).toBeNull();
    expect(await callOf(vint, "ret-1")).toBeNull();
    expect((await call(`/api/calls/${row!.id}/recording`, { token: t.token })).status).toBe(404);
  });
});

describe("GET /api/analytics/calls", () => {
  it("sums calls, minutes and cost per bot and per month; costPerCall", async () => {
    const t = await makeTenant("Costs");
    const vint = await vapiLine(t);
    await seedCall(t, vint, "cost-1");
    await seedCall(t, vint, "cost-2", { cost: 0.75, durationSeconds: 78 });
    const body = await expectJson(call("/api/analytics/calls", { token: t.token }), 200);
    const month = new Date().toISOString().slice(0, 7);
    const expected = { currency: "USD", calls: 2, minutes: 2, cost: 1, costPerCall: 0.5 };
    expect(body.totals).toEqual([expected]);
    expect(body.byBot).toEqual([{ botId: t.botId, ...expected }]);
    expect(body.byMonth).toEqual([{ month, ...expected }]);
    const other = await makeTenant("No calls");
    expect((await expectJson(call("/api/analytics/calls", { token: other.token }), 200)).totals).toEqual([]);
    const csv = await call("/api/analytics/calls?format=csv", { token: t.token });
    expect(await csv.text()).toContain(`bot,${t.botId},USD,2,2,1,0.5`);
  });
});
