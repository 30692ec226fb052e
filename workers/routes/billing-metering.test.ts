import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import worker from "../index";
import { announceRetellCall, NIMBUS_DOCS, seedKnowledge } from "../domain/voice/test-support";
import { openSocket } from "../rooms/test-client";
import { hubStub } from "../rooms/tenant-hub";
import { setEgressTransport } from "../lib/egress";
import { sign } from "../lib/signatures";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { rfc822 } from "../test/rfc822";
import { connectWhatsApp, graphServer, inboundText, postHook } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 60_000 });

/**
 * Voice minutes and channel messages metered at their call sites (issue 15): each counted once per
 * tenant, bot and period by its own id — a replayed webhook or a redelivered mail never counts
 * twice — and a plan's voice minutes, once used up, send new calls to a person instead of the AI.
 */

type Totals = {
  aiAnswers: number;
  voiceSeconds: number;
  voiceMinutes: number;
  channelMessages: number;
  emailMessages: number;
  whatsappMessages: number;
};
type Usage = { totals: Totals; byBot: (Totals & { botId: string })[] };
const usage = (t: TestTenant) => expectJson<Usage>(call("/api/billing/usage", { token: t.token }), 200);

const vapiIntegration = (t: TestTenant, secret: string, settings: Record<string, unknown> = {}) =>
  expectJson<{ id: string; webhookUrl: string }>(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider: "vapi", botId: t.botId, secrets: { secret }, settings },
    }),
    201,
  );

const vapi = (webhookUrl: string, secret: string, message: Record<string, unknown>) =>
  call(new URL(webhookUrl).pathname, { method: "POST", json: { message }, headers: { "x-vapi-secret": secret } });

const assistantRequest = (callId: string) => ({
  type: "assistant-request",
  call: { id: callId },
  customer: { number: "+14155550123" },
  timestamp: Date.now(),
});
const endOfCall = (callId: string, durationSeconds: number, timestamp: number) => ({
  type: "end-of-call-report",
  call: { id: callId },
  endedReason: "customer-ended-call",
  durationSeconds,
  timestamp,
});

/** This period's voice seconds of a tenant, written straight into the counters (a month of calls). */
const useVoiceSeconds = (t: TestTenant, seconds: number) =>
  env.DB.prepare(
    `INSERT INTO usage_counters (tenant_id, period, metric, bot_id, quantity, cost_micros) VALUES (?, ?, 'voice_seconds', ?, ?, 0)
     ON CONFLICT DO UPDATE SET quantity = excluded.quantity`,
  )
    .bind(t.tenantId, new Date().toISOString().slice(0, 7), t.botId, seconds)
    .run();

const callRow = (integrationId: string, providerCallId: string) =>
  env.DB.prepare("select * from voice_calls where integration_id = ? and provider_call_id = ?")
    .bind(integrationId, providerCallId)
    .first<{ id: string; conversation_id: string; state: string }>();

describe("voice minutes", () => {
  it("count a call's duration once: the end-of-call report replayed, and redelivered with a new timestamp, add nothing", async () => {
    const t = await makeTenant("Minutes");
    const other = await makeTenant("Bystander");
    const vint = await vapiIntegration(t, "vapi-meter-secret-1");
    const started = await expectJson(vapi(vint.webhookUrl, "vapi-meter-secret-1", assistantRequest("call-m1")), 200);
    expect(started.assistant, JSON.stringify(started)).toBeTruthy();
    const report = endOfCall("call-m1", 125.2, 1_700_000_000_000);
    await expectJson(vapi(vint.webhookUrl, "vapi-meter-secret-1", report), 200);
    const replay = await expectJson(vapi(vint.webhookUrl, "vapi-meter-secret-1", report), 200);
    expect(replay, "the exact replay is dropped by the webhook's event id").toMatchObject({ duplicate: true });
    // the same call's report again under a new body (a new event for the webhook): the usage id holds
    await expectJson(vapi(vint.webhookUrl, "vapi-meter-secret-1", endOfCall("call-m1", 125.2, 1_700_000_000_999)), 200);
    const u = await usage(t);
    expect(u.totals).toMatchObject({ voiceSeconds: 126, voiceMinutes: 3 });
    expect(u.byBot).toEqual([expect.objectContaining({ botId: t.botId, voiceSeconds: 126, voiceMinutes: 3 })]);
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.usage.voiceMinutes).toEqual({ used: 3, limit: 30 });
    // another workspace's meter is untouched
    expect((await usage(other)).totals).toMatchObject({ voiceSeconds: 0, voiceMinutes: 0, channelMessages: 0 });
  });

  it("tell admins at 80 % and 100 % of the plan's minutes, once each, from the end-of-call report", async () => {
    const t = await makeTenant("Minute notices");
    const vint = await vapiIntegration(t, "vapi-notice-secret-1");
    const quotaMails = async () =>
      (await expectJson<{ data: { to: string; subject: string }[] }>(call("/api/outbox", { token: t.token }), 200)).data
        .filter((m) => /quota/i.test(m.subject))
        .map((m) => m.subject.replace(/^\[[^\]]*\] /, ""));
    const quotaEvents = async () =>
      (await hubStub(env.TENANT_HUB, t.tenantId).recent(t.tenantId))
        .filter((e) => e.type === "billing.quota")
        .map((e) => {
          const q = e as { meter: string; threshold: number; used: number; limit: number };
          return [q.meter, q.threshold, q.used, q.limit];
        });
    // 23 of Free's 30 minutes used; a 90 s call makes 24.5 (25 counted): past 80 % (24)
    await useVoiceSeconds(t, 23 * 60);
    const finish = async (id: string, seconds: number) => {
      await expectJson(vapi(vint.webhookUrl, "vapi-notice-secret-1", assistantRequest(id)), 200);
      await expectJson(vapi(vint.webhookUrl, "vapi-notice-secret-1", endOfCall(id, seconds, Date.now())), 200);
    };
    await finish("call-n1", 90);
    // the mail says how much is used (25 of 30 minutes)
    expect(await quotaMails()).toEqual(["83% of your quota used: voice minutes"]);
    // a second report of the same call adds nothing and tells nobody again
    await expectJson(vapi(vint.webhookUrl, "vapi-notice-secret-1", endOfCall("call-n1", 90, Date.now() + 1)), 200);
    expect(await quotaMails()).toHaveLength(1);
    // 330 s more: 30 of 30 minutes
    await finish("call-n2", 330);
    expect((await quotaMails()).sort()).toEqual([
      "83% of your quota used: voice minutes",
      "Quota reached: voice minutes",
    ]);
    expect(await quotaEvents()).toEqual([
      ["voice_minutes", 80, 25, 30],
      ["voice_minutes", 100, 30, 30],
    ]);
  });

  it("over the plan's minutes a new Vapi call goes to a person: `destination` with a hand-off number, else Vapi's `error`", async () => {
    const t = await makeTenant("OverMinutes");
    const other = await makeTenant("StillTalking");
    await useVoiceSeconds(t, 30 * 60);
    const withNumber = await vapiIntegration(t, "vapi-meter-secret-2", { handoffNumber: "+14155550100" });
    const forwarded = await expectJson(
      vapi(withNumber.webhookUrl, "vapi-meter-secret-2", assistantRequest("call-over-1")),
      200,
    );
    expect(forwarded).toEqual({
      destination: { type: "number", number: "+14155550100", message: expect.stringContaining("connecting you") },
    });
    const bare = await vapiIntegration(t, "vapi-meter-secret-3");
    const refused = await expectJson(
      vapi(bare.webhookUrl, "vapi-meter-secret-3", assistantRequest("call-over-2")),
      200,
    );
    expect(refused).toEqual({ error: expect.stringContaining("can't take calls") });
    // either way the conversation waits for a person, reason quota, so an operator can call back
    const row = (await callRow(bare.id, "call-over-2"))!;
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${row.conversation_id}`, { token: t.token }), 200),
      (c: { mode: string }) => c.mode === "human",
    );
    expect(conv).toMatchObject({ mode: "human", channel: "voice" });
    // the other workspace (well under its minutes) is answered by the assistant as before
    const theirs = await vapiIntegration(other, "vapi-meter-secret-4");
    const answered = await expectJson(vapi(theirs.webhookUrl, "vapi-meter-secret-4", assistantRequest("call-ok")), 200);
    expect(answered.assistant).toBeTruthy();
  });

  it("over the plan's minutes a Twilio call hears a line and is dialled through or hung up, never a 500", async () => {
    const t = await makeTenant("OverTwilio");
    await useVoiceSeconds(t, 31 * 60);
    const post = async (vint: { webhookUrl: string }, token: string, p: Record<string, string>) =>
      call(new URL(vint.webhookUrl).pathname, {
        method: "POST",
        body: new URLSearchParams(p).toString(),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await sign.twilio(token, vint.webhookUrl, p),
        },
      });
    const base = { AccountSid: "AC" + "0".repeat(32), From: "+14155550123", To: "+18005550199" };
    const make = (token: string, settings: Record<string, unknown>) =>
      expectJson<{ id: string; webhookUrl: string }>(
        call("/api/voice/integrations", {
          method: "POST",
          token: t.token,
          json: { provider: "twilio", botId: t.botId, secrets: { authToken: token }, settings },
        }),
        201,
      );
    const dialled = await make("twilio-meter-token-1", { handoffNumber: "+14155550100" });
    const r1 = await post(dialled, "twilio-meter-token-1", { ...base, CallSid: "CAmeter1", CallStatus: "ringing" });
    expect(r1.status).toBe(200);
    const xml1 = await r1.text();
    expect(xml1).toContain("<Dial>+14155550100</Dial>");
    expect(xml1).not.toContain("<Gather");
    const bare = await make("twilio-meter-token-2", {});
    const r2 = await post(bare, "twilio-meter-token-2", { ...base, CallSid: "CAmeter2", CallStatus: "ringing" });
    expect(r2.status).toBe(200);
    const xml2 = await r2.text();
    expect(xml2).toMatch(/<Say[^>]*>[^<]*call you back[^<]*<\/Say><Hangup\/>/);
    expect(xml2).not.toContain("<Gather");
  });

  it("over the plan's minutes Retell's socket speaks the refusal (transfer, else end) and no AI answer; ElevenLabs' agent opens with it", async () => {
    const t = await makeTenant("OverRetell");
    const other = await makeTenant("RetellUnder");
    await useVoiceSeconds(t, 30 * 60);
    const retell = async (tt: TestTenant, apiKey: string, settings: Record<string, unknown>) =>
      expectJson<{ id: string; webhookUrl: string; urls: { llmWebsocket: string } }>(
        call("/api/voice/integrations", {
          method: "POST",
          token: tt.token,
          json: { provider: "retell", botId: tt.botId, secrets: { apiKey }, settings },
        }),
        201,
      );
    const open = async (vint: { webhookUrl: string; urls: { llmWebsocket: string } }, apiKey: string, id: string) => {
      await announceRetellCall(vint.webhookUrl, apiKey, id);
      const path = `${new URL(vint.urls.llmWebsocket.replace(/^ws/, "http")).pathname}/${id}`;
      const sock = await openSocket(path);
      return { sock, begin: await sock.waitFor((f) => f.response_type === "response" && f.response_id === 0) };
    };
    const withNumber = await retell(t, "retell-over-key-1", { handoffNumber: "+14155550100" });
    const a = await open(withNumber, "retell-over-key-1", "call-rt-over-1");
    expect(a.begin).toMatchObject({
      content: expect.stringContaining("connecting you"),
      transfer_number: "+14155550100",
      content_complete: true,
    });
    // the caller speaks anyway: the line again, never an AI answer
    a.sock.send({
      interaction_type: "response_required",
      response_id: 1,
      transcript: [
        { role: "agent", content: String(a.begin.content) },
        { role: "user", content: "How do I export my notes?" },
      ],
    });
    const again = await a.sock.waitFor((f) => f.response_type === "response" && f.response_id === 1);
    expect(again).toMatchObject({ content: a.begin.content, content_complete: true, transfer_number: "+14155550100" });
    a.sock.close();
    const bare = await retell(t, "retell-over-key-2", {});
    const b = await open(bare, "retell-over-key-2", "call-rt-over-2");
    expect(b.begin).toMatchObject({ content: expect.stringContaining("can't take calls"), end_call: true });
    b.sock.close();
    const row = (await callRow(bare.id, "call-rt-over-2"))!;
    const conv = await eventually(
      () => expectJson(call(`/api/conversations/${row.conversation_id}`, { token: t.token }), 200),
      (c: { mode: string }) => c.mode === "human",
    );
    expect(conv).toMatchObject({ mode: "human", channel: "voice" });
    // a workspace under its minutes hears its bot's greeting and gets answers
    const theirs = await retell(other, "retell-under-key", {});
    const c = await open(theirs, "retell-under-key", "call-rt-under");
    expect(c.begin).toMatchObject({ end_call: false });
    expect(c.begin.transfer_number).toBeUndefined();
    c.sock.close();

    const el = await expectJson<{ urls: { initiation: string } }>(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "elevenlabs", botId: t.botId, secrets: { webhookSecret: "wsec_el_over_1" }, settings: {} },
      }),
      201,
    );
    const init = await expectJson(
      call(new URL(el.urls.initiation).pathname, {
        method: "POST",
        json: { caller_id: "+14155550123", agent_id: "xyz", called_number: "+18005550199", call_sid: "CAelover1" },
        headers: { authorization: "Bearer wsec_el_over_1" },
      }),
      200,
    );
    expect(init.conversation_config_override.agent.first_message).toContain("can't take calls");
    expect(init.dynamic_variables.echo_refused).toBe("voiceMinutes");
  });
});

describe("channel messages", () => {
  let restore: (() => void) | undefined;
  beforeEach(() => {
    restore = setEgressTransport(graphServer().transport);
  });
  afterEach(() => restore?.());

  it("count an inbound mail once (redelivered with the same Message-ID) and its mailed answer once", async () => {
    const t = await makeTenant("MailMeter");
    const other = await makeTenant("MailBystander");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const { address } = await expectJson<{ address: string }>(call("/api/channels/email", { token: t.token }), 200);
    const raw = rfc822(
      { from: "Dana <dana@customer.test>", to: address, subject: "Exporting", id: "<meter-1@customer.test>" },
      "How do I export my notes?",
    );
    const deliver = async () => {
      const message = {
        from: "dana@customer.test",
        to: address,
        headers: new Headers(),
        raw: new Response(raw).body!,
        rawSize: raw.length,
        canBeForwarded: true,
        setReject: () => undefined,
        forward: async () => ({}) as never,
        reply: async () => ({}) as never,
      } as unknown as ForwardableEmailMessage;
      await worker.email(message, env);
    };
    await deliver();
    await deliver();
    // one mail in, one answer mailed out
    const u = await eventually(
      () => usage(t),
      (x) => x.totals.emailMessages >= 2,
      20_000,
    );
    expect(u.totals).toMatchObject({ emailMessages: 2, whatsappMessages: 0, channelMessages: 2 });
    const outbox = await expectJson<{ data: unknown[] }>(call("/api/outbox", { token: t.token }), 200);
    expect(outbox.data).toHaveLength(1);
    const b = await expectJson(call("/api/billing", { token: t.token }), 200);
    expect(b.usage.channelMessages).toEqual({ used: 2, limit: null });
    expect((await usage(other)).totals.channelMessages).toBe(0);
  });

  it("count an inbound WhatsApp message once when Meta redelivers the webhook, and the answer sent through Graph once", async () => {
    const t = await makeTenant("WaMeter");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const ch = await connectWhatsApp(t);
    const raw = inboundText("15550001111", "wamid.meter-1", "How do I reset my password?");
    expect(await expectJson(postHook(ch.id, raw), 200)).toMatchObject({ messages: 1 });
    expect(await expectJson(postHook(ch.id, raw), 200)).toMatchObject({ messages: 0, duplicates: 1 });
    const u = await eventually(
      () => usage(t),
      (x) => x.totals.whatsappMessages >= 2,
      20_000,
    );
    expect(u.totals).toMatchObject({ whatsappMessages: 2, emailMessages: 0, channelMessages: 2 });
    expect(u.byBot).toEqual([expect.objectContaining({ botId: t.botId, whatsappMessages: 2 })]);
  });
});
