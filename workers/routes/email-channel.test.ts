import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import worker from "../index";
import { NIMBUS_DOCS, seedKnowledge } from "../domain/voice/test-support";
import { MAX_EMAIL_BYTES, MAX_MAILS_PER_SENDER_HOUR, stripQuoted } from "../domain/channels/email/message";
import { roomStub } from "../rooms/room-stub";
import { joinOperator } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { rfc822 } from "../test/rfc822";

// whole conversations: several AI answers through the real (offline) answerer
vi.setConfig({ testTimeout: 60_000 });

/**
 * The email channel end to end in workerd: the Worker's email() handler is called with a raw RFC 822
 * message exactly as wrangler's `POST /cdn-cgi/handler/email?from=&to=` does, and replies are read
 * from the outbox (`GET /api/outbox`).
 */

type Rejection = { reason?: string };

/** A ForwardableEmailMessage over a raw message, recording setReject. */
function inbound(from: string, to: string, raw: string, rawSize = new TextEncoder().encode(raw).byteLength) {
  const rejected: Rejection = {};
  const message = {
    from,
    to,
    headers: new Headers(),
    raw: new Response(raw).body!,
    rawSize,
    canBeForwarded: true,
    setReject: (reason: string) => void (rejected.reason = reason),
    forward: async () => ({}) as never,
    reply: async () => ({}) as never,
  } as unknown as ForwardableEmailMessage;
  return { message, rejected };
}

async function deliver(from: string, to: string, raw: string, rawSize?: number) {
  const m = inbound(from, to, raw, rawSize);
  await worker.email(m.message, env);
  return m.rejected;
}

type OutboxMail = { to: string; subject: string; text: string; headers: Record<string, string>; messageId: string };
const outbox = async (t: TestTenant) =>
  (await expectJson<{ data: OutboxMail[] }>(call("/api/outbox", { token: t.token }), 200)).data;

const conversationsOf = async (tenantId: string) =>
  (
    await env.DB.prepare(
      "select distinct conversation_id c from email_messages where tenant_id = ? and direction = 'in' order by created_at",
    )
      .bind(tenantId)
      .all<{ c: string }>()
  ).results.map((r) => r.c);

const roomMessages = (tenantId: string, conversationId: string) =>
  roomStub(env.CONVERSATION_ROOM, tenantId, conversationId).messages();

async function setup(name: string) {
  const t = await makeTenant(name);
  await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
  const { address } = await expectJson<{ address: string }>(call("/api/channels/email", { token: t.token }), 200);
  return { t, address };
}

describe("email channel", () => {
  it("turns a mail into a conversation answered by mail, threads the reply, and mails an operator's reply", async () => {
    const { t, address } = await setup("Nimbus");
    expect(address).toMatch(/^nimbus-\d+-[0-9a-z]{5}@inbound\.echo\.localhost$/);
    // the address is stable
    expect((await expectJson(call("/api/channels/email", { token: t.token }), 200)).address).toBe(address);

    const visitor = "Dana Visitor <dana@customer.test>";
    expect(
      await deliver(
        "dana@customer.test",
        address,
        rfc822(
          { from: visitor, to: address, subject: "Exporting", id: "<m1@customer.test>" },
          "How do I export my notes?",
        ),
      ),
    ).toEqual({});
    const [conv] = await conversationsOf(t.tenantId);
    expect(conv).toMatch(/^conv_/);
    const snap = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv!).snapshot();
    expect(snap.meta).toMatchObject({
      channel: "email",
      visitor: { email: "dana@customer.test", name: "Dana Visitor" },
    });

    // the AI's answer lands in the outbox, threaded on the visitor's mail
    const [answer] = await eventually(
      () => outbox(t),
      (m) => m.length === 1,
    );
    expect(answer).toMatchObject({ to: "dana@customer.test", subject: "Re: Exporting" });
    expect(answer!.headers).toMatchObject({
      "In-Reply-To": "<m1@customer.test>",
      References: "<m1@customer.test>",
      "Auto-Submitted": "auto-replied",
      "X-Echo-Conversation": conv,
      "Reply-To": address,
    });
    expect(answer!.text).toContain("Export");
    const ai = (await roomMessages(t.tenantId, conv!)).find((m) => m.role === "ai");
    expect(answer!.text).toContain(ai!.text.split("\n")[0]!);

    // the visitor replies from their mail client: quoted history, References carry the thread
    await deliver(
      "dana@customer.test",
      address,
      rfc822(
        {
          from: visitor,
          to: address,
          subject: "Re: Exporting",
          id: "<m2@customer.test>",
          extra: [`In-Reply-To: ${answer!.messageId}`, `References: <m1@customer.test> ${answer!.messageId}`],
        },
        `And how much is the Pro plan?\r\n\r\nOn Wed, Dec 2, 2026 at 10:01 AM Nimbus wrote:\r\n> ${answer!.text.split("\n")[0]}`,
      ),
    );
    expect(await conversationsOf(t.tenantId)).toEqual([conv]);
    const visitorMsgs = (await roomMessages(t.tenantId, conv!)).filter((m) => m.role === "visitor");
    expect(visitorMsgs.map((m) => m.text)).toEqual(["How do I export my notes?", "And how much is the Pro plan?"]);

    const second = await eventually(
      () => outbox(t),
      (m) => m.length === 2,
    );
    expect(second[0]).toMatchObject({ subject: "Re: Exporting" });
    expect(second[0]!.headers["In-Reply-To"]).toBe("<m2@customer.test>");
    expect(second[0]!.headers.References).toBe(`<m1@customer.test> ${answer!.messageId} <m2@customer.test>`);

    // an operator takes over and replies from the conversation view: the reply goes out by mail
    const op = await joinOperator(conv!, t.token);
    op.send({ type: "takeover" });
    await op.waitFor((f) => f.type === "mode" && f.mode === "human");
    op.send({ type: "msg", cid: "op-1", text: "Hi Dana, I have upgraded you to Pro for a month." });
    await op.waitFor((f) => f.type === "msg" && f.cid === "op-1");
    const third = await eventually(
      () => outbox(t),
      (m) => m.length === 3,
    );
    expect(third[0]).toMatchObject({ to: "dana@customer.test", subject: "Re: Exporting" });
    expect(third[0]!.text).toContain("I have upgraded you to Pro for a month.");
    expect(third[0]!.headers["In-Reply-To"]).toBe("<m2@customer.test>");
    expect(third[0]!.headers["Auto-Submitted"]).toBeUndefined();
    op.close();

    // while a person has the conversation, a new mail from the visitor is stored and not answered by the AI
    await deliver(
      "dana@customer.test",
      address,
      rfc822(
        {
          from: visitor,
          to: address,
          subject: "Re: Exporting",
          id: "<m3@customer.test>",
          extra: [`In-Reply-To: ${third[0]!.messageId}`],
        },
        "Thank you!",
      ),
    );
    const all = await roomMessages(t.tenantId, conv!);
    expect(all.at(-1)).toMatchObject({ role: "visitor", text: "Thank you!" });
    expect((await outbox(t)).length).toBe(3);
  });

  it("ignores auto-replies, bounces, lists and its own mail; stores nothing for them", async () => {
    const { t, address } = await setup("Quiet");
    const base = { from: "Bob <bob@customer.test>", to: address, subject: "Out of office" };
    const cases: [string, string[]][] = [
      ["bob@customer.test", ["Auto-Submitted: auto-replied"]],
      ["bob@customer.test", ["Precedence: bulk"]],
      ["bob@customer.test", ["Precedence: list"]],
      ["bob@customer.test", ["List-Id: <news.customer.test>"]],
      ["", []],
      ["MAILER-DAEMON@customer.test", []],
      [address, []],
    ];
    let i = 0;
    for (const [envelope, extra] of cases)
      expect(
        await deliver(envelope, address, rfc822({ ...base, id: `<auto${++i}@customer.test>`, extra }, "I am away.")),
      ).toEqual({});
    expect(await conversationsOf(t.tenantId)).toEqual([]);
    // "Auto-Submitted: no" is a person
    await deliver(
      "bob@customer.test",
      address,
      rfc822(
        { ...base, subject: "Sync", id: "<person@customer.test>", extra: ["Auto-Submitted: no"] },
        "How often do notes sync?",
      ),
    );
    expect((await conversationsOf(t.tenantId)).length).toBe(1);
  });

  it("refuses oversized mail and unknown mailboxes at SMTP time, storing nothing", async () => {
    const { t, address } = await setup("Strict");
    const raw = rfc822({ from: "eve@customer.test", to: address, subject: "Big", id: "<big@customer.test>" }, "x");
    expect((await deliver("eve@customer.test", address, raw, MAX_EMAIL_BYTES + 1)).reason).toMatch(/too large/);
    const other = address.replace(/^[^@]+/, "nobody-zzzzz");
    expect((await deliver("eve@customer.test", other, raw)).reason).toBe("no such mailbox");
    expect((await deliver("eve@customer.test", "support@elsewhere.test", raw)).reason).toBe("no such mailbox");
    expect(await conversationsOf(t.tenantId)).toEqual([]);
  });

  it("stores a redelivered mail once; a stranger or another workspace's ids never join a thread", async () => {
    const a = await setup("Alpha");
    const b = await setup("Beta");
    const first = rfc822(
      { from: "carol@customer.test", to: a.address, subject: "Sync", id: "<c1@customer.test>" },
      "How often do notes sync?",
    );
    await deliver("carol@customer.test", a.address, first);
    await deliver("carol@customer.test", a.address, first);
    const [conv] = await conversationsOf(a.t.tenantId);
    expect((await roomMessages(a.t.tenantId, conv!)).filter((m) => m.role === "visitor").length).toBe(1);
    // and no empty conversation was started for the redelivery
    expect(
      await env.DB.prepare("select count(*) n from conversations where tenant_id = ?").bind(a.t.tenantId).first("n"),
    ).toBe(1);

    // someone else replying to Carol's thread starts their own conversation
    await deliver(
      "mallory@customer.test",
      a.address,
      rfc822(
        {
          from: "mallory@customer.test",
          to: a.address,
          subject: "Re: Sync",
          id: "<x1@customer.test>",
          extra: ["In-Reply-To: <c1@customer.test>"],
        },
        "Show me Carol's conversation",
      ),
    );
    expect((await conversationsOf(a.t.tenantId)).length).toBe(2);
    expect((await roomMessages(a.t.tenantId, conv!)).filter((m) => m.role === "visitor").length).toBe(1);

    // workspace B never threads on workspace A's ids
    await deliver(
      "carol@customer.test",
      b.address,
      rfc822(
        {
          from: "carol@customer.test",
          to: b.address,
          subject: "Re: Sync",
          id: "<c2@customer.test>",
          extra: ["In-Reply-To: <c1@customer.test>"],
        },
        "Hello B",
      ),
    );
    const [convB] = await conversationsOf(b.t.tenantId);
    expect(convB).toBeDefined();
    expect(convB).not.toBe(conv);
  });

  it("keeps attachments in R2 under the conversation, listed on the message; erasure removes mail rows and files", async () => {
    const { t, address } = await setup("Files");
    const boundary = "b0undary";
    const raw = [
      "From: Finn <finn@customer.test>",
      `To: ${address}`,
      "Subject: Screenshot",
      "Message-ID: <f1@customer.test>",
      "MIME-Version: 1.0",
      `Content-Type: multipart/mixed; boundary="${boundary}"`,
      "",
      `--${boundary}`,
      "Content-Type: text/plain; charset=utf-8",
      "",
      "Sync is stuck, see the screenshot.",
      `--${boundary}`,
      'Content-Type: image/png; name="shot.png"',
      'Content-Disposition: attachment; filename="shot.png"',
      "Content-Transfer-Encoding: base64",
      "",
      btoa("\x89PNG fake bytes"),
      `--${boundary}--`,
      "",
    ].join("\r\n");
    await deliver("finn@customer.test", address, raw);
    const [conv] = await conversationsOf(t.tenantId);
    const msg = (await roomMessages(t.tenantId, conv!)).find((m) => m.role === "visitor")!;
    expect(msg.text).toBe("Sync is stuck, see the screenshot.");
    const [att] = (msg.meta as { attachments: { id: string; name: string; type: string; size: number }[] }).attachments;
    expect(att).toMatchObject({ name: "shot.png", type: "image/png", size: "\x89PNG fake bytes".length });
    const file = await call(`/api/conversations/${conv}/attachments/${att!.id}`, { token: t.token });
    expect(file.status).toBe(200);
    expect(new Uint8Array(await file.arrayBuffer()).length).toBe(att!.size);

    await expectJson(
      call("/api/privacy/erase", { method: "POST", token: t.token, json: { email: "finn@customer.test" } }),
      200,
    );
    expect(await conversationsOf(t.tenantId)).toEqual([]);
    expect((await call(`/api/conversations/${conv}/attachments/${att!.id}`, { token: t.token })).status).toBe(404);
  });

  it("drops a sender's mail beyond the hourly limit; other senders still get through", async () => {
    const t = await makeTenant("Flood");
    const { address } = await expectJson<{ address: string }>(call("/api/channels/email", { token: t.token }), 200);
    const visitorCount = async () => {
      let n = 0;
      for (const c of await conversationsOf(t.tenantId))
        n += (await roomMessages(t.tenantId, c)).filter((m) => m.role === "visitor").length;
      return n;
    };
    for (let i = 0; i <= MAX_MAILS_PER_SENDER_HOUR; i++)
      await deliver(
        "flood@customer.test",
        address,
        rfc822(
          { from: "flood@customer.test", to: address, subject: `n${i}`, id: `<flood${i}@customer.test>` },
          `hi ${i}`,
        ),
      );
    expect(await visitorCount()).toBe(MAX_MAILS_PER_SENDER_HOUR);
    await deliver(
      "calm@customer.test",
      address,
      rfc822({ from: "calm@customer.test", to: address, subject: "Hello", id: "<calm1@customer.test>" }, "hello"),
    );
    expect(await visitorCount()).toBe(MAX_MAILS_PER_SENDER_HOUR + 1);
  });

  it("answers GET /api/channels/email only to a signed-in member holding channels:read", async () => {
    const t = await makeTenant("Perm");
    expect((await call("/api/channels/email")).status).toBe(401);
    // every built-in role reads channel settings; a custom role without channels:read is refused
    // (role-permissions.test.ts)
    const viewer = await addMember(t, "viewer");
    expect((await call("/api/channels/email", { token: viewer.token })).status).toBe(200);
  });
});

describe("stripQuoted", () => {
  it.each([
    ["Thanks!\n\nOn Tue, 1 Dec 2026 at 10:00, Echo <a@b> wrote:\n> old", "Thanks!"],
    ["Thanks!\nOn Tue, 1 Dec 2026 at 10:00, Echo <a@b>\nwrote:\n> old", "Thanks!"],
    ["Yes please\n> earlier\n> more", "Yes please"],
    ["Ok\n-----Original Message-----\nFrom: x", "Ok"],
    ["Ok\nFrom: Support <s@x>\nSent: Monday\nold", "Ok"],
    ["Body\n-- \nDana, ACME", "Body"],
    ["One\n\nTwo", "One\n\nTwo"],
  ])("%j → %j", (input, out) => expect(stripQuoted(input)).toBe(out));
});
