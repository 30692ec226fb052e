import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { addMember, makeTenant } from "../test/fixtures";
import { setRoomAnswererForTesting } from "./room-ctx";
import { hubStub } from "./tenant-hub";
import { joinOperator, joinVisitor, newSession, openSocket } from "./test-client";

afterEach(() => setRoomAnswererForTesting());

const chatty: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  for (const w of ["one ", "two ", "three"]) yield { type: "delta", text: w };
  yield {
    type: "done",
    answer: "one two three",
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

describe("TenantHub inbox feed", () => {
  it("receives coarse events from rooms (created, message summaries, mode, assigned, closed), never deltas", async () => {
    setRoomAnswererForTesting(chatty);
    const t = await makeTenant();
    const inbox = await openSocket(`/api/inbox/ws?token=${t.token}`);
    const ready = await inbox.waitFor((f) => f.type === "ready");
    expect(ready).toMatchObject({ type: "ready", seq: expect.any(Number), operators: [{ userId: t.userId }] });

    const s = await newSession(t, { visitor: { name: "Vera" } });
    const created = await inbox.waitFor(
      (f) => f.type === "conversation.created" && f.conversationId === s.conversationId,
    );
    expect(created).toMatchObject({
      botId: t.botId,
      channel: "chat",
      status: "open",
      mode: "ai",
      visitor: { name: "Vera" },
      seq: expect.any(Number),
    });

    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "m1", text: "Where can I see my invoices?" });
    const msg = await inbox.waitFor((f) => f.type === "conversation.message" && f.role === "visitor");
    expect(msg).toMatchObject({
      conversationId: s.conversationId,
      lastSeq: 1,
      preview: "Where can I see my invoices?",
      messageCount: 1,
    });
    await inbox.waitFor((f) => f.type === "conversation.message" && f.role === "ai");

    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    const assigned = await inbox.waitFor((f) => f.type === "conversation.assigned");
    expect(assigned.assignee).toMatchObject({ userId: t.userId });
    expect(await inbox.waitFor((f) => f.type === "conversation.mode")).toMatchObject({
      mode: "human",
      status: "open",
      reason: "takeover",
    });
    op.send({ type: "close" });
    expect(await inbox.waitFor((f) => f.type === "conversation.closed")).toMatchObject({
      conversationId: s.conversationId,
      reason: "closed",
    });

    expect(inbox.frames.filter((f) => f.type === "delta" || f.type === "typing")).toEqual([]);
    const seqs = inbox.frames.filter((f) => typeof f.seq === "number" && f.type !== "ready").map((f) => f.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => a - b));

    // a reconnecting operator catches up with hello lastSeq
    const again = await openSocket(`/api/inbox/ws?token=${t.token}`);
    await again.waitFor((f) => f.type === "ready");
    again.send({ type: "hello", lastSeq: created.seq });
    await again.waitFor((f) => f.type === "conversation.closed");
    for (const x of [inbox, again, v, op]) x.close();
  });

  it("shows inbox presence and keeps tenants apart", async () => {
    const a = await makeTenant("Alpha");
    const b = await makeTenant("Beta");
    const agent = await addMember(a, "agent");
    const x = await openSocket(`/api/inbox/ws?token=${a.token}`);
    await x.waitFor((f) => f.type === "ready");
    const y = await openSocket(`/api/inbox/ws?token=${agent.token}`);
    await x.waitFor((f) => f.type === "presence" && f.operators.length === 2);
    const other = await openSocket(`/api/inbox/ws?token=${b.token}`);
    await other.waitFor((f) => f.type === "ready");
    await newSession(a);
    await x.waitFor((f) => f.type === "conversation.created");
    expect(other.frames.filter((f) => f.type.startsWith("conversation."))).toEqual([]);
    expect(await hubStub(env.TENANT_HUB, a.tenantId).recent(b.tenantId)).toEqual([]);
    expect((await hubStub(env.TENANT_HUB, a.tenantId).recent(a.tenantId)).length).toBeGreaterThan(0);
    for (const s of [x, y, other]) s.close();
  });
});
