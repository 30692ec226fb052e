import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setEgressTransport } from "../lib/egress";
import { roomStub } from "../rooms/room-stub";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { connectWhatsApp, GRAPH, graphServer, inbound, now, postHook, TOKEN } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 30_000 });

/**
 * Approved templates: synced from the WhatsApp Business Account (`GET /{waba-id}/message_templates`,
 * Meta's list shape with `paging.next`), and sent outside the 24-hour window in the official
 * `/{phone-number-id}/messages` template payload.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

const WABA = "102290129340398";
const LIST = `${GRAPH}/${WABA}/message_templates?status=APPROVED&fields=name,language,status,category,components&limit=100`;
const PAGE2 = `${GRAPH}/${WABA}/message_templates?status=APPROVED&limit=100&after=QVFIU`;

const ORDER_UPDATE = {
  name: "order_update",
  language: "en_US",
  status: "APPROVED",
  category: "UTILITY",
  id: "1",
  components: [
    { type: "HEADER", format: "TEXT", text: "Your order" },
    { type: "BODY", text: "Hi {{1}}, order #{{2}} is on its way.", example: { body_text: [["Mark", "566701"]] } },
    { type: "FOOTER", text: "Reply STOP to opt out" },
  ],
};

function templatesGraph() {
  return graphServer({
    [LIST]: () =>
      Response.json({
        data: [
          ORDER_UPDATE,
          { name: "promo_spring", language: "en_US", status: "REJECTED", category: "MARKETING", components: [] },
        ],
        paging: { cursors: { after: "QVFIU" }, next: PAGE2 },
      }),
    [PAGE2]: () =>
      Response.json({
        data: [
          {
            name: "hello_again",
            language: "de",
            status: "APPROVED",
            category: "UTILITY",
            components: [{ type: "BODY", text: "Hallo, wir melden uns zu Ihrer Anfrage." }],
          },
        ],
        // another origin's page is never followed (nor sent the token)
        paging: { next: "https://evil.example/v21.0/x/message_templates?after=1" },
      }),
  });
}

describe("WhatsApp templates", () => {
  it("syncs the approved templates of the business account, following paging on Graph only", async () => {
    const graph = templatesGraph();
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaTpl");
    const ch = await connectWhatsApp(t, { wabaId: WABA });
    const agent = await addMember(t, "agent");
    const list = await expectJson(call(`/api/channels/whatsapp/${ch.id}/templates`, { token: agent.token }), 200);
    expect(list.data.map((x: any) => [x.name, x.language, x.bodyParameters])).toEqual([
      ["order_update", "en_US", 2],
      ["hello_again", "de", 0],
    ]);
    expect(list.data[0].body).toBe("Hi {{1}}, order #{{2}} is on its way.");
    const reads = graph.calls.filter((c) => c.method === "GET");
    expect(reads.map((c) => c.url)).toEqual([LIST, PAGE2]);
    expect(reads.every((c) => c.auth === `Bearer ${TOKEN}`)).toBe(true);
    // a second sync replaces the list (nothing doubled)
    await expectJson(call(`/api/channels/whatsapp/${ch.id}/templates`, { token: t.token }), 200);
    const stored = await env.DB.prepare("select count(*) n from whatsapp_templates where channel_id = ?")
      .bind(ch.id)
      .first<number>("n");
    expect(stored).toBe(2);

    // another workspace's channel id answers 404; a channel without WABA id a clear 409
    const other = await makeTenant("WaTplOther");
    await expectJson(call(`/api/channels/whatsapp/${ch.id}/templates`, { token: other.token }), 404);
    const bare = await connectWhatsApp(other);
    const missing = await expectJson(call(`/api/channels/whatsapp/${bare.id}/templates`, { token: other.token }), 409);
    expect(missing.detail).toMatch(/WhatsApp Business Account id/);
    // the admin sets it; agents may not; bad ids are 400
    await expectJson(
      call(`/api/channels/whatsapp/${bare.id}`, { method: "PATCH", token: other.token, json: { wabaId: "x1" } }),
      400,
    );
    const otherAgent = await addMember(other, "agent");
    await expectJson(
      call(`/api/channels/whatsapp/${bare.id}`, { method: "PATCH", token: otherAgent.token, json: { wabaId: WABA } }),
      403,
    );
    await expectJson(
      call(`/api/channels/whatsapp/${ch.id}`, { method: "PATCH", token: other.token, json: { wabaId: WABA } }),
      404,
    );
    await expectJson(
      call(`/api/channels/whatsapp/${bare.id}`, { method: "PATCH", token: other.token, json: { wabaId: WABA } }),
      200,
    );
    await expectJson(call(`/api/channels/whatsapp/${bare.id}/templates`, { token: other.token }), 200);

    // Graph refusing the list is 503, and the stored list is kept
    graph.routes[LIST] = () => Response.json({ error: { code: 190, message: "token expired" } }, { status: 401 });
    await expectJson(call(`/api/channels/whatsapp/${ch.id}/templates`, { token: t.token }), 503);
    expect(
      await env.DB.prepare("select count(*) n from whatsapp_templates where channel_id = ?").bind(ch.id).first("n"),
    ).toBe(2);
  });

  it("outside the window sends a chosen synced template in the official payload; others are refused", async () => {
    const graph = templatesGraph();
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaTplSend");
    const ch = await connectWhatsApp(t, { wabaId: WABA });
    const wa = "4915112345678";
    await expectJson(
      postHook(
        ch.id,
        inbound(wa, [
          { from: wa, id: "wamid.T1", timestamp: String(now() - 30 * 3600), type: "text", text: { body: "Order?" } },
        ]),
      ),
      200,
    );
    const conv = (await env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ?")
      .bind(ch.id)
      .first<string>("conversation_id"))!;
    const state = await expectJson(call(`/api/channels/whatsapp/conversations/${conv}`, { token: t.token }), 200);
    expect(state.windowOpen).toBe(false);
    await expectJson(call(`/api/channels/whatsapp/${ch.id}/templates`, { token: t.token }), 200);

    const components = [
      {
        type: "body",
        parameters: [
          { type: "text", text: "Mark" },
          { type: "text", text: "566701" },
        ],
      },
    ];
    const sent = await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: t.token,
        json: { template: { name: "order_update", language: { code: "en_US" }, components } },
      }),
      201,
    );
    const out = graph.calls.filter((c) => c.body?.type === "template");
    expect(out).toHaveLength(1);
    expect(out[0]!.url).toBe(`${GRAPH}/123456123/messages`);
    expect(out[0]!.body).toEqual({
      messaging_product: "whatsapp",
      recipient_type: "individual",
      to: wa,
      type: "template",
      template: { name: "order_update", language: { policy: "deterministic", code: "en_US" }, components },
    });
    const messages = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages();
    expect(messages.find((m) => m.id === sent.messageId)?.text).toBe("[template order_update] Mark · 566701");
    // its receipt starts at sent
    await eventually(
      async () =>
        (await expectJson(call(`/api/channels/whatsapp/conversations/${conv}`, { token: t.token }), 200)).receipts[
          sent.messageId
        ],
      (s) => s === "sent",
    );

    // a template not in the synced list (or another language of it) is refused and nothing goes out
    for (const template of [
      { name: "promo_spring", language: "en_US" },
      { name: "order_update", language: "de" },
    ]) {
      const refused = await expectJson(
        call(`/api/channels/whatsapp/conversations/${conv}/template`, {
          method: "POST",
          token: t.token,
          json: { template },
        }),
        400,
      );
      expect(refused.detail).toMatch(/not among the channel's approved templates/);
    }
    // malformed components are 400 before anything is sent
    await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: t.token,
        json: {
          template: { name: "order_update", language: "en_US", components: [{ type: "footer", parameters: [] }] },
        },
      }),
      400,
    );
    expect(graph.calls.filter((c) => c.body?.type === "template")).toHaveLength(1);
  });
});
