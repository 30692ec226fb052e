import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import { ACCESS_TTL_SECONDS, signAccessToken } from "../domain/auth/tokens";
import { addMember, eventually, makeTenant } from "../test/fixtures";
import { roomStub } from "./room-stub";
import { setRoomAnswererForTesting } from "./room-ctx";
import { hubStub } from "./tenant-hub";
import { joinOperator, joinVisitor, newSession, openSocket, quietAnswerer } from "./test-client";

/**
 * Issue 13 item 3: an operator socket lives as long as its access token unless an in-band
 * `{"type":"auth","token"}` frame with a fresh token of the same user and tenant extends it.
 * Tokens here are signed as if issued 15 minutes minus ~2 s ago, so they expire during the test.
 */

afterEach(() => setRoomAnswererForTesting());

/** An access token for the member that expires in about 2 s; returns it with its `exp` in ms. */
async function shortToken(userId: string, tenantId: string) {
  const now = Date.now() - ACCESS_TTL_SECONDS * 1000 + 2500;
  const token = await signAccessToken(env.APP_SECRET, { userId, tenantId, role: "agent" }, now);
  return { token, expMs: (Math.floor(now / 1000) + ACCESS_TTL_SECONDS) * 1000 };
}

const waitUntil = (ms: number) => new Promise((r) => setTimeout(r, Math.max(0, ms - Date.now()) + 100));

async function setup() {
  setRoomAnswererForTesting(quietAnswerer);
  const t = await makeTenant();
  const agent = await addMember(t, "agent");
  const s = await newSession(t);
  const v = await joinVisitor(s);
  const short = await shortToken(agent.userId, t.tenantId);
  const op = await joinOperator(s.conversationId, short.token);
  return { t, agent, s, v, op, short };
}

const snapshot = (tenantId: string, conversationId: string) =>
  roomStub(env.CONVERSATION_ROOM, tenantId, conversationId).snapshot();

describe("operator room sockets are bounded by the access token's expiry", () => {
  it("a frame after exp gets TOKEN_EXPIRED, the socket closes with 4001 and nothing is stored", async () => {
    const { t, s, v, op, short } = await setup();
    const owner = await joinOperator(s.conversationId, t.token);
    const before = await snapshot(t.tenantId, s.conversationId);
    await waitUntil(short.expMs);
    op.send({ type: "msg", cid: "late-reply", text: "still here?" });
    expect(await op.next((f) => f.type === "error")).toMatchObject({ code: "TOKEN_EXPIRED", cid: "late-reply" });
    expect((await op.waitClose()).code).toBe(4001);
    expect(await snapshot(t.tenantId, s.conversationId)).toMatchObject({ lastSeq: before.lastSeq });
    expect(v.frames.filter((f) => f.type === "msg" && f.role === "agent")).toEqual([]);
    expect(owner.frames.filter((f) => f.type === "msg" && f.role === "agent")).toEqual([]);
    owner.close();
    v.close();
  });

  it("a silent expired operator socket is closed (4001) at the next fan-out instead of receiving it", async () => {
    const { v, op, short } = await setup();
    await waitUntil(short.expMs);
    v.send({ type: "msg", cid: "v-late", text: "anyone there?" });
    await v.waitFor((f) => f.type === "msg" && f.cid === "v-late");
    expect((await op.waitClose()).code).toBe(4001);
    expect(op.frames.filter((f) => f.type === "msg" && f.cid === "v-late")).toEqual([]);
    v.close();
  });

  it("a re-auth with a fresh token keeps the socket working past the old exp", async () => {
    const { agent, s, v, op, short } = await setup();
    op.send({ type: "auth", token: agent.token });
    const authed = await op.next((f) => f.type === "authed");
    expect(authed.exp * 1000).toBeGreaterThan(short.expMs);
    await waitUntil(short.expMs);
    op.send({ type: "note", cid: "after-reauth", text: "an internal note" });
    expect(await op.next((f) => f.type === "note")).toMatchObject({ cid: "after-reauth", text: "an internal note" });
    expect(op.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(op.closed).toBeUndefined();
    // the stored note replays to a fresh operator socket
    const again = await joinOperator(s.conversationId, agent.token);
    await again.waitFor((f) => f.type === "note" && f.cid === "after-reauth");
    again.close();
    op.close();
    v.close();
  });

  it("a re-auth with another user's token is refused with UNAUTHORIZED and 4001", async () => {
    const { t, v, op } = await setup();
    op.send({ type: "auth", token: t.token });
    expect(await op.next((f) => f.type === "error")).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await op.waitClose()).code).toBe(4001);
    v.close();
  });

  it("a re-auth with a forged token is refused with UNAUTHORIZED and 4001", async () => {
    const { v, op } = await setup();
    op.send({ type: "auth", token: "eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiJ4In0.bad" });
    expect(await op.next((f) => f.type === "error")).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await op.waitClose()).code).toBe(4001);
    v.close();
  });
});

describe("inbox sockets are bounded by the access token's expiry", () => {
  async function inboxWithShortToken() {
    const t = await makeTenant();
    const agent = await addMember(t, "agent");
    const short = await shortToken(agent.userId, t.tenantId);
    const inbox = await openSocket(`/api/inbox/ws?token=${encodeURIComponent(short.token)}`);
    await inbox.waitFor((f) => f.type === "ready");
    return { t, agent, short, inbox };
  }

  it("a frame after exp gets TOKEN_EXPIRED and a 4001 close", async () => {
    const { short, inbox } = await inboxWithShortToken();
    await waitUntil(short.expMs);
    inbox.send({ type: "hello", lastSeq: 0 });
    expect(await inbox.next((f) => f.type === "error")).toMatchObject({ code: "TOKEN_EXPIRED" });
    expect((await inbox.waitClose()).code).toBe(4001);
  });

  it("a silent expired socket is closed (4001) at the next event instead of receiving it", async () => {
    const { t, short, inbox } = await inboxWithShortToken();
    await waitUntil(short.expMs);
    await newSession(t);
    expect((await inbox.waitClose()).code).toBe(4001);
    await eventually(
      async () => (await hubStub(env.TENANT_HUB, t.tenantId).recent(t.tenantId)).length,
      (n) => n > 0,
    );
    expect(inbox.frames.filter((f) => f.type === "conversation.created")).toEqual([]);
  });

  it("a re-auth keeps it open past the old exp; another user's token closes it with 4001", async () => {
    const { t, agent, short, inbox } = await inboxWithShortToken();
    inbox.send({ type: "auth", token: agent.token });
    expect((await inbox.next((f) => f.type === "authed")).exp * 1000).toBeGreaterThan(short.expMs);
    await waitUntil(short.expMs);
    await newSession(t);
    await inbox.waitFor((f) => f.type === "conversation.created");
    inbox.send({ type: "auth", token: t.token });
    expect(await inbox.next((f) => f.type === "error")).toMatchObject({ code: "UNAUTHORIZED" });
    expect((await inbox.waitClose()).code).toBe(4001);
  });
});
