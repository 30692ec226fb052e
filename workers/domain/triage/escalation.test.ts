import { afterEach, describe, expect, it } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../knowledge/answer-types";
import { setRoomAnswererForTesting } from "../../rooms/room-ctx";
import { joinVisitor, newSession, type TestSocket } from "../../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";

/**
 * Triage in a live room, over real WebSockets into workerd: angry visitor messages escalate with
 * reason "frustration" and open a high/urgent ticket routed by the tenant's rules; a calm
 * conversation does not escalate and opens no ticket.
 */
const calmAnswer: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  yield { type: "delta", text: "Here is how that works." };
  yield {
    type: "done",
    answer: "Here is how that works.",
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

afterEach(() => setRoomAnswererForTesting());

async function setUp() {
  const t = await makeTenant();
  const billing = await expectJson(
    call("/api/categories", {
      method: "POST",
      token: t.token,
      json: {
        name: "Billing",
        examples: [
          "I was charged twice",
          "my invoice is wrong",
          "refund my payment",
          "why did you charge my card",
          "billing problem with my subscription",
        ],
      },
    }),
    201,
  );
  await expectJson(
    call("/api/categories", {
      method: "POST",
      token: t.token,
      json: {
        name: "Login",
        examples: [
          "I can't log in",
          "reset my password",
          "my account is locked",
          "two-factor code not arriving",
          "forgot my password",
        ],
      },
    }),
    201,
  );
  const agent1 = await addMember(t, "agent");
  const agent2 = await addMember(t, "agent");
  await expectJson(
    call("/api/triage/routing-rules", {
      method: "POST",
      token: t.token,
      json: {
        categoryId: billing.id,
        target: { type: "team", name: "billing", userIds: [agent1.userId, agent2.userId] },
        maxOpenPerAgent: 5,
      },
    }),
    201,
  );
  // presence: only agent2 is online, so round-robin must skip agent1
  await expectJson(
    call("/api/triage/presence/me", { method: "PUT", token: agent2.token, json: { status: "online" } }),
    200,
  );
  await expectJson(
    call("/api/triage/presence/me", { method: "PUT", token: agent1.token, json: { status: "away" } }),
    200,
  );
  return { t, billing, agent1, agent2 };
}

async function say(v: TestSocket, cid: string, text: string) {
  v.send({ type: "msg", cid, text });
  await v.waitFor((f) => f.type === "msg" && f.cid === cid);
}

const ticketsOf = (t: TestTenant, conversationId: string) =>
  expectJson(call(`/api/tickets?conversationId=${conversationId}`, { token: t.token }), 200);

describe("triage in a live room", () => {
  it("escalates a run of angry messages with reason frustration and opens a routed high/urgent ticket", async () => {
    setRoomAnswererForTesting(calmAnswer);
    const { t, billing, agent2 } = await setUp();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    await say(v, "a1", "You charged my card twice for the same invoice.");
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    await say(v, "a2", "This is ridiculous!!! I've asked three times and it's STILL not fixed.");
    await say(v, "a3", "What the hell is wrong with you people? Useless. Waste of my time.");
    const mode = await v.waitFor((f) => f.type === "mode" && f.mode === "human");
    expect(mode.reason).toBe("frustration");

    const list = await eventually(
      () => ticketsOf(t, s.conversationId),
      (b) => b.data.length === 1,
    );
    const ticket = list.data[0];
    expect(["high", "urgent"]).toContain(ticket.priority);
    expect(ticket).toMatchObject({
      conversationId: s.conversationId,
      status: "open",
      source: "escalation",
      escalationReason: "frustration",
      categoryId: billing.id,
      team: "billing",
      assigneeId: agent2.userId,
    });
    expect(new Date(ticket.sla.firstResponseDueAt).getTime()).toBeGreaterThan(new Date(ticket.createdAt).getTime());

    const full = await expectJson(call(`/api/tickets/${ticket.id}`, { token: t.token }), 200);
    expect(full.events.map((e: { kind: string }) => e.kind)).toEqual(["created", "routed"]);
    expect(full.events[1].data).toMatchObject({ team: "billing", assigneeId: agent2.userId });

    const triage = await expectJson(call(`/api/conversations/${s.conversationId}/triage`, { token: t.token }), 200);
    expect(triage).toMatchObject({ categoryId: billing.id, categorySource: "model", escalationReason: "frustration" });
    expect(triage.trend).toBeGreaterThan(0.5);
    v.close();
  });

  it("does not escalate a calm conversation and opens no ticket", async () => {
    setRoomAnswererForTesting(calmAnswer);
    const { t } = await setUp();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const calm = [
      "Hi! How do I reset my password?",
      "Thanks. Can I also turn on two-factor login?",
      "Great, that worked. Thank you for the help!",
    ];
    for (const [k, text] of calm.entries()) {
      await say(v, `c${k}`, text);
      await v.waitFor((f) => f.type === "msg" && f.role === "ai" && f.seq > 2 * k);
    }
    const triage = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}/triage`, { token: t.token }), 200),
      (b) => b.visitorMessages === 3,
    );
    expect(triage.escalationReason).toBeNull();
    expect(triage.trend).toBeLessThan(0.5);
    expect(
      v.frames.filter((f) => f.type === "mode"),
      JSON.stringify(v.frames),
    ).toEqual([]);
    expect((await ticketsOf(t, s.conversationId)).data).toEqual([]);
    v.close();
  });

  it("escalates an explicit ask for a person with reason asked_for_human", async () => {
    setRoomAnswererForTesting(calmAnswer);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    await say(v, "h1", "Can I talk to a real person please?");
    const mode = await v.waitFor((f) => f.type === "mode" && f.mode === "human");
    expect(mode.reason).toBe("asked_for_human");
    const list = await eventually(
      () => ticketsOf(t, s.conversationId),
      (b) => b.data.length === 1,
    );
    expect(list.data[0]).toMatchObject({ escalationReason: "asked_for_human", priority: "normal", assigneeId: null });
    v.close();
  });
});
