import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setEgressTransport } from "../lib/egress";
import { hubStub } from "../rooms/tenant-hub";
import { joinOperator } from "../rooms/test-client";
import { roomStub } from "../rooms/room-stub";
import { call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { connectWhatsApp, graphServer, inbound, now, postHook, statuses } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 30_000 });

/**
 * Delivery statuses of our WhatsApp messages: they move the message's receipt forward only
 * (sent → delivered → read; failed only from sent), reach operators through the tenant hub
 * (`message.receipt`) and come back from `GET /api/channels/whatsapp/conversations/:id`.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

describe("WhatsApp delivery receipts", () => {
  it("never downgrades a receipt, publishes each change once and serves the receipts per message", async () => {
    const graph = graphServer();
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaReceipts");
    const ch = await connectWhatsApp(t);
    const wa = "16315551181";
    await expectJson(
      postHook(
        ch.id,
        inbound(wa, [
          { from: wa, id: "wamid.R1", timestamp: String(now()), type: "text", text: { body: "How do I export?" } },
        ]),
      ),
      200,
    );
    await eventually(
      async () => graph.calls.filter((c) => c.method === "POST").length,
      (n) => n >= 1,
    );
    const conv = (await env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ?")
      .bind(ch.id)
      .first<string>("conversation_id"))!;
    const ai = (await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages()).find((m) => m.role === "ai")!;
    const row = await env.DB.prepare(
      "select message_id, status from whatsapp_messages where wamid = 'wamid.OUT1'",
    ).first();
    expect(row).toEqual({ message_id: ai.id, status: "sent" });

    const state = () =>
      expectJson<{ receipts: Record<string, string>; windowOpen: boolean; channelId: string }>(
        call(`/api/channels/whatsapp/conversations/${conv}`, { token: t.token }),
        200,
      );
    expect(await state()).toMatchObject({ channelId: ch.id, windowOpen: true, receipts: { [ai.id]: "sent" } });

    // Meta delivers read before delivered and a late sent: read stays read
    const applied = [];
    for (const status of ["read", "delivered", "sent", "failed"])
      applied.push((await expectJson(postHook(ch.id, statuses([{ id: "wamid.OUT1", status }])), 200)).statuses);
    expect(applied).toEqual([1, 0, 0, 0]);
    expect((await state()).receipts).toEqual({ [ai.id]: "read" });
    // a status for a wamid we never sent (or an inbound one) changes nothing
    expect((await expectJson(postHook(ch.id, statuses([{ id: "wamid.R1", status: "read" }])), 200)).statuses).toBe(0);
    expect((await expectJson(postHook(ch.id, statuses([{ id: "wamid.NOPE", status: "read" }])), 200)).statuses).toBe(0);

    // operators hear each change once, live through the hub
    const receiptsOf = async () =>
      (await hubStub(env.TENANT_HUB, t.tenantId).recent(t.tenantId)).filter((e) => e.type === "message.receipt");
    expect(await receiptsOf()).toEqual([
      expect.objectContaining({ type: "message.receipt", conversationId: conv, messageId: ai.id, status: "read" }),
    ]);

    // failed replaces only sent: an operator's reply that failed shows failed
    const op = await joinOperator(conv, t.token);
    op.send({ type: "takeover" });
    await op.waitFor((f) => f.type === "mode" && f.mode === "human");
    op.send({ type: "msg", cid: "op-1", text: "A person here." });
    const mine = await op.waitFor((f) => f.type === "msg" && f.cid === "op-1");
    op.close();
    await eventually(
      async () => (await state()).receipts[mine.id as string],
      (s) => s === "sent",
    );
    const wamid = (await env.DB.prepare("select wamid from whatsapp_messages where message_id = ?")
      .bind(mine.id)
      .first<string>("wamid"))!;
    expect(
      (
        await expectJson(
          postHook(
            ch.id,
            statuses([
              { id: wamid, status: "failed", errors: [{ code: 131047, title: "Re-engagement message" }] } as never,
            ]),
          ),
          200,
        )
      ).statuses,
    ).toBe(1);
    expect((await state()).receipts).toEqual({ [ai.id]: "read", [mine.id as string]: "failed" });
    expect((await receiptsOf()).map((e) => e.status)).toEqual(["read", "failed"]);
  });

  it("scopes the conversation's receipts to its workspace and to WhatsApp conversations", async () => {
    const graph = graphServer();
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaReceiptsScope");
    const ch = await connectWhatsApp(t);
    const wa = "4915112345678";
    await expectJson(
      postHook(
        ch.id,
        inbound(wa, [{ from: wa, id: "wamid.S1", timestamp: String(now()), type: "text", text: { body: "hi" } }]),
      ),
      200,
    );
    const conv = (await env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ?")
      .bind(ch.id)
      .first<string>("conversation_id"))!;
    const other = await makeTenant("WaReceiptsIntruder");
    await expectJson(call(`/api/channels/whatsapp/conversations/${conv}`, { token: other.token }), 404);
    // a chat conversation of the same workspace is not a WhatsApp one
    const chat = await expectJson<{ conversationId: string }>(
      call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey } }),
      200,
    );
    await expectJson(call(`/api/channels/whatsapp/conversations/${chat.conversationId}`, { token: t.token }), 404);
    await expectJson(call(`/api/channels/whatsapp/conversations/${conv}`), 401);
  });
});
