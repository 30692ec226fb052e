import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { sign } from "../lib/signatures";
import { call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Issue 13, item 9: webhook replays are recognised by signed content only. An attacker who
 * captured one signed delivery changes an unsigned header (`x-vapi-message-id`,
 * `I-Twilio-Idempotency-Token`) or re-encodes the URL and sends it again: it must change nothing.
 * Twilio signs no timestamp, so stale Twilio requests are refused by signed content (a `Timestamp`
 * parameter, or the age of the call).
 */
vi.setConfig({ testTimeout: 60_000 });

async function integration(
  t: TestTenant,
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
  const n = async (sql: string) => (await env.DB.prepare(sql).bind(integrationId).first<{ n: number }>())?.n ?? 0;
  return {
    calls: await n("select count(*) n from voice_calls where integration_id = ?"),
    events: await n("select count(*) n from voice_events where integration_id = ?"),
  };
}

const pathOf = (url: string) => new URL(url).pathname + new URL(url).search;

describe("Vapi replay", () => {
  it("drops the same secret-authenticated body sent again with another x-vapi-message-id", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "vapi", { secret: "vapi-replay-secret-1" });
    const body = JSON.stringify({
      message: { type: "status-update", status: "in-progress", call: { id: "c-replay-1" }, timestamp: 1 },
    });
    const post = (messageId: string) =>
      call(pathOf(vint.webhookUrl), {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-vapi-secret": "vapi-replay-secret-1",
          "x-vapi-message-id": messageId,
          "x-call-id-message": messageId,
        },
      });
    expect(await expectJson(post("msg-1"), 200)).not.toMatchObject({ duplicate: true });
    const once = await stored(vint.id);
    expect(once).toEqual({ calls: 1, events: 1 });
    for (const id of ["msg-2", "msg-3", ""])
      expect(await expectJson(post(id), 200), id).toMatchObject({ duplicate: true });
    expect(await stored(vint.id)).toEqual(once);
    // a different body is a different event
    const next = body.replace('"timestamp":1', '"timestamp":2');
    const r = await call(pathOf(vint.webhookUrl), {
      method: "POST",
      body: next,
      headers: { "content-type": "application/json", "x-vapi-secret": "vapi-replay-secret-1" },
    });
    expect(await expectJson(r, 200)).not.toMatchObject({ duplicate: true });
    expect((await stored(vint.id)).events).toBe(2);
  });

  it("drops an HMAC-signed body replayed with a changed message-id header", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "vapi", { secret: "vapi-replay-hmac-2" }, { vapiAuth: "hmac" });
    const body = JSON.stringify({ message: { type: "status-update", status: "in-progress", call: { id: "c-h" } } });
    const ts = String(Date.now());
    const sig = await sign.vapiHmac("vapi-replay-hmac-2", body, ts);
    const post = (messageId: string) =>
      call(pathOf(vint.webhookUrl), {
        method: "POST",
        body,
        headers: {
          "content-type": "application/json",
          "x-timestamp": ts,
          "x-signature": sig,
          "x-vapi-message-id": messageId,
        },
      });
    await expectJson(post("a"), 200);
    expect(await expectJson(post("b"), 200)).toMatchObject({ duplicate: true });
    expect(await stored(vint.id)).toEqual({ calls: 1, events: 1 });
  });
});

describe("Retell replay", () => {
  it("drops a signed Retell body re-sent with new unsigned headers", async () => {
    const t = await makeTenant();
    const vint = await integration(t, "retell", { apiKey: "retell-replay-key" });
    const body = JSON.stringify({ event: "call_started", call: { call_id: "rt-replay-1" } });
    const sig = await sign.retell("retell-replay-key", body, Date.now());
    const post = (extra: Record<string, string>) =>
      call(pathOf(vint.webhookUrl), {
        method: "POST",
        body,
        headers: { "content-type": "application/json", "x-retell-signature": sig, ...extra },
      });
    expect(await expectJson(post({}), 200)).toEqual({ received: true });
    expect(await expectJson(post({ "x-vapi-message-id": "other", "idempotency-key": "x" }), 200)).toEqual({
      received: true,
      duplicate: true,
    });
    expect(await stored(vint.id)).toEqual({ calls: 1, events: 1 });
  });
});

describe("Twilio replay and freshness", () => {
  const form = (p: Record<string, string>) => new URLSearchParams(p).toString();
  const base = {
    CallSid: "CA00replay",
    AccountSid: "AC" + "0".repeat(32),
    From: "+14155550123",
    To: "+18005550199",
    CallStatus: "ringing",
    Direction: "inbound",
    ApiVersion: "2010-04-01",
  };

  async function setup() {
    const t = await makeTenant();
    const vint = await integration(t, "twilio", { authToken: "twilio-replay-token" });
    /** Posts `params` to `path` (as received), signed for `signedUrl` (what Twilio signed). */
    const post = async (
      signedUrl: string,
      params: Record<string, string>,
      headers: Record<string, string> = {},
      path = pathOf(signedUrl),
    ) =>
      call(path, {
        method: "POST",
        body: form(params),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await sign.twilio("twilio-replay-token", signedUrl, params),
          ...headers,
        },
      });
    return { t, vint, post };
  }

  it("drops a signed request re-sent with another I-Twilio-Idempotency-Token or a re-encoded query", async () => {
    const { vint, post } = await setup();
    const first = await post(vint.webhookUrl, base, { "i-twilio-idempotency-token": "tok-1" });
    expect(first.status).toBe(200);
    const xml = await first.text();
    const once = await stored(vint.id);
    expect(once).toEqual({ calls: 1, events: 1 });
    const again = await post(vint.webhookUrl, base, { "i-twilio-idempotency-token": "tok-2" });
    expect(again.status).toBe(200);
    expect(await again.text(), "the replay gets the first answer").toBe(xml);
    expect(await stored(vint.id)).toEqual(once);

    const gatherUrl = `${vint.webhookUrl}/gather?turn=1`;
    const said = { ...base, CallStatus: "in-progress", SpeechResult: "hello there", Confidence: "0.9" };
    expect((await post(gatherUrl, said, { "i-twilio-idempotency-token": "g-1" })).status).toBe(200);
    const afterGather = await stored(vint.id);
    // same signed content under the legacy query encoding the signature check also accepts
    const reencoded = `${new URL(gatherUrl).pathname}?tu%72n=1`;
    expect((await post(gatherUrl, said, { "i-twilio-idempotency-token": "g-2" }, reencoded)).status).toBe(200);
    expect(await stored(vint.id)).toEqual(afterGather);
    const conv = await env.DB.prepare("select conversation_id c from voice_calls where integration_id = ?")
      .bind(vint.id)
      .first<{ c: string }>();
    const { roomStub } = await import("../rooms/room-stub");
    const msgs = await roomStub(env.CONVERSATION_ROOM, (await tenantOf(vint.id))!, conv!.c).messages(0);
    expect(msgs.filter((m) => m.role === "visitor").map((m) => m.text)).toEqual(["hello there"]);
  });

  it("refuses a status callback whose signed Timestamp is stale (401, nothing stored)", async () => {
    const { vint, post } = await setup();
    const statusUrl = `${vint.webhookUrl}/status`;
    const old = new Date(Date.now() - 60 * 60 * 1000).toUTCString();
    const res = await post(statusUrl, { ...base, CallStatus: "completed", CallDuration: "5", Timestamp: old });
    expect(res.status).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
    const future = new Date(Date.now() + 60 * 60 * 1000).toUTCString();
    expect((await post(statusUrl, { ...base, CallStatus: "completed", Timestamp: future })).status).toBe(401);
    expect(await stored(vint.id)).toEqual({ calls: 0, events: 0 });
    const fresh = new Date().toUTCString();
    expect((await post(statusUrl, { ...base, CallStatus: "completed", Timestamp: fresh })).status).toBe(204);
    expect(await stored(vint.id)).toEqual({ calls: 1, events: 1 });
  });

  it("refuses a request for a call older than a Twilio call can last, changing nothing", async () => {
    const { vint, post } = await setup();
    expect((await post(vint.webhookUrl, base)).status).toBe(200);
    await env.DB.prepare("update voice_calls set created_at = ? where integration_id = ?")
      .bind(Date.now() - 5 * 60 * 60 * 1000, vint.id)
      .run();
    const before = await env.DB.prepare("select * from voice_calls where integration_id = ?").bind(vint.id).first();
    const events = (await stored(vint.id)).events;
    const late = await post(`${vint.webhookUrl}/status`, { ...base, CallStatus: "completed", CallDuration: "9" });
    expect(late.status).toBe(401);
    const gather = await post(`${vint.webhookUrl}/gather?turn=1`, { ...base, SpeechResult: "late words" });
    expect(gather.status).toBe(401);
    expect(await env.DB.prepare("select * from voice_calls where integration_id = ?").bind(vint.id).first()).toEqual(
      before,
    );
    expect((await stored(vint.id)).events).toBe(events);
  });
});

async function tenantOf(integrationId: string) {
  return (
    await env.DB.prepare("select tenant_id t from voice_integrations where id = ?")
      .bind(integrationId)
      .first<{ t: string }>()
  )?.t;
}
