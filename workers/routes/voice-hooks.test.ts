import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { announceRetellCall, NIMBUS_DOCS, parseSse, seedKnowledge } from "../domain/voice/test-support";
import { sign } from "../lib/signatures";
import { call, eventually, expectJson, makeTenant } from "../test/fixtures";
import recorded from "../test/fixtures/vapi/recorded-call.json";
import { voiceHookDeps } from "./voice-hooks";

// these tests run whole calls (many webhook round trips and answers); a loaded machine needs more than 5 s
vi.setConfig({ testTimeout: 30_000 });

const realFetch = voiceHookDeps.fetch;
afterEach(() => {
  voiceHookDeps.fetch = realFetch;
});

async function integration(
  t: { token: string; botId: string },
  provider: string,
  secrets: Record<string, string>,
  settings: Record<string, unknown> = {},
) {
  return expectJson(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider, botId: t.botId, secrets, settings },
    }),
    201,
  );
}

async function stored(integrationId: string) {
  const calls = await env.DB.prepare("select count(*) n from voice_calls where integration_id = ?")
    .bind(integrationId)
    .first<{ n: number }>();
  const events = await env.DB.prepare("select count(*) n from voice_events where integration_id = ?")
    .bind(integrationId)
    .first<{ n: number }>();
  return { calls: calls?.n ?? 0, events: events?.n ?? 0 };
}

const hookPath = (url: string) => new URL(url).pathname;

function vapiMessages(callId: string, recordingUrl: string, webhookUrl: string) {
  const text = JSON.stringify(recorded.messages)
    .replaceAll("{{CALL_ID}}", callId)
    .replaceAll("{{RECORDING_URL}}", recordingUrl)
    .replaceAll("{{WEBHOOK_URL}}", webhookUrl);
  return JSON.parse(text) as { message: { type: string } }[];
}

describe("Vapi webhooks: a recorded call replayed", () => {
  it("produces one conversation with transcript, summary, duration, cost and the recording in R2; a second replay changes nothing", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-1" }, { handoffNumber: "+14155550100" });
    const wav = new Uint8Array([82, 73, 70, 70, 1, 2, 3, 4]);
    const fetched: string[] = [];
    voiceHookDeps.fetch = async (url) => {
      fetched.push(String(url));
      return new Response(wav, { headers: { "content-type": "audio/wav" } });
    };
    const msgs = vapiMessages("call-rec-1", "https://storage.vapi.example/rec/mono.wav", vint.webhookUrl);
    const answers: Record<string, unknown>[] = [];
    for (const m of msgs) {
      answers.push(
        await expectJson(
          call(hookPath(vint.webhookUrl), {
            method: "POST",
            json: m,
            headers: { "x-vapi-secret": "vapi-shared-secret-1" },
          }),
          200,
        ),
      );
    }
    const assistant = answers[0]!.assistant as Record<string, any>;
    expect(assistant.model).toMatchObject({ provider: "custom-llm", url: vint.urls.customLlm, model: t.botId });
    expect(assistant.model.tools.map((x: any) => x.function.name)).toEqual([
      "lookup_knowledge",
      "lookup_order",
      "create_ticket",
      "transfer_to_human",
    ]);
    expect(assistant.firstMessage).toContain("Ask me anything");
    const lookup = (answers[6]!.results as any[])[0];
    expect(lookup.toolCallId).toBe("call_lk1");
    expect(JSON.parse(lookup.result).answer).toMatch(/Settings/);
    const ticket = (answers[10]!.results as any[])[0];
    expect(ticket).toMatchObject({ toolCallId: "call_tk1", name: "create_ticket" });
    expect(JSON.parse(ticket.result).ticketId).toMatch(/^tkt_/);
    expect(fetched).toEqual(["https://storage.vapi.example/rec/mono.wav"]);

    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row).toMatchObject({
      state: "ended",
      cost: 0.1342,
      ended_reason: "customer-ended-call",
      from_number: "+14155550123",
    });
    expect(row!.duration_sec).toBeCloseTo(37.734, 3);
    expect(row!.summary).toContain("reset their Nimbus Notes password");
    const obj = await env.FILES.get(row!.recording_key);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(wav);

    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}`, { token: t.token }), 200),
      (c: any) => c.meta?.call?.state === "ended",
    );
    expect(conv.channel).toBe("voice");
    expect(conv.meta.call.data).toMatchObject({
      cost: 0.1342,
      durationSec: 37.734,
      endedReason: "customer-ended-call",
      recordingKey: row!.recording_key,
    });
    const list = await expectJson(call("/api/conversations", { token: t.token }), 200);
    expect(list.data.filter((c: { id: string }) => c.id === row!.conversation_id)).toHaveLength(1);
    const messages = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }), 200),
      (b: any) => b.data.filter((m: any) => m.role === "visitor").length === 3,
    );
    const texts = messages.data.map((m: { role: string; text: string }) => `${m.role}: ${m.text}`);
    expect(texts.filter((x: string) => x === "visitor: Hi, how do I reset my password?")).toHaveLength(1);
    expect(texts.filter((x: string) => x.startsWith("ai: Open Settings"))).toHaveLength(1);
    expect(texts).not.toContain("visitor: Hi, how do I"); // partial transcripts are not stored

    const before = await stored(vint.id);
    const replayed: Record<string, unknown>[] = [];
    for (const m of msgs)
      replayed.push(
        await expectJson(
          call(hookPath(vint.webhookUrl), {
            method: "POST",
            json: m,
            headers: { "x-vapi-secret": "vapi-shared-secret-1" },
          }),
          200,
        ),
      );
    expect(replayed[0]).toEqual(answers[0]); // a retried request/response event gets the first answer
    expect(replayed[6]).toEqual(answers[6]);
    expect(replayed[1]).toMatchObject({ duplicate: true });
    expect(await stored(vint.id)).toEqual(before);
    expect(fetched).toHaveLength(1);
    const after = await expectJson(
      call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }),
      200,
    );
    expect(after.data).toHaveLength(messages.data.length);
  });

  it("accepts every documented tool-call list shape", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-2" });
    const shapes = [
      { toolCallList: [{ id: "a1", name: "lookup_knowledge", parameters: { query: "x" } }] },
      { toolCallList: [{ id: "b1", name: "lookup_knowledge", arguments: { query: "x" } }] },
      {
        toolCallList: [
          { id: "c1", type: "function", function: { name: "lookup_knowledge", arguments: '{"query":"x"}' } },
        ],
      },
      { toolWithToolCallList: [{ name: "lookup_knowledge", toolCall: { id: "d1", parameters: { query: "x" } } }] },
      {
        toolWithToolCallList: [
          {
            type: "function",
            function: { name: "lookup_knowledge" },
            toolCall: { id: "e1", function: { parameters: { query: "x" } } },
          },
        ],
      },
    ];
    for (const [i, shape] of shapes.entries()) {
      const body = await expectJson(
        call(hookPath(vint.webhookUrl), {
          method: "POST",
          json: { message: { type: "tool-calls", call: { id: `shape-call-${i}` }, ...shape } },
          headers: { "x-vapi-secret": "vapi-shared-secret-2" },
        }),
        200,
      );
      expect(body.results, JSON.stringify(shape)).toHaveLength(1);
      expect(body.results[0].error, JSON.stringify(body)).toBeUndefined();
      expect(typeof body.results[0].result).toBe("string");
    }
  });

  it("answers knowledge-base-request with the bot's passages for the caller's last question", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-7" });
    const body = await expectJson(
      call(hookPath(vint.webhookUrl), {
        method: "POST",
        json: {
          message: {
            type: "knowledge-base-request",
            call: { id: "kb-call" },
            messages: [
              { role: "assistant", content: "Hi" },
              { role: "user", content: "How do I reset my password?" },
            ],
          },
        },
        headers: { "x-vapi-secret": "vapi-shared-secret-7" },
      }),
      200,
    );
    expect(body.documents.length).toBeGreaterThan(0);
    expect(body.documents[0].content).toContain("Reset password");
    expect(typeof body.documents[0].similarity).toBe("number");
  });

  it("refuses a wrong or missing secret with 401 and stores nothing", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-3" });
    const m = { message: { type: "status-update", status: "in-progress", call: { id: "c-unauth" } } };
    for (const headers of [
      { "x-vapi-secret": "vapi-shared-secret-X" },
      {},
      { authorization: "Bearer vapi-shared-secret-3" },
    ] as Record<string, string>[]) {
      expect((await call(hookPath(vint.webhookUrl), { method: "POST", json: m, headers })).status).toBe(401);
    }
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
  });

  it("verifies the HMAC credential mode, refusing stale and tampered requests", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "vapi", { secret: "vapi-hmac-secret-4" }, { vapiAuth: "hmac" });
    const body = JSON.stringify({ message: { type: "status-update", status: "in-progress", call: { id: "c-hmac" } } });
    const now = String(Date.now());
    const stale = String(Date.now() - 10 * 60_000);
    const post = (b: string, ts: string, sig: string) =>
      call(hookPath(vint.webhookUrl), {
        method: "POST",
        body: b,
        headers: { "content-type": "application/json", "x-timestamp": ts, "x-signature": sig },
      });
    expect((await post(body, stale, await sign.vapiHmac("vapi-hmac-secret-4", body, stale))).status).toBe(401);
    expect(
      (await post(body.replace("in-progress", "ended"), now, await sign.vapiHmac("vapi-hmac-secret-4", body, now)))
        .status,
    ).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
    expect((await post(body, now, await sign.vapiHmac("vapi-hmac-secret-4", body, now))).status).toBe(200);
    expect(await stored(vint.id)).toEqual({ calls: 1, events: 1 });
  });

  it("answers 404 for an unknown integration and for one of another provider", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "retell", { apiKey: "retell-key-12345" });
    expect(
      (await call(`/hooks/voice/vapi/${vint.id}`, { method: "POST", json: { message: { type: "hang" } } })).status,
    ).toBe(404);
    expect(
      (
        await call("/hooks/voice/vapi/vint_00000000000000000000000000", {
          method: "POST",
          json: { message: { type: "hang" } },
        })
      ).status,
    ).toBe(404);
  });
});

describe("Vapi hand-off of a frustrated caller", () => {
  it("marks the call transferred with a summary, makes the next LLM turn call the transfer tool, and answers the destination request with the hand-off number", async () => {
    const t = await makeTenant("Nimbus");
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-6" }, { handoffNumber: "+14155550100" });
    const post = (m: Record<string, unknown>) =>
      expectJson(
        call(hookPath(vint.webhookUrl), {
          method: "POST",
          json: { message: { call: { id: "angry-call-1", customer: { number: "+14155550123" } }, ...m } },
          headers: { "x-vapi-secret": "vapi-shared-secret-6" },
        }),
        200,
      );
    await post({ type: "assistant-request" });
    await post({
      type: "transcript",
      role: "user",
      transcriptType: "final",
      transcript: "My notes are gone after the sync.",
    });
    await post({
      type: "transcript",
      role: "user",
      transcriptType: "final",
      transcript: "This is useless! I want to talk to a real person right now!",
    });
    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row!.state).toBe("transferred");
    expect(row!.summary).toContain("My notes are gone after the sync.");
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}`, { token: t.token }), 200),
      (c: any) => c.meta?.call?.state === "transferred",
    );
    expect(conv.mode).toBe("human");
    expect(conv.meta.call.data).toMatchObject({ transferTo: "+14155550100" });

    const llm = await call(`${hookPath(vint.urls.customLlm)}/chat/completions`, {
      method: "POST",
      json: { model: "x", stream: true, messages: [{ role: "user", content: "hello?" }], call: { id: "angry-call-1" } },
    });
    const events = parseSse(await llm.text());
    const tool = events.flatMap((e) => (e === "[DONE]" ? [] : ((e.choices as any[])[0]?.delta?.tool_calls ?? [])));
    expect(tool[0].function.name).toBe("transfer_to_human");
    expect(events.some((e) => e !== "[DONE]" && (e.choices as any[])[0]?.finish_reason === "tool_calls")).toBe(true);

    const dest = await post({ type: "transfer-destination-request" });
    expect(dest).toMatchObject({
      destination: { type: "number", number: "+14155550100" },
      message: { type: "request-start" },
    });
  });
});

describe("Vapi hand-off on the frustrated caller's own turn", () => {
  it("transfers on the LLM turn that carries the frustrated words, before their transcript webhook arrives", async () => {
    const t = await makeTenant("Nimbus");
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-8" }, { handoffNumber: "+14155550100" });
    const post = (m: Record<string, unknown>) =>
      expectJson(
        call(hookPath(vint.webhookUrl), {
          method: "POST",
          json: { message: { call: { id: "angry-call-2", customer: { number: "+14155550123" } }, ...m } },
          headers: { "x-vapi-secret": "vapi-shared-secret-8" },
        }),
        200,
      );
    const angry = "This is useless! I want to talk to a real person right now!";
    await post({ type: "assistant-request" });
    await post({
      type: "transcript",
      role: "user",
      transcriptType: "final",
      transcript: "My notes are gone after the sync.",
      timestamp: 1,
    });
    // Vapi asks its custom LLM for the turn without waiting for the transcript webhook of the same words
    const messages = [
      { role: "assistant", content: "Hi! How can I help?" },
      { role: "user", content: "My notes are gone after the sync." },
      { role: "assistant", content: "Try Sync now from the menu." },
      { role: "user", content: angry },
    ];
    const llm = await call(`${hookPath(vint.urls.customLlm)}/chat/completions`, {
      method: "POST",
      json: { model: "x", stream: true, messages, call: { id: "angry-call-2" } },
    });
    const events = parseSse(await llm.text());
    const tool = events.flatMap((e) => (e === "[DONE]" ? [] : ((e.choices as any[])[0]?.delta?.tool_calls ?? [])));
    expect(
      tool.map((x: any) => x.function.name),
      JSON.stringify(events),
    ).toEqual(["transfer_to_human"]);
    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row!.state).toBe("transferred");

    // the late transcript webhook stores the words and hands off nothing twice
    await post({ type: "transcript", role: "user", transcriptType: "final", transcript: angry, timestamp: 2 });
    const msgs = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }), 200),
      (b: any) => b.data.some((m: any) => m.text === angry),
    );
    expect(
      msgs.data.filter((m: any) => m.role === "system" && m.text.startsWith("Call transferred")),
      JSON.stringify(msgs.data),
    ).toHaveLength(1);
    expect(msgs.data.filter((m: any) => m.role === "visitor").map((m: any) => m.text)).toEqual([
      "My notes are gone after the sync.",
      angry,
    ]);
  });
});

describe("Vapi LLM turn after its transcript arrived", () => {
  it("does not count the caller's words as a repeat of themselves", async () => {
    const t = await makeTenant("Nimbus");
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-9" }, { handoffNumber: "+14155550100" });
    const post = (m: Record<string, unknown>) =>
      expectJson(
        call(hookPath(vint.webhookUrl), {
          method: "POST",
          json: { message: { call: { id: "repeat-call-1" }, ...m } },
          headers: { "x-vapi-secret": "vapi-shared-secret-9" },
        }),
        200,
      );
    const q = "How do I export my notes?";
    await post({ type: "assistant-request" });
    // asked twice (the policy hands off at three), the second transcript arriving before its LLM turn
    await post({ type: "transcript", role: "user", transcriptType: "final", transcript: q, timestamp: 1 });
    await post({ type: "transcript", role: "user", transcriptType: "final", transcript: q, timestamp: 2 });
    const messages = [
      { role: "user", content: q },
      { role: "assistant", content: "Open the menu." },
      { role: "user", content: q },
    ];
    const events = parseSse(
      await (
        await call(`${hookPath(vint.urls.customLlm)}/chat/completions`, {
          method: "POST",
          json: { model: "x", stream: true, messages, call: { id: "repeat-call-1" } },
        })
      ).text(),
    );
    expect(
      events.flatMap((e) => (e === "[DONE]" ? [] : ((e.choices as any[])[0]?.delta?.tool_calls ?? []))),
      JSON.stringify(events),
    ).toEqual([]);
    const row = await env.DB.prepare("select state from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<{ state: string }>();
    expect(row!.state).not.toBe("transferred");
  });
});

describe("custom-LLM URL of an integration", () => {
  it("streams a voice answer with the capability token and refuses a wrong one", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(t, "vapi", { secret: "vapi-shared-secret-5" });
    const body = {
      model: "gpt-4o",
      stream: true,
      messages: [
        { role: "system", content: "x" },
        { role: "user", content: "How do I export my notes?" },
      ],
      call: { id: "llm-call-1" },
    };
    const res = await call(`${hookPath(vint.urls.customLlm)}/chat/completions`, { method: "POST", json: body });
    expect(res.status).toBe(200);
    const events = parseSse(await res.text());
    expect(events.at(-1)).toBe("[DONE]");
    const text = events.map((e) => (e === "[DONE]" ? "" : ((e.choices as any[])[0]?.delta?.content ?? ""))).join("");
    expect(text).toMatch(/Export/);
    const bad = await call(`/hooks/voice/vapi/${vint.id}/llm/${"0".repeat(40)}/chat/completions`, {
      method: "POST",
      json: body,
    });
    expect(bad.status).toBe(404);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe("model_not_found");
  });
});

describe("ElevenLabs custom LLM", () => {
  it("answers a non-streamed chat completion for the integration's bot, whatever model name ElevenLabs sends", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(t, "elevenlabs", { webhookSecret: "wsec_elevenlabs_llm" });
    const body = await expectJson(
      call(`${hookPath(vint.urls.customLlm)}/chat/completions`, {
        method: "POST",
        json: {
          model: "my-custom-llm",
          messages: [{ role: "user", content: "What does the Pro plan include?" }],
          elevenlabs_extra_body: {},
          user_id: "u1",
        },
      }),
      200,
    );
    expect(body).toMatchObject({ object: "chat.completion", model: t.botId });
    expect(body.choices[0].message.content).toMatch(/notebooks|offline/i);
  });
});

describe("Retell webhooks", () => {
  const callEnded = (id: string) =>
    JSON.stringify({
      event: "call_ended",
      call: {
        call_id: id,
        from_number: "+14155550111",
        to_number: "+18005550199",
        start_timestamp: 1700000000000,
        end_timestamp: 1700000042000,
        duration_ms: 42000,
        disconnection_reason: "user_hangup",
        transcript_object: [
          { role: "agent", content: "Hello!" },
          { role: "user", content: "How do I reset my password?" },
        ],
      },
    });

  it("accepts a signed call_ended, and refuses tampered body, wrong key, stale timestamp; drops the replay", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "retell", { apiKey: "retell-api-key-1" });
    const body = callEnded("retell-call-1");
    const post = (b: string, sig: string) =>
      call(hookPath(vint.webhookUrl), {
        method: "POST",
        body: b,
        headers: { "content-type": "application/json", "x-retell-signature": sig },
      });
    expect(
      (await post(body.replace("user_hangup", "agent_hangup"), await sign.retell("retell-api-key-1", body, Date.now())))
        .status,
    ).toBe(401);
    expect((await post(body, await sign.retell("retell-api-key-2", body, Date.now()))).status).toBe(401);
    expect((await post(body, await sign.retell("retell-api-key-1", body, Date.now() - 300_001))).status).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
    const sig = await sign.retell("retell-api-key-1", body, Date.now());
    expect(await expectJson(post(body, sig), 200)).toEqual({ received: true });
    const once = await stored(vint.id);
    expect(once).toEqual({ calls: 1, events: 1 });
    expect(await expectJson(post(body, sig), 200)).toEqual({ received: true, duplicate: true });
    expect(await stored(vint.id)).toEqual(once);
    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row).toMatchObject({
      state: "ended",
      duration_sec: 42,
      ended_reason: "user_hangup",
      from_number: "+14155550111",
    });
  });
});

describe("Retell custom-LLM WebSocket", () => {
  it("streams answers per response_id and drops an interrupted one", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(t, "retell", { apiKey: "retell-api-key-3" });
    await announceRetellCall(vint.webhookUrl, "retell-api-key-3", "retell-ws-call-1");
    const url = vint.urls.llmWebsocket.replace(/^ws/, "http") + "/retell-ws-call-1";
    const res = await exports.default.fetch(new Request(url, { headers: { upgrade: "websocket" } }));
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: Record<string, any>[] = [];
    ws.addEventListener("message", (e) => {
      frames.push(JSON.parse(e.data as string));
    });
    ws.accept();
    await eventually(
      async () => frames.length,
      (n) => n >= 2,
    );
    expect(frames[0]).toEqual({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
    expect(frames[1]).toMatchObject({ response_type: "response", response_id: 0, content_complete: true });
    ws.send(JSON.stringify({ interaction_type: "ping_pong", timestamp: 1703302407333 }));
    ws.send(
      JSON.stringify({
        interaction_type: "response_required",
        response_id: 1,
        transcript: [
          { role: "agent", content: "Hi!" },
          { role: "user", content: "How much does the Pro plan cost?" },
        ],
      }),
    );
    ws.send(
      JSON.stringify({
        interaction_type: "response_required",
        response_id: 2,
        transcript: [
          { role: "agent", content: "Hi!" },
          { role: "user", content: "How much does the Pro plan cost?" },
          { role: "user", content: "How do I reset my password?" },
        ],
      }),
    );
    await eventually(async () => frames.some((f) => f.response_id === 2 && f.content_complete === true), Boolean);
    expect(frames).toContainEqual({ response_type: "ping_pong", timestamp: 1703302407333 });
    const id2 = frames.filter((f) => f.response_id === 2);
    expect(id2.map((f) => f.content).join("")).toMatch(/Settings/);
    const firstOf2 = frames.findIndex((f) => f.response_id === 2);
    expect(frames.slice(firstOf2).filter((f) => f.response_id === 1)).toEqual([]);
    expect(frames.filter((f) => f.response_id === 1 && f.content_complete === true)).toEqual([]);
    ws.close(1000, "done");
    const row = await env.DB.prepare("select conversation_id from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<{ conversation_id: string }>();
    const msgs = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }), 200),
      (b: any) => b.data.some((m: any) => m.text === "How do I reset my password?"),
    );
    expect(msgs.data.filter((m: any) => m.role === "visitor").map((m: any) => m.text)).toEqual([
      "How much does the Pro plan cost?",
      "How do I reset my password?",
    ]);
  });
});

describe("ElevenLabs webhooks", () => {
  it("stores a signed post-call transcription and refuses a stale or tampered one", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "elevenlabs", { webhookSecret: "wsec_elevenlabs_1" });
    const body = JSON.stringify({
      type: "post_call_transcription",
      event_timestamp: Math.floor(Date.now() / 1000),
      data: {
        agent_id: "xyz",
        conversation_id: "el-conv-1",
        status: "done",
        transcript: [
          { role: "agent", message: "Hey there, how can I help?", time_in_call_secs: 0 },
          { role: "user", message: "Where do I find the export menu?", time_in_call_secs: 3 },
        ],
        metadata: { start_time_unix_secs: 1739537297, call_duration_secs: 22, cost: 296, termination_reason: "" },
        analysis: { call_successful: "success", transcript_summary: "The caller asked where the export menu is." },
      },
    });
    const post = (b: string, sig: string) =>
      call(hookPath(vint.webhookUrl), {
        method: "POST",
        body: b,
        headers: { "content-type": "application/json", "elevenlabs-signature": sig },
      });
    const nowS = Math.floor(Date.now() / 1000);
    expect((await post(body, await sign.elevenLabs("wsec_elevenlabs_1", body, nowS - 31 * 60))).status).toBe(401);
    expect(
      (await post(body.replace("export", "import"), await sign.elevenLabs("wsec_elevenlabs_1", body, nowS))).status,
    ).toBe(401);
    expect((await post(body, await sign.elevenLabs("wsec_elevenlabs_2", body, nowS))).status).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
    const sig = await sign.elevenLabs("wsec_elevenlabs_1", body, nowS);
    await expectJson(post(body, sig), 200);
    expect(await expectJson(post(body, sig), 200)).toMatchObject({ duplicate: true });
    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row).toMatchObject({
      state: "ended",
      duration_sec: 22,
      cost: 296,
      cost_currency: "credits",
      summary: "The caller asked where the export menu is.",
    });
    const msgs = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}/messages`, { token: t.token }), 200),
      (b: any) => b.data.length >= 2,
    );
    expect(msgs.data.map((m: any) => m.role)).toEqual(["ai", "visitor"]);
  });

  it("answers the conversation-initiation webhook with dynamic variables when the static secret matches", async () => {
    const t = await makeTenant();
    const vint = await integration(
      t,
      "elevenlabs",
      { webhookSecret: "wsec_elevenlabs_3" },
      { handoffNumber: "+14155550100" },
    );
    const body = { caller_id: "+14155550123", agent_id: "xyz", called_number: "+18005550199", call_sid: "CAinit1" };
    expect(
      (
        await call(hookPath(vint.urls.initiation), {
          method: "POST",
          json: body,
          headers: { authorization: "Bearer wrong-secret-000" },
        })
      ).status,
    ).toBe(401);
    const r = await expectJson(
      call(hookPath(vint.urls.initiation), {
        method: "POST",
        json: body,
        headers: { authorization: "Bearer wsec_elevenlabs_3" },
      }),
      200,
    );
    expect(r).toMatchObject({
      type: "conversation_initiation_client_data",
      dynamic_variables: { caller_number: "+14155550123", handoff_number: "+14155550100" },
    });
    expect(r.dynamic_variables.echo_conversation_id).toMatch(/^conv_/);
  });
});

describe("Twilio webhooks", () => {
  const form = (p: Record<string, string>) => new URLSearchParams(p).toString();

  it("answers the incoming call with TwiML, answers a spoken question, hands a frustrated caller to the human number, and ends on the status callback", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await integration(
      t,
      "twilio",
      { authToken: "twilio-auth-token-1" },
      { handoffNumber: "+14155550100" },
    );
    const post = async (url: string, p: Record<string, string>, token = "twilio-auth-token-1") =>
      call(hookPath(url) + new URL(url).search, {
        method: "POST",
        body: form(p),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await sign.twilio(token, url, p),
        },
      });
    const base = {
      CallSid: "CA0001",
      AccountSid: "AC" + "0".repeat(32),
      From: "+14155550123",
      To: "+18005550199",
      CallStatus: "ringing",
      Direction: "inbound",
      ApiVersion: "2010-04-01",
    };

    expect((await post(vint.webhookUrl, base, "wrong-token-12345")).status).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });

    const incoming = await post(vint.webhookUrl, base);
    expect(incoming.status).toBe(200);
    expect(incoming.headers.get("content-type")).toContain("text/xml");
    const xml = await incoming.text();
    expect(xml).toContain('<Gather input="speech"');
    expect(xml).toContain(`${vint.webhookUrl}/gather?turn=1`);

    const q = await post(`${vint.webhookUrl}/gather?turn=1`, {
      ...base,
      CallStatus: "in-progress",
      SpeechResult: "How do I reset my password?",
      Confidence: "0.92",
    });
    const answer = await q.text();
    expect(answer).toContain("Settings");
    expect(answer).toContain(`gather?turn=2`);

    const angry = await post(`${vint.webhookUrl}/gather?turn=2`, {
      ...base,
      CallStatus: "in-progress",
      SpeechResult: "This is useless! I want to talk to a real person right now!",
      Confidence: "0.9",
    });
    const dialXml = await angry.text();
    expect(dialXml).toContain("<Dial>+14155550100</Dial>");
    const row = await env.DB.prepare("select * from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<Record<string, any>>();
    expect(row!.state).toBe("transferred");
    expect(row!.summary).toContain("How do I reset my password?");

    expect(
      (await post(`${vint.webhookUrl}/status`, { ...base, CallStatus: "completed", CallDuration: "64" })).status,
    ).toBe(204);
    const ended = await env.DB.prepare("select * from voice_calls where id = ?")
      .bind(row!.id)
      .first<Record<string, any>>();
    expect(ended).toMatchObject({ state: "ended", duration_sec: 64, ended_reason: "completed" });
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${row!.conversation_id}`, { token: t.token }), 200),
      (c: any) => c.meta?.call?.state === "ended",
    );
    expect(conv.mode).toBe("human");
  });

  it("bridges to the tenant's voice agent with <Connect><Stream> when a stream URL is set", async () => {
    const t = await makeTenant();
    const vint = await integration(
      t,
      "twilio",
      { authToken: "twilio-auth-token-2" },
      { streamUrl: "wss://agent.example/stream", handoffNumber: "+14155550100" },
    );
    const p = { CallSid: "CA0002", From: "+14155550123", To: "+18005550199" };
    const res = await call(hookPath(vint.webhookUrl), {
      method: "POST",
      body: form(p),
      headers: {
        "content-type": "application/x-www-form-urlencoded",
        "x-twilio-signature": await sign.twilio("twilio-auth-token-2", vint.webhookUrl, p),
      },
    });
    const xml = await res.text();
    expect(xml).toContain('<Connect><Stream url="wss://agent.example/stream">');
    expect(xml).toMatch(/<Parameter name="conversationId" value="conv_[0-9a-z]+"\/>/);
  });
});
