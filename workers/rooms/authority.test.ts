import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { roomStub } from "./room-stub";
import { setRoomAnswererForTesting } from "./room-ctx";
import { hubStub } from "./tenant-hub";
import { joinOperator, joinVisitor, newSession, openSocket, quietAnswerer } from "./test-client";

/**
 * Issue 13 item 3, performed as the attack: open sockets keep acting after the principal lost its
 * authority. Each case must be refused at once, with nothing stored.
 */

afterEach(() => setRoomAnswererForTesting());

async function conversationWithAgent() {
  setRoomAnswererForTesting(quietAnswerer);
  const t = await makeTenant();
  const agent = await addMember(t, "agent");
  const s = await newSession(t);
  const v = await joinVisitor(s);
  // the room registers the agent's socket with the hub before accepting it
  const op = await joinOperator(s.conversationId, agent.token);
  return { t, agent, s, v, op };
}

const snapshot = (tenantId: string, conversationId: string) =>
  roomStub(env.CONVERSATION_ROOM, tenantId, conversationId).snapshot();

describe("live sockets follow authority", () => {
  it("a demoted agent's open socket can no longer reply: refused, nothing stored", async () => {
    const { t, agent, s, v, op } = await conversationWithAgent();
    await expectJson(
      call(`/api/team/members/${agent.userId}`, { method: "PATCH", token: t.token, json: { role: "viewer" } }),
      200,
    );
    const before = await snapshot(t.tenantId, s.conversationId);
    op.send({ type: "msg", cid: "after-demotion", text: "I can still reply?" });
    const refused = await op.next((f) => f.type === "error");
    expect(refused).toMatchObject({ code: "FORBIDDEN", cid: "after-demotion" });
    op.send({ type: "takeover" });
    await op.next((f) => f.type === "error");
    const after = await snapshot(t.tenantId, s.conversationId);
    expect(after).toMatchObject({ lastSeq: before.lastSeq, mode: "ai", assignee: null });
    expect(v.frames.filter((f) => f.type === "msg" && f.role === "agent")).toEqual([]);
    op.close();
    v.close();
  });

  it("a removed member's socket is closed with 4001 and its note and close change nothing", async () => {
    const { t, agent, s, v, op } = await conversationWithAgent();
    const owner = await joinOperator(s.conversationId, t.token);
    const res = await call(`/api/team/members/${agent.userId}`, { method: "DELETE", token: t.token });
    expect(res.status, await res.text()).toBeLessThan(300);
    // frames sent after the removal (the socket may already be gone): refused or undeliverable
    for (const f of [{ type: "note", cid: "n-after", text: "secret note" }, { type: "close" }])
      try {
        op.send(f);
      } catch {}
    const closed = await op.waitClose();
    expect(closed.code).toBe(4001);
    const snap = await snapshot(t.tenantId, s.conversationId);
    expect(snap).toMatchObject({ mode: "ai", status: "open" });
    expect(owner.frames.filter((f) => f.type === "note")).toEqual([]);
    expect(v.frames.filter((f) => f.type === "mode")).toEqual([]);
    owner.close();
    v.close();
  });

  it("a removed member's inbox socket is closed (4001) and receives nothing more", async () => {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const inbox = await openSocket(`/api/inbox/ws?token=${agent.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    const res = await call(`/api/team/members/${agent.userId}`, { method: "DELETE", token: t.token });
    expect(res.status, await res.text()).toBeLessThan(300);
    expect((await inbox.waitClose()).code).toBe(4001);
    const seen = inbox.frames.length;
    await newSession(t);
    await eventually(
      async () => (await hubStub(env.TENANT_HUB, t.tenantId).recent(t.tenantId)).length,
      (n) => n > 0,
    );
    expect(inbox.frames.slice(seen).filter((f) => f.type === "conversation.created")).toEqual([]);
  });

  it("a demoted member's inbox socket is closed with 4003 so it reconnects with its new permissions", async () => {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const inbox = await openSocket(`/api/inbox/ws?token=${agent.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    await expectJson(
      call(`/api/team/members/${agent.userId}`, { method: "PATCH", token: t.token, json: { role: "viewer" } }),
      200,
    );
    expect((await inbox.waitClose()).code).toBe(4003);
  });
});
