import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { roomStub } from "../rooms/room-stub";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { call, expectJson, makeTenant } from "../test/fixtures";

/**
 * Issue 13, item 10: an attachment's bytes could be replaced through its (still valid) upload URL
 * after the message carrying it was sent, so the operator would read a different file than the one
 * the visitor sent. Uploads are write-once: the second one is 409 and changes nothing.
 */
async function upload(url: string, bytes: Uint8Array<ArrayBuffer>, type = "image/png") {
  const form = new FormData();
  form.set("file", new File([bytes], "x", { type }));
  return call(url.replace("http://echo.test", ""), { method: "POST", body: form });
}

describe("attachments are immutable once uploaded", () => {
  it("refuses to replace the bytes of an attachment a sent message carries (409), changing nothing", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const ticket = await expectJson(
      call("/api/widget/attachments", {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}` },
        json: { name: "invoice.png", type: "image/png", size: 8 },
      }),
      201,
    );
    const original = new Uint8Array([137, 80, 78, 71, 13, 10, 26, 10]);
    await expectJson(upload(ticket.uploadUrl, original), 201);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    await v.waitFor((f) => f.type === "mode");
    v.send({ type: "msg", cid: "with-file", text: "my invoice", attachments: [ticket.id] });
    await v.waitFor((f) => f.type === "msg" && f.cid === "with-file");

    // the attack: the same signed upload URL, within its 5 minutes, with other bytes
    const forged = new Uint8Array([137, 80, 78, 71, 0, 0, 0, 0]);
    const res = await expectJson(upload(ticket.uploadUrl, forged), 409);
    expect(res).toMatchObject({ code: "CONFLICT", status: 409 });

    const dl = await call(`/api/conversations/${s.conversationId}/attachments/${ticket.id}`, { token: t.token });
    expect(dl.status).toBe(200);
    expect(new Uint8Array(await dl.arrayBuffer())).toEqual(original);
    const obj = await env.FILES.get(`conversations/${t.tenantId}/${s.conversationId}/${ticket.id}`);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(original);
    const msgs = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).messages(0);
    expect(msgs.filter((m) => m.attachments?.length).map((m) => m.attachments)).toEqual([
      [{ id: ticket.id, name: "invoice.png", type: "image/png", size: 8 }],
    ]);
    v.close();
    op.close();
  });

  it("refuses a second upload before the message too: one upload URL, one file", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const ticket = await expectJson(
      call("/api/widget/attachments", {
        method: "POST",
        headers: { authorization: `Bearer ${s.token}` },
        json: { name: "a.png", type: "image/png", size: 8 },
      }),
      201,
    );
    const first = new Uint8Array([1, 2, 3, 4, 5, 6, 7, 8]);
    await expectJson(upload(ticket.uploadUrl, first), 201);
    await expectJson(upload(ticket.uploadUrl, new Uint8Array([9, 9, 9, 9])), 409);
    const obj = await env.FILES.get(`conversations/${t.tenantId}/${s.conversationId}/${ticket.id}`);
    expect(new Uint8Array(await obj!.arrayBuffer())).toEqual(first);
  });
});
