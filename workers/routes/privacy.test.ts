import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { roomStub } from "../rooms/room-stub";
import { joinVisitor, newSession, type Session } from "../rooms/test-client";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { durableObjectRows, messagesInD1 } from "../test/stores";

async function upload(s: Session, bytes: Uint8Array<ArrayBuffer>) {
  const ticket = await expectJson(
    call("/api/widget/attachments", {
      method: "POST",
      headers: { authorization: `Bearer ${s.token}` },
      json: { name: "invoice.png", type: "image/png", size: bytes.length },
    }),
    201,
  );
  const form = new FormData();
  form.set("file", new File([bytes], "x", { type: "image/png" }));
  await expectJson(call(ticket.uploadUrl.replace("http://echo.test", ""), { method: "POST", body: form }), 201);
  return ticket.id as string;
}

/** A visitor with data in every store: room log, D1 copy, triage, a ticket, an attachment, a call and its recording. */
async function fillVisitor(t: TestTenant, email: string) {
  const s = await newSession(t, { visitor: { name: "Alice", email } });
  const fileId = await upload(s, new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]));
  const v = await joinVisitor(s);
  v.send({ type: "msg", cid: "m1", text: "Hello, my order 1234 never arrived", attachments: [fileId] });
  await v.waitFor((f) => f.type === "msg" && f.cid === "m1");
  v.send({ type: "rate", score: 2, comment: "slow" });
  v.close();
  await messagesInD1(s.conversationId);
  // a low rating may already have escalated into a ticket (409); either way one ticket exists
  const ticket = await call("/api/tickets", {
    method: "POST",
    token: t.token,
    json: { conversationId: s.conversationId },
  });
  expect([201, 409], await ticket.text()).toContain(ticket.status);
  const callId = `call_${crypto.randomUUID().replaceAll("-", "")}`;
  const recordingKey = `voice/${t.tenantId}/${callId}/recording.mp3`;
  await env.DB.prepare(
    `insert into voice_calls (id, tenant_id, integration_id, provider, provider_call_id, conversation_id, bot_id, state,
       from_number, summary, recording_key, created_at, updated_at)
     values (?, ?, 'vint_x', 'vapi', ?, ?, ?, 'ended', '+15550001', 'caller asked about order 1234', ?, ?, ?)`,
  )
    .bind(callId, t.tenantId, callId, s.conversationId, t.botId, recordingKey, Date.now(), Date.now())
    .run();
  await env.FILES.put(recordingKey, new Uint8Array([1, 2, 3]));
  return { s, fileId, callId, recordingKey };
}

/** Rows and objects that mention the conversation, in every store. */
async function footprint(tenantId: string, conversationId: string) {
  const count = async (table: string) =>
    (await env.DB.prepare(`select count(*) n from ${table} where tenant_id = ? and conversation_id = ?`)
      .bind(tenantId, conversationId)
      .first<{ n: number }>())!.n;
  const conv = (await env.DB.prepare("select count(*) n from conversations where tenant_id = ? and id = ?")
    .bind(tenantId, conversationId)
    .first<{ n: number }>())!.n;
  const files = (await env.FILES.list({ prefix: `conversations/${tenantId}/${conversationId}/` })).objects.length;
  const roomRows = await durableObjectRows(roomStub(env.CONVERSATION_ROOM, tenantId, conversationId));
  return {
    conversations: conv,
    messages: await count("messages"),
    tickets: await count("tickets"),
    triage: await count("conversation_triage"),
    calls: await count("voice_calls"),
    files,
    roomRows,
  };
}

describe("a visitor's data exported and erased everywhere", async () => {
  const t = await makeTenant();
  const other = await makeTenant("Other");
  const viewer = await addMember(t, "viewer");
  const alice = await fillVisitor(t, "alice@example.test");
  const bob = await fillVisitor(t, "bob@example.test");
  // the same address in another workspace is another workspace's data
  const aliceElsewhere = await fillVisitor(other, "alice@example.test");

  it("exports everything held about the visitor as one JSON document, room log included", async () => {
    const res = await call("/api/privacy/export", {
      method: "POST",
      token: t.token,
      json: { email: "Alice@example.test" },
    });
    const archive = await expectJson(res, 200);
    expect(res.headers.get("content-disposition")).toContain("attachment");
    expect(archive.conversations).toHaveLength(1);
    const c = archive.conversations[0];
    expect(c.id).toBe(alice.s.conversationId);
    expect(c.visitor.email).toBe("alice@example.test");
    expect(c.messages.map((m: { text: string }) => m.text)).toContain("Hello, my order 1234 never arrived");
    expect(c.attachments.map((a: { key: string }) => a.key)).toEqual([
      `conversations/${t.tenantId}/${alice.s.conversationId}/${alice.fileId}`,
    ]);
    expect(c.tickets).toHaveLength(1);
    expect(c.tickets[0].events.length).toBeGreaterThan(0);
    expect(c.calls).toHaveLength(1);
    expect(c.calls[0].summary).toBe("caller asked about order 1234");
    expect(c.calls[0].recordings.map((r: { key: string }) => r.key)).toEqual([alice.recordingKey]);
    expect(c.triage?.firstVisitorText).toBeTruthy();
    expect(JSON.stringify(archive)).not.toContain(bob.s.conversationId);
  });

  it("answers 404 for a visitor or conversation of another tenant, and refuses viewers and bad input", async () => {
    const foreign = await call("/api/privacy/erase", {
      method: "POST",
      token: other.token,
      json: { conversationId: alice.s.conversationId },
    });
    expect(foreign.status, await foreign.text()).toBe(404);
    const nobody = await call("/api/privacy/export", {
      method: "POST",
      token: t.token,
      json: { email: "nobody@example.test" },
    });
    expect(nobody.status).toBe(404);
    const forViewer = await call("/api/privacy/erase", {
      method: "POST",
      token: viewer.token,
      json: { email: "alice@example.test" },
    });
    expect(forViewer.status).toBe(403);
    const two = await call("/api/privacy/erase", {
      method: "POST",
      token: t.token,
      json: { email: "alice@example.test", phone: "+15550001" },
    });
    expect(two.status).toBe(400);
    expect((await footprint(t.tenantId, alice.s.conversationId)).conversations).toBe(1);
  });

  it("erases the visitor from D1, R2 and the room, leaves others untouched, and keeps a receipt", async () => {
    const before = await footprint(t.tenantId, alice.s.conversationId);
    expect(before).toMatchObject({ conversations: 1, tickets: 1, triage: 1, calls: 1, files: 1 });
    expect(before.messages).toBeGreaterThan(0);
    expect(before.roomRows).toBeGreaterThan(0);
    const events = () =>
      env.DB.prepare(
        "select count(*) n, coalesce(sum(json_extract(data, '$.question') is not null), 0) q from conversation_events where tenant_id = ? and conversation_id = ?",
      )
        .bind(t.tenantId, alice.s.conversationId)
        .first<{ n: number; q: number }>();
    // the hand-off's analytics event holds alice's words until the erasure
    expect((await events())?.q).toBeGreaterThan(0);
    const bobBefore = await footprint(t.tenantId, bob.s.conversationId);
    const elsewhereBefore = await footprint(other.tenantId, aliceElsewhere.s.conversationId);

    const res = await expectJson(
      call("/api/privacy/erase", { method: "POST", token: t.token, json: { email: "alice@example.test" } }),
      200,
    );
    expect(res.erased).toMatchObject({ conversations: 1, tickets: 1, calls: 1, files: 2, rooms: 1 });
    expect(res.erased.messages).toBeGreaterThan(0);

    const after = await footprint(t.tenantId, alice.s.conversationId);
    expect(after).toEqual({ conversations: 0, messages: 0, tickets: 0, triage: 0, calls: 0, files: 0, roomRows: 0 });
    expect(await env.FILES.head(alice.recordingKey)).toBeNull();
    // analytics keep anonymous counters, without the visitor's words
    const kept = await events();
    expect(kept?.n).toBeGreaterThan(0);
    expect(kept?.q).toBe(0);
    // a room woken afterwards holds nothing, and no later D1 copy brings the conversation back
    const woken = await runInDurableObject(
      roomStub(env.CONVERSATION_ROOM, t.tenantId, alice.s.conversationId),
      (room) =>
        room.messages(0).then(
          (m) => `${m.length} messages`,
          (e: unknown) => String(e),
        ),
    );
    expect(woken).toMatch(/not initialised/);
    await new Promise((r) => setTimeout(r, 1500));
    expect((await footprint(t.tenantId, alice.s.conversationId)).conversations).toBe(0);
    const gone = await call("/api/privacy/export", {
      method: "POST",
      token: t.token,
      json: { email: "alice@example.test" },
    });
    expect(gone.status).toBe(404);

    expect(await footprint(t.tenantId, bob.s.conversationId)).toEqual(bobBefore);
    expect(await footprint(other.tenantId, aliceElsewhere.s.conversationId)).toEqual(elsewhereBefore);
    expect(await env.FILES.head(bob.recordingKey)).not.toBeNull();

    const audit = await expectJson(call("/api/audit?action=privacy.erased", { token: t.token }), 200);
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({
      actor: { type: "user", id: t.userId },
      targets: [{ type: "conversation", id: alice.s.conversationId }],
      metadata: { by: "email", conversations: 1 },
    });
    // the receipt does not keep the erased address
    expect(JSON.stringify(audit.data[0])).not.toContain("alice@");
    const exported = await expectJson(call("/api/audit?action=privacy.exported", { token: t.token }), 200);
    expect(exported.data).toHaveLength(1);
  });
});

describe("/api/visitors/:conversationId: the visitor of a conversation", async () => {
  const t = await makeTenant();
  const other = await makeTenant("Other");
  const first = await newSession(t, { visitor: { email: "carol@example.test" } });
  const second = await newSession(t, { visitor: { email: "carol@example.test" } });
  const anonymous = await newSession(t);

  it("exports and erases all of the visitor's conversations; another tenant's id is 404", async () => {
    const foreign = await call(`/api/visitors/${first.conversationId}`, { method: "DELETE", token: other.token });
    expect(foreign.status).toBe(404);
    const bad = await call(`/api/visitors/not-a-conversation/export`, { token: t.token });
    expect(bad.status).toBe(400);
    const archive = await expectJson(call(`/api/visitors/${first.conversationId}/export`, { token: t.token }), 200);
    expect(archive.conversations.map((c: { id: string }) => c.id).sort()).toEqual(
      [first.conversationId, second.conversationId].sort(),
    );
    const res = await expectJson(
      call(`/api/visitors/${second.conversationId}`, { method: "DELETE", token: t.token }),
      200,
    );
    expect(res.erased).toMatchObject({ conversations: 2, rooms: 2 });
    expect((await footprint(t.tenantId, first.conversationId)).conversations).toBe(0);
    expect((await footprint(t.tenantId, anonymous.conversationId)).conversations).toBe(1);
    // an anonymous visitor is just that conversation
    const alone = await expectJson(
      call(`/api/visitors/${anonymous.conversationId}`, { method: "DELETE", token: t.token }),
      200,
    );
    expect(alone.erased.conversations).toBe(1);
  });
});
