import { env } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { setEgressTransport } from "../lib/egress";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { connectWhatsApp, graphServer, inbound, now, postHook } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 30_000 });

/**
 * Cross-channel identity: an operator links an email sender and a widget visitor whose identity hash
 * signed that address, refused when nothing proven is shared (a widget phone, an email the page typed
 * beside a hash for another user id); the
 * inbox lists the contact's other conversations; another workspace's conversation is a 404.
 */

let restore: (() => void) | undefined;
afterEach(() => restore?.());

async function whatsappConversation(t: TestTenant, waId: string) {
  const ch = await connectWhatsApp(t);
  await expectJson(
    postHook(
      ch.id,
      inbound(waId, [
        { from: waId, id: `wamid.${waId}`, timestamp: String(now()), type: "text", text: { body: "hi" } },
      ]),
    ),
    200,
  );
  return (await env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ?")
    .bind(ch.id)
    .first<string>("conversation_id"))!;
}

/** A conversation whose visitor details (and channel) are set directly in the D1 row, as a channel would store them. */
async function chatConversation(t: TestTenant, visitor: Record<string, unknown>, channel = "chat") {
  const s = await expectJson<{ conversationId: string }>(
    call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey } }),
    200,
  );
  await env.DB.prepare("update conversations set visitor = ?, channel = ? where id = ?")
    .bind(JSON.stringify(visitor), channel, s.conversationId)
    .run();
  return s.conversationId;
}

describe("cross-channel contacts", () => {
  it("refuses to link a WhatsApp visitor and a widget visitor by a phone, which the widget never proves", async () => {
    restore = setEgressTransport(graphServer().transport);
    const t = await makeTenant("Links");
    const wa = await whatsappConversation(t, "4712345678");
    // a phone on a widget visitor is never proven (the identity hash signs no phone), verified or not
    const chatPhone = await chatConversation(t, {
      name: "Ola",
      phone: "+47 123 45 678",
      userId: "u-1",
      verified: true,
    });
    const refused = await expectJson(
      call(`/api/visitors/${wa}/link`, { method: "POST", token: t.token, json: { otherVisitorId: chatPhone } }),
      409,
    );
    expect(refused.detail).toMatch(/no verified email or phone/);
    expect((await expectJson(call(`/api/visitors/${wa}/conversations`, { token: t.token }), 200)).data).toEqual([]);
  });

  it("links an email sender and a widget visitor whose identity hash signed that address; a page-typed email beside another user id is refused", async () => {
    const t = await makeTenant("LinksMail");
    const mail = await chatConversation(t, { name: "Ola", email: "ola@customer.test" }, "email");
    // verified as user "u-7", with the victim's address typed beside it by the page: not proof
    const typed = await chatConversation(t, { email: "ola@customer.test", userId: "u-7", verified: true });
    const refused = await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: t.token, json: { otherVisitorId: typed } }),
      409,
    );
    expect(refused.detail).toMatch(/no verified email or phone/);
    // the same address as the verified user id, but the hash not verified: refused too
    const unverified = await chatConversation(t, { userId: "Ola@Customer.test" });
    await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: t.token, json: { otherVisitorId: unverified } }),
      409,
    );
    const verified = await chatConversation(t, { userId: "Ola@Customer.test", verified: true });
    const linked = await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: t.token, json: { otherVisitorId: verified } }),
      200,
    );
    expect(linked).toMatchObject({ matchedBy: "email", conversations: [mail, verified].sort() });
    const fromMail = await expectJson(call(`/api/visitors/${mail}/conversations`, { token: t.token }), 200);
    expect(fromMail.data.map((c: any) => [c.id, c.channel])).toEqual([[verified, "chat"]]);
    const fromChat = await expectJson(call(`/api/visitors/${verified}/conversations`, { token: t.token }), 200);
    expect(fromChat.data.map((c: any) => [c.id, c.channel])).toEqual([[mail, "email"]]);

    // bad input, itself, and permissions
    await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: t.token, json: { otherVisitorId: "x" } }),
      400,
    );
    await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: t.token, json: { otherVisitorId: mail } }),
      400,
    );
    const viewer = await addMember(t, "viewer");
    await expectJson(
      call(`/api/visitors/${mail}/link`, { method: "POST", token: viewer.token, json: { otherVisitorId: verified } }),
      403,
    );
  });

  it("answers 404 for another workspace's visitor, either side, and links nothing", async () => {
    restore = setEgressTransport(graphServer().transport);
    const t = await makeTenant("LinksMine");
    const other = await makeTenant("LinksTheirs");
    const mine = await chatConversation(t, { email: "ola@customer.test", verified: true });
    const theirs = await chatConversation(other, { email: "ola@customer.test", verified: true });
    await expectJson(
      call(`/api/visitors/${mine}/link`, { method: "POST", token: t.token, json: { otherVisitorId: theirs } }),
      404,
    );
    await expectJson(
      call(`/api/visitors/${theirs}/link`, { method: "POST", token: t.token, json: { otherVisitorId: mine } }),
      404,
    );
    await expectJson(call(`/api/visitors/${theirs}/conversations`, { token: t.token }), 404);
    const rows = await env.DB.prepare("select count(*) n from contact_links where conversation_id in (?, ?)")
      .bind(mine, theirs)
      .first<number>("n");
    expect(rows).toBe(0);
  });
});
