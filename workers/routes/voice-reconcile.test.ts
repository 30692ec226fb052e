import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { announceRetellCall } from "../domain/voice/test-support";
import { sign } from "../lib/signatures";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { openSocket } from "../rooms/test-client";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Issue 19, "Complete transcripts", for ElevenLabs and Retell (Vapi's is in calls.test.ts): the
 * end-of-call report reconciles the call's conversation through the public webhook routes with real
 * signatures and the published wire formats (protocols.md §2.1, §2.2, §3.2). Turns no live webhook
 * delivered are added in spoken order with their times; none is doubled, also when the report comes
 * twice (Retell's call_ended then call_analyzed, a re-delivery).
 */
vi.setConfig({ testTimeout: 60_000 });
afterEach(() => setRoomAnswererForTesting());

const ANSWER = "Open Settings, choose Account, then click Reset password.";
const answerer: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  yield { type: "delta", text: "Open Settings, choose Account, " };
  yield { type: "delta", text: "then click Reset password." };
  yield {
    type: "done",
    answer: ANSWER,
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

async function integration(t: TestTenant, provider: string, secrets: Record<string, string>) {
  return expectJson(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider, botId: t.botId, secrets },
    }),
    201,
  );
}

async function callRow(integrationId: string, providerCallId?: string) {
  const rows = await env.DB.prepare("select * from voice_calls where integration_id = ?")
    .bind(integrationId)
    .all<Record<string, any>>();
  return rows.results.filter((r) => providerCallId === undefined || r.provider_call_id === providerCallId);
}

type Line = { seq: number; role: string; text: string; at: string; fromReport: boolean };

/** GET /api/calls/:id's transcript (spoken order) once it has `n` lines of the caller and the assistant. */
async function transcript(t: TestTenant, callId: string, n: number): Promise<Line[]> {
  const detail = await eventually(
    () => expectJson(call(`/api/calls/${callId}`, { token: t.token }), 200),
    (d: { transcript: Line[] }) => d.transcript.filter((l) => l.role !== "system").length >= n,
  );
  return (detail.transcript as Line[]).filter((l) => l.role !== "system");
}

/** The room's own lines (no D1 copy in between): what a double would show first. */
async function roomLines(tenantId: string, conversationId: string) {
  const { roomStub } = await import("../rooms/room-stub");
  const msgs = await roomStub(env.CONVERSATION_ROOM, tenantId, conversationId).messages(0);
  return msgs.filter((m) => m.role !== "system").map((m) => `${m.role}: ${m.text}`);
}

// ------------------------------------------------------------------------------------- ElevenLabs

const EL_SECRET = "el-webhook-secret-0123456789";

async function elevenLabsHook(path: string, payload: unknown, secret = EL_SECRET) {
  const body = JSON.stringify(payload);
  const t = Math.floor(Date.now() / 1000);
  return call(path, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "elevenlabs-signature": await sign.elevenLabs(secret, body, t) },
  });
}

/** A post_call_transcription as protocols.md §2.1 shows it, for a phone call (Twilio call sid). */
function postCall(conversationId: string, callSid: string, startS: number, eventTs: number) {
  return {
    type: "post_call_transcription",
    event_timestamp: eventTs,
    data: {
      agent_id: "agent_nimbus",
      conversation_id: conversationId,
      status: "done",
      user_id: null,
      transcript: [
        turn("agent", "Hello! Nimbus support here. How can I help?", 0),
        turn("user", "How do I reset my password?", 3),
        // a tool call has no words: nothing to add
        {
          ...turn("agent", null, 5),
          tool_calls: [{ request_id: "r1", tool_name: "lookup", params_as_json: "{}" }],
        },
        turn("agent", ANSWER, 6),
        turn("user", "Great, thanks. That's all.", 11),
        turn("agent", "You're welcome. Goodbye!", 13),
      ],
      metadata: {
        start_time_unix_secs: startS,
        call_duration_secs: 15,
        cost: 296,
        termination_reason: "Client disconnected",
        phone_call: { call_sid: callSid, external_number: "+14155550123", type: "twilio" },
      },
      analysis: {
        evaluation_criteria_results: {},
        data_collection_results: {},
        call_successful: "success",
        transcript_summary: "The caller asked how to reset a password.",
      },
      conversation_initiation_client_data: {
        conversation_config_override: { agent: { prompt: null, first_message: null, language: "en" } },
        custom_llm_extra_body: {},
        dynamic_variables: { system__caller_id: "+14155550123" },
      },
      has_audio: false,
    },
  };
}
function turn(role: "agent" | "user", message: string | null, secs: number) {
  return {
    role,
    message,
    tool_calls: null,
    tool_results: null,
    feedback: null,
    time_in_call_secs: secs,
    conversation_turn_metrics: null,
  };
}

describe("ElevenLabs post-call transcript reconciles the call", () => {
  it("adds every spoken turn once, in order, with its time; a re-delivery and a forged one change nothing", async () => {
    const t = await makeTenant("EL Reconcile");
    const vint = await integration(t, "elevenlabs", { webhookSecret: EL_SECRET });
    const path = new URL(vint.webhookUrl).pathname;
    // the call starts with the initiation webhook (Twilio inbound): Echo knows the call by its sid
    const init = await call(`${path}/initiation`, {
      method: "POST",
      json: { caller_id: "+14155550123", agent_id: "agent_nimbus", called_number: "+18005550100", call_sid: "CA-el-1" },
      headers: { authorization: `Bearer ${EL_SECRET}` },
    });
    expect(init.status, await init.clone().text()).toBe(200);
    const [row] = await callRow(vint.id);
    expect(row, "the initiation webhook created the call").toBeDefined();

    const startS = Math.floor(Date.parse("2026-11-20T10:00:00Z") / 1000);
    const report = postCall("el-conv-1", "CA-el-1", startS, startS + 20);
    const res = await elevenLabsHook(path, report);
    expect(await expectJson(res, 200)).toEqual({ received: true });
    // the report lands on the initiation's call, not a second one
    expect(await callRow(vint.id)).toHaveLength(1);

    const lines = await transcript(t, row!.id, 5);
    expect(lines.map((l) => `${l.role}: ${l.text}`)).toEqual([
      "ai: Hello! Nimbus support here. How can I help?",
      "visitor: How do I reset my password?",
      `ai: ${ANSWER}`,
      "visitor: Great, thanks. That's all.",
      "ai: You're welcome. Goodbye!",
    ]);
    expect(lines.every((l) => l.fromReport)).toBe(true);
    expect(lines.map((l) => (Date.parse(l.at) / 1000 - startS).toString())).toEqual(["0", "3", "6", "11", "13"]);

    const detail = await expectJson(call(`/api/calls/${row!.id}`, { token: t.token }), 200);
    expect(detail).toMatchObject({ status: "ended", durationS: 15, cost: 296 });

    // re-delivered (ElevenLabs retries; the envelope's time differs): the same conversation's report is one event
    expect(await expectJson(elevenLabsHook(path, postCall("el-conv-1", "CA-el-1", startS, startS + 99)), 200)).toEqual({
      received: true,
      duplicate: true,
    });
    // signed with another secret: refused, nothing stored
    const forged = await elevenLabsHook(
      path,
      postCall("el-conv-2", "CA-el-1", startS, startS + 30),
      "not-the-secret-000",
    );
    expect(forged.status).toBe(401);
    expect(await roomLines(t.tenantId, row!.conversation_id)).toEqual(lines.map((l) => `${l.role}: ${l.text}`));
  });

  it("keeps the turns a live source already delivered, and adds only the others after the right line", async () => {
    const t = await makeTenant("EL Live");
    const vint = await integration(t, "elevenlabs", { webhookSecret: EL_SECRET });
    const path = new URL(vint.webhookUrl).pathname;
    await call(`${path}/initiation`, {
      method: "POST",
      json: { caller_id: "+14155550124", call_sid: "CA-el-2" },
      headers: { authorization: `Bearer ${EL_SECRET}` },
    });
    const [row] = await callRow(vint.id);
    const { roomStub } = await import("../rooms/room-stub");
    const room = roomStub(env.CONVERSATION_ROOM, t.tenantId, row!.conversation_id);
    // the caller's question and the answer were stored live (as a live transcript webhook would)
    await room.appendMessage({ role: "visitor", text: "How do I reset my password?", cid: "live-1" });
    await room.appendMessage({ role: "ai", text: ANSWER, cid: "live-2" });
    const startS = Math.floor(Date.parse("2026-11-21T09:00:00Z") / 1000);
    await expectJson(elevenLabsHook(path, postCall("el-conv-live", "CA-el-2", startS, startS + 20)), 200);

    const lines = await transcript(t, row!.id, 5);
    expect(lines.map((l) => [l.role, l.text, l.fromReport])).toEqual([
      ["ai", "Hello! Nimbus support here. How can I help?", true],
      ["visitor", "How do I reset my password?", false],
      ["ai", ANSWER, false],
      ["visitor", "Great, thanks. That's all.", true],
      ["ai", "You're welcome. Goodbye!", true],
    ]);
    expect(await roomLines(t.tenantId, row!.conversation_id)).toHaveLength(5);
  });
});

// ------------------------------------------------------------------------------------------ Retell

const RT_KEY = "retell-reconcile-api-key";

async function retellHook(path: string, payload: unknown) {
  const body = JSON.stringify(payload);
  return call(path, {
    method: "POST",
    body,
    headers: { "content-type": "application/json", "x-retell-signature": await sign.retell(RT_KEY, body, Date.now()) },
  });
}

/** Retell's call object (protocols.md §3.2, PhoneCallResponse) at the end of a call; words in seconds from its start. */
function retellCall(callId: string, startMs: number, utterances: [string, string, number][], extra: object[] = []) {
  return {
    call_id: callId,
    call_type: "phone_call",
    agent_id: "agent_rt",
    call_status: "ended",
    from_number: "+14155550123",
    to_number: "+18005550100",
    direction: "inbound",
    start_timestamp: startMs,
    end_timestamp: startMs + 16_000,
    duration_ms: 16_000,
    disconnection_reason: "user_hangup",
    recording_url: null,
    transcript: utterances.map(([r, c]) => `${r === "user" ? "User" : "Agent"}: ${c}`).join("\n"),
    transcript_object: [
      ...utterances.map(([role, content, start]) => ({
        role,
        content,
        words: content.split(" ").map((word, i) => ({ word, start: start + i * 0.3, end: start + i * 0.3 + 0.25 })),
      })),
      ...extra,
    ],
    call_cost: { combined_cost: 12.5 },
    metadata: {},
    retell_llm_dynamic_variables: {},
  };
}

describe("Retell call data reconciles the call", () => {
  it("live turns from the LLM socket stay once; call_ended adds the rest in order; call_analyzed adds nothing", async () => {
    setRoomAnswererForTesting(answerer);
    const t = await makeTenant("RT Reconcile");
    const vint = await integration(t, "retell", { apiKey: RT_KEY });
    const path = new URL(vint.webhookUrl).pathname;
    const callId = "rt-reconcile-1";
    await announceRetellCall(vint.webhookUrl, RT_KEY, callId);
    const llm = `${new URL(vint.urls.llmWebsocket.replace(/^ws/, "http")).pathname}/${callId}`;
    const rt = await openSocket(llm);
    const begin = await rt.waitFor((f) => f.response_type === "response" && f.response_id === 0);
    const greeting = begin.content as string;
    const question = "How do I reset my password?";
    rt.send({
      interaction_type: "response_required",
      response_id: 1,
      transcript: [
        { role: "agent", content: greeting },
        { role: "user", content: question },
      ],
    });
    await rt.waitFor((f) => f.response_id === 1 && f.content_complete === true);
    // Retell's live transcript confirms the answer was spoken; the caller's last words come only in the report
    rt.send({
      interaction_type: "update_only",
      transcript: [
        { role: "agent", content: greeting },
        { role: "user", content: question },
        { role: "agent", content: ANSWER },
        { role: "user", content: "Great" },
      ],
    });
    const [row] = await callRow(vint.id, callId);
    await eventually(
      () => roomLines(t.tenantId, row!.conversation_id),
      (l) => l.includes(`ai: ${ANSWER}`),
    );
    rt.close();

    const startMs = Date.parse("2026-11-20T10:00:00Z");
    const utterances: [string, string, number][] = [
      ["agent", greeting, 0.4],
      ["user", question, 2.1],
      ["agent", ANSWER, 5.0],
      ["user", "Great, thanks. That's all.", 10.2],
      ["agent", "You're welcome. Goodbye!", 12.6],
    ];
    const ended = { event: "call_ended", call: retellCall(callId, startMs, utterances) };
    expect(await expectJson(retellHook(path, ended), 200)).toEqual({ received: true });

    const lines = await transcript(t, row!.id, 5);
    expect(lines.map((l) => [l.role, l.text, l.fromReport])).toEqual([
      ["ai", greeting, false],
      ["visitor", question, false],
      ["ai", ANSWER, false],
      ["visitor", "Great, thanks. That's all.", true],
      ["ai", "You're welcome. Goodbye!", true],
    ]);
    // report lines carry the time of their first word
    expect(lines.slice(3).map((l) => Date.parse(l.at) - startMs)).toEqual([10_200, 12_600]);

    // call_analyzed carries the same call with its analysis: the summary, and no second copy of any turn
    const analyzed = {
      event: "call_analyzed",
      call: { ...retellCall(callId, startMs, utterances), call_analysis: { call_summary: "Password reset." } },
    };
    expect(await expectJson(retellHook(path, analyzed), 200)).toEqual({ received: true });
    // the very same call_ended again is a replay
    expect(await expectJson(retellHook(path, ended), 200)).toEqual({ received: true, duplicate: true });
    const detail = await eventually(
      () => expectJson(call(`/api/calls/${row!.id}`, { token: t.token }), 200),
      (d: { summary: string | null }) => d.summary === "Password reset.",
    );
    expect(detail).toMatchObject({ status: "ended", durationS: 16, cost: 0.125 });
    expect(await roomLines(t.tenantId, row!.conversation_id)).toEqual(lines.map((l) => `${l.role}: ${l.text}`));
  });

  it("reads the older {event, data} delivery (every turn from the report), refuses a forged one, and racing reports add each turn once", async () => {
    const t = await makeTenant("RT Old Shape");
    const vint = await integration(t, "retell", { apiKey: RT_KEY });
    const path = new URL(vint.webhookUrl).pathname;
    const startMs = Date.parse("2026-11-22T08:00:00Z");
    const data = retellCall("rt-old-1", startMs, [
      ["agent", "Hi, this is Nimbus.", 0.2],
      ["user", "Is the Pro plan monthly?", 1.8],
      ["agent", "Yes, 8 dollars per month.", 4.0],
    ]);
    expect(await expectJson(retellHook(path, { event: "call_started", data }), 200)).toEqual({ received: true });
    // signed with another key: refused before anything is read
    const body = JSON.stringify({ event: "call_ended", data });
    const forged = await call(path, {
      method: "POST",
      body,
      headers: {
        "content-type": "application/json",
        "x-retell-signature": await sign.retell("another-retell-key", body, Date.now()),
      },
    });
    expect(forged.status).toBe(401);
    // call_ended and call_analyzed at the same moment (two deliveries racing): each turn once
    const [ended, analyzed] = await Promise.all([
      retellHook(path, { event: "call_ended", data }),
      retellHook(path, { event: "call_analyzed", data: { ...data, call_analysis: { call_summary: "Pro plan." } } }),
    ]);
    expect(await expectJson(ended, 200)).toEqual({ received: true });
    expect(await expectJson(analyzed, 200)).toEqual({ received: true });
    const [row] = await callRow(vint.id, "rt-old-1");
    const lines = await transcript(t, row!.id, 3);
    expect(lines.map((l) => [l.role, l.text, Date.parse(l.at) - startMs])).toEqual([
      ["ai", "Hi, this is Nimbus.", 200],
      ["visitor", "Is the Pro plan monthly?", 1800],
      ["ai", "Yes, 8 dollars per month.", 4000],
    ]);
    expect(await roomLines(t.tenantId, row!.conversation_id)).toHaveLength(3);
  });

  it("a warm transfer's person is an agent line, never the AI's, and entries that are not speech are left out", async () => {
    const t = await makeTenant("RT Transfer");
    const vint = await integration(t, "retell", { apiKey: RT_KEY });
    const path = new URL(vint.webhookUrl).pathname;
    const startMs = Date.parse("2026-11-23T15:00:00Z");
    const data = retellCall(
      "rt-transfer-1",
      startMs,
      [
        ["agent", "Hi, this is Nimbus.", 0.2],
        ["user", "Can I talk to a person about my invoice?", 2.0],
        ["agent", "Sure, transferring you now.", 5.1],
        ["transfer_target", "Hi, this is Dana from billing. How can I help?", 14.0],
        ["user", "Hi Dana, my invoice is wrong.", 18.3],
      ],
      // a richer transcript variant's non-speech entry: not a line of the conversation
      [{ role: "node_transition", content: "moved to node transfer", words: [] }],
    );
    await expectJson(retellHook(path, { event: "call_started", call: data }), 200);
    await expectJson(retellHook(path, { event: "call_ended", call: data }), 200);
    const [row] = await callRow(vint.id, "rt-transfer-1");
    const lines = await transcript(t, row!.id, 5);
    expect(lines.map((l) => [l.role, l.text, Date.parse(l.at) - startMs])).toEqual([
      ["ai", "Hi, this is Nimbus.", 200],
      ["visitor", "Can I talk to a person about my invoice?", 2000],
      ["ai", "Sure, transferring you now.", 5100],
      ["agent", "Hi, this is Dana from billing. How can I help?", 14_000],
      ["visitor", "Hi Dana, my invoice is wrong.", 18_300],
    ]);
    // call_analyzed with the same transcript: the person's line is matched, not added again
    await expectJson(retellHook(path, { event: "call_analyzed", call: data }), 200);
    expect(await roomLines(t.tenantId, row!.conversation_id)).toEqual(lines.map((l) => `${l.role}: ${l.text}`));
  });
});
