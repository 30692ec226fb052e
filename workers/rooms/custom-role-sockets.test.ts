import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { roomStub } from "./room-stub";
import { setRoomAnswererForTesting } from "./room-ctx";
import { joinOperator, joinVisitor, newSession, openSocket, quietAnswerer } from "./test-client";

/**
 * Issue 18 over real sockets: a custom role acts on a conversation socket exactly as its named
 * permissions say (notes:write, replies:write, takeover:write), and edits of the role — its
 * permissions changed, or the role deleted — reach the member's open sockets at once: 4003
 * (permissions changed: reconnect) while it may still act, watch-only when it may only read,
 * 4001 (access revoked) when it no longer reads conversations.
 */

afterEach(() => setRoomAnswererForTesting());

async function roleOf(t: TestTenant, permissions: string[]) {
  return expectJson(
    call("/api/roles", {
      method: "POST",
      token: t.token,
      json: { name: `Role ${crypto.randomUUID().slice(0, 8)}`, permissions },
    }),
    201,
  );
}

async function memberWithRole(t: TestTenant, roleId: string) {
  const m = await addMember(t, "viewer");
  await expectJson(
    call(`/api/team/members/${m.userId}`, { method: "PATCH", token: t.token, json: { role: roleId } }),
    200,
  );
  return m;
}

const patchRole = (t: TestTenant, id: string, permissions: string[]) =>
  expectJson(call(`/api/roles/${id}`, { method: "PATCH", token: t.token, json: { permissions } }), 200);

describe("custom roles on live sockets", () => {
  it("a notes-only role may note over the socket but not reply or take over", async () => {
    setRoomAnswererForTesting(quietAnswerer);
    const t = await makeTenant();
    const role = await roleOf(t, ["conversations:read", "notes:write"]);
    const m = await memberWithRole(t, role.id);
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, m.token);
    op.send({ type: "note", cid: "n1", text: "internal" });
    await op.next((f) => f.type === "note");
    op.send({ type: "msg", cid: "r1", text: "hello visitor" });
    expect(await op.next((f) => f.type === "error")).toMatchObject({ code: "FORBIDDEN", cid: "r1" });
    op.send({ type: "takeover" });
    const refused = await op.next((f) => f.type === "error" && f.message?.includes("takeover:write"));
    expect(refused).toMatchObject({ code: "FORBIDDEN" });
    const snap = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).snapshot();
    expect(snap).toMatchObject({ mode: "ai", assignee: null });
    expect(v.frames.filter((f) => f.type === "msg" && f.role === "agent")).toEqual([]);
    op.close();
    v.close();
  });

  it("editing the role closes the member's inbox socket (4003) and its conversation socket follows the new permissions", async () => {
    setRoomAnswererForTesting(quietAnswerer);
    const t = await makeTenant();
    const role = await roleOf(t, ["conversations:read", "replies:write"]);
    const m = await memberWithRole(t, role.id);
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const inbox = await openSocket(`/api/inbox/ws?token=${m.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    const op = await joinOperator(s.conversationId, m.token);
    op.send({ type: "msg", cid: "r1", text: "first reply" });
    await v.waitFor((f) => f.type === "msg" && f.role === "agent");

    // replies:write taken away: read only; the open conversation socket may watch, not reply
    await patchRole(t, role.id, ["conversations:read"]);
    expect((await inbox.waitClose()).code).toBe(4003);
    const before = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).snapshot();
    op.send({ type: "msg", cid: "r2", text: "second reply" });
    expect(await op.next((f) => f.type === "error")).toMatchObject({ code: "FORBIDDEN", cid: "r2" });
    const after = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).snapshot();
    expect(after.lastSeq).toBe(before.lastSeq);

    // given notes:write back (acts again, differently): the socket closes 4003 to reconnect with them
    await patchRole(t, role.id, ["conversations:read", "notes:write"]);
    expect((await op.waitClose()).code).toBe(4003);
    const again = await joinOperator(s.conversationId, m.token);
    again.send({ type: "note", cid: "n1", text: "now I may note" });
    await again.next((f) => f.type === "note");
    again.send({ type: "msg", cid: "r3", text: "but not reply" });
    expect(await again.next((f) => f.type === "error")).toMatchObject({ code: "FORBIDDEN", cid: "r3" });

    // conversations:read taken away: access revoked, 4001
    await patchRole(t, role.id, ["tickets:read"]);
    expect((await again.waitClose()).code).toBe(4001);
    expect(v.frames.filter((f) => f.type === "msg" && f.role === "agent").map((f) => f.text)).toEqual(["first reply"]);
    v.close();
  });

  it("deleting the role revokes its members' open sockets (4001)", async () => {
    setRoomAnswererForTesting(quietAnswerer);
    const t = await makeTenant();
    const role = await roleOf(t, ["conversations:read", "replies:write"]);
    const m = await memberWithRole(t, role.id);
    const s = await newSession(t);
    const inbox = await openSocket(`/api/inbox/ws?token=${m.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    const op = await joinOperator(s.conversationId, m.token);
    const res = await call(`/api/roles/${role.id}`, { method: "DELETE", token: t.token });
    expect(res.status).toBe(204);
    expect((await inbox.waitClose()).code).toBe(4001);
    expect((await op.waitClose()).code).toBe(4001);
    // and the role grants nothing any more
    await expectJson(call("/api/conversations", { token: m.token }), 403);
  });
});
