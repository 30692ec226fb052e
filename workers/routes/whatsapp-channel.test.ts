import { env } from "cloudflare:workers";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { NIMBUS_DOCS, seedKnowledge } from "../domain/voice/test-support";
import { setEgressTransport } from "../lib/egress";
import { sign } from "../lib/signatures";
import { roomStub } from "../rooms/room-stub";
import { joinOperator } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";
import {
  APP_SECRET,
  connectWhatsApp,
  graphServer,
  notification as metaNotification,
  PNID,
  VERIFY,
  type GraphCall,
} from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 30_000 });

/**
 * The WhatsApp Cloud API channel in workerd. Meta's side is played by the test: signed webhook
 * notifications in Meta's wire format (protocols.md §5.2), and a local Graph-compatible server (the
 * egress transport) that answers `POST /<version>/<phone-number-id>/messages` like the Graph API.
 * vitest.config.ts sets WHATSAPP_API_BASE=https://graph.whatsapp.test, so the host proves the var is read.
 */

let graph: GraphCall[] = [];
let restore: (() => void) | undefined;
beforeEach(() => {
  const server = graphServer();
  graph = server.calls;
  restore = setEgressTransport(server.transport);
});
afterEach(() => restore?.());

const connect = connectWhatsApp;

/** Meta's notification of inbound messages from one contact. */
const notification = (waId: string, messages: Record<string, unknown>[], name = "test user name") =>
  metaNotification({ contacts: [{ profile: { name }, wa_id: waId }], messages });

const text = (waId: string, id: string, body: string, ts = Math.floor(Date.now() / 1000)) => ({
  from: waId,
  id,
  timestamp: String(ts),
  type: "text",
  text: { body },
});

async function post(channelId: string, raw: string, signature?: string | null) {
  const headers: Record<string, string> = { "content-type": "application/json" };
  const sig = signature === undefined ? await sign.hub256(APP_SECRET, raw) : signature;
  if (sig !== null) headers["x-hub-signature-256"] = sig;
  return call(`/hooks/whatsapp/${channelId}`, { method: "POST", body: raw, headers });
}

const contactRow = (channelId: string, waId: string) =>
  env.DB.prepare("select * from whatsapp_contacts where channel_id = ? and wa_id = ?")
    .bind(channelId, waId)
    .first<{ conversation_id: string; last_inbound_at: number }>();
const storedCount = async (channelId: string) => ({
  contacts: (await env.DB.prepare("select count(*) n from whatsapp_contacts where channel_id = ?")
    .bind(channelId)
    .first<number>("n"))!,
  messages: (await env.DB.prepare("select count(*) n from whatsapp_messages where channel_id = ?")
    .bind(channelId)
    .first<number>("n"))!,
});

describe("WhatsApp channel", () => {
  it("connects a number and answers Meta's verification handshake with the raw challenge", async () => {
    const t = await makeTenant("Wa");
    const ch = await connect(t);
    expect(ch.id).toMatch(/^wac_/);
    expect(ch.webhookUrl).toMatch(new RegExp(`/hooks/whatsapp/${ch.id}$`));
    const ok = await call(
      `/hooks/whatsapp/${ch.id}?hub.mode=subscribe&hub.verify_token=${VERIFY}&hub.challenge=1158201444`,
    );
    expect(ok.status).toBe(200);
    expect(await ok.text()).toBe("1158201444");
    const wrong = await call(`/hooks/whatsapp/${ch.id}?hub.mode=subscribe&hub.verify_token=nope&hub.challenge=1`);
    expect(wrong.status).toBe(403);
    const mode = await call(`/hooks/whatsapp/${ch.id}?hub.mode=unsubscribe&hub.verify_token=${VERIFY}&hub.challenge=1`);
    expect(mode.status).toBe(403);
    expect((await call(`/hooks/whatsapp/wac_01m8v8tktx9t00b0jvf5ga9wkt?hub.mode=subscribe`)).status).toBe(404);
    // the secrets are sealed: nothing in the row reads as the token or the app secret
    const row = await env.DB.prepare("select * from whatsapp_channels where id = ?").bind(ch.id).first<any>();
    expect(JSON.stringify(row)).not.toContain(APP_SECRET);
    expect(JSON.stringify(row)).not.toContain("EAAG-access-token-xyz");
  });

  it("validates the connect request and scopes it to the workspace", async () => {
    const t = await makeTenant("WaBad");
    const other = await makeTenant("WaOther");
    const bad = await expectJson(
      call("/api/channels/whatsapp", { method: "POST", token: t.token, json: { botId: t.botId, phoneNumberId: "x" } }),
      400,
    );
    expect(bad.code).toBe("INVALID_REQUEST");
    await expectJson(
      call("/api/channels/whatsapp", {
        method: "POST",
        token: t.token,
        json: {
          botId: other.botId,
          phoneNumberId: PNID,
          accessToken: "a".repeat(10),
          appSecret: APP_SECRET,
          verifyToken: VERIFY,
        },
      }),
      404,
    );
    const agent = await addMember(t, "agent");
    expect(
      (
        await call("/api/channels/whatsapp", {
          method: "POST",
          token: agent.token,
          json: {
            botId: t.botId,
            phoneNumberId: PNID,
            accessToken: "a".repeat(10),
            appSecret: APP_SECRET,
            verifyToken: VERIFY,
          },
        })
      ).status,
    ).toBe(403);
    expect((await call("/api/channels/whatsapp", { method: "POST", json: {} })).status).toBe(401);
  });

  it("refuses a bad, missing or foreign signature with 401 and stores nothing", async () => {
    const t = await makeTenant("WaSig");
    const ch = await connect(t);
    const raw = notification("16315551181", [text("16315551181", "wamid.SIG1", "hello")]);
    for (const sig of [
      null,
      "sha256=" + "0".repeat(64),
      "sha1=abc",
      await sign.hub256("another-app-secret", raw),
      // the signature of a different body
      await sign.hub256(APP_SECRET, raw.replace("hello", "hellO")),
    ]) {
      const res = await post(ch.id, raw, sig);
      expect(res.status, await res.text()).toBe(401);
    }
    expect(await storedCount(ch.id)).toEqual({ contacts: 0, messages: 0 });
    // a signed body that is not a WhatsApp notification is refused after the check, storing nothing
    const junk = JSON.stringify({ object: "page", entry: [] });
    expect((await post(ch.id, junk)).status).toBe(400);
    expect((await post("wac_01m8v8tktx9t00b0jvf5ga9wkt", raw)).status).toBe(404);
  });

  it("turns a signed message into a conversation answered through the Graph API, once per wamid; statuses update receipts", async () => {
    const t = await makeTenant("WaFlow");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const ch = await connect(t);
    const wa = "16315551181";
    const raw = notification(wa, [text(wa, "wamid.IN1", "How do I export my notes?")]);
    expect(await expectJson(post(ch.id, raw), 200)).toEqual({ messages: 1, duplicates: 0, statuses: 0 });
    const contact = (await contactRow(ch.id, wa))!;
    const room = roomStub(env.CONVERSATION_ROOM, t.tenantId, contact.conversation_id);
    expect((await room.snapshot()).meta).toMatchObject({
      channel: "whatsapp",
      visitor: { phone: `+${wa}`, name: "test user name" },
    });

    // the AI's answer reaches the local Graph server in the official payload shape
    await eventually(
      async () => graph.length,
      (n) => n >= 1,
    );
    expect(graph[0]!.url).toBe(`https://graph.whatsapp.test/v21.0/${PNID}/messages`);
    expect(graph[0]!.auth).toBe("Bearer EAAG-access-token-xyz");
    const ai = (await room.messages()).find((m) => m.role === "ai")!;
    expect(graph[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: wa,
      type: "text",
      text: { preview_url: false, body: ai.text },
    });

    // Meta redelivers the same notification: nothing new
    expect(await expectJson(post(ch.id, raw), 200)).toEqual({ messages: 0, duplicates: 1, statuses: 0 });
    expect((await room.messages()).filter((m) => m.role === "visitor").length).toBe(1);

    // a delivery status for our message updates its receipt
    const status = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA_ID",
          changes: [
            {
              field: "messages",
              value: {
                metadata: { phone_number_id: PNID },
                statuses: [{ id: "wamid.OUT1", status: "delivered", timestamp: "1", recipient_id: wa }],
              },
            },
          ],
        },
      ],
    });
    expect(await expectJson(post(ch.id, status), 200)).toMatchObject({ statuses: 1 });
    const receipt = await env.DB.prepare("select status from whatsapp_messages where wamid = ? and channel_id = ?")
      .bind("wamid.OUT1", ch.id)
      .first<string>("status");
    expect(receipt).toBe("delivered");

    // an operator's reply inside the window goes out as free-form text
    const op = await joinOperator(contact.conversation_id, t.token);
    op.send({ type: "takeover" });
    await op.waitFor((f) => f.type === "mode" && f.mode === "human");
    op.send({ type: "msg", cid: "op-1", text: "Hi, a person here." });
    await op.waitFor((f) => f.type === "msg" && f.cid === "op-1");
    await eventually(
      async () => graph.map((g) => g.body?.text?.body),
      (bodies) => bodies.includes("Hi, a person here."),
    );
    op.close();
  });

  it("outside the 24-hour window refuses an agent's free-form reply and sends an approved template", async () => {
    const t = await makeTenant("WaWindow");
    const ch = await connect(t);
    const wa = "4915112345678";
    const dayAndHourAgo = Math.floor(Date.now() / 1000) - 25 * 3600;
    await expectJson(
      post(ch.id, notification(wa, [text(wa, "wamid.OLD1", "Is my order shipped?", dayAndHourAgo)])),
      200,
    );
    const conv = (await contactRow(ch.id, wa))!.conversation_id;
    const room = roomStub(env.CONVERSATION_ROOM, t.tenantId, conv);
    // the AI's answer to a day-old message is kept for operators, not sent
    await eventually(
      async () => (await room.messages()).filter((m) => m.role === "ai").length,
      (n) => n === 1,
    );

    const op = await joinOperator(conv, t.token);
    op.send({ type: "msg", cid: "late-1", text: "Sorry for the delay!" });
    const refused = await op.waitFor((f) => f.type === "error" && f.cid === "late-1");
    expect(refused.code).toBe("WINDOW_CLOSED");
    expect(refused.message).toMatch(/24-hour window is closed/);
    expect((await room.messages()).filter((m) => m.role === "agent")).toEqual([]);
    op.close();

    const sent = await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: t.token,
        json: { name: "order_update", language: "en_US", parameters: ["A-1234"] },
      }),
      201,
    );
    expect(sent.wamid).toMatch(/^wamid\.OUT/);
    const template = graph.filter((g) => g.body?.type === "template");
    expect(template).toHaveLength(1);
    expect(template[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: wa,
      type: "template",
      template: {
        name: "order_update",
        language: { policy: "deterministic", code: "en_US" },
        components: [{ type: "body", parameters: [{ type: "text", text: "A-1234" }] }],
      },
    });
    expect((await room.messages()).filter((m) => m.role === "agent").map((m) => m.text)).toEqual([
      "[template order_update] A-1234",
    ]);
    // nothing free-form ever went to this contact
    expect(graph.filter((g) => g.body?.type === "text")).toEqual([]);

    // bad template input, another workspace's conversation, a non-WhatsApp conversation
    await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: t.token,
        json: { name: "Order Update!", language: "en_US" },
      }),
      400,
    );
    const other = await makeTenant("WaIntruder");
    await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: other.token,
        json: { name: "order_update", language: "en_US" },
      }),
      404,
    );
    expect(graph.filter((g) => g.body?.type === "template")).toHaveLength(1);
  });
});
