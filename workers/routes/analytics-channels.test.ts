import { env } from "cloudflare:workers";
import { afterAll, afterEach, beforeAll, describe, expect, it, vi } from "vitest";
import worker from "../index";
import type { AnswerEvent, AnswerInput, StreamAnswer } from "../domain/knowledge/answer-types";
import { setEgressTransport } from "../lib/egress";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { setRoomClockForTesting } from "../rooms/room-clock";
import { roomStub } from "../rooms/room-stub";
import { joinOperator } from "../rooms/test-client";
import { call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { rfc822 } from "../test/rfc822";
import { connectWhatsApp, graphServer, inbound, postHook } from "../test/whatsapp-meta";

vi.setConfig({ testTimeout: 60_000 });

/**
 * A person's replies on the email and WhatsApp channels are analytics' agent replies and first
 * responses, exactly once: the email reply goes out through the operator's socket (the room mails
 * it), a WhatsApp template through REST (`appendMessage` with its author). Replays count nothing new.
 */

const MIN = 60_000;
/** Wednesday 4 November 2026, 10:00 UTC. */
const T0 = Date.UTC(2026, 10, 4, 10, 0, 0);
let now = T0;
const range = "from=2026-11-04&to=2026-11-04&tz=UTC";

/** The AI abstains on every question and hands off (so a person's reply is the first response after a hand-off). */
const abstaining: StreamAnswer = async function* (_ctx, _input: AnswerInput): AsyncIterable<AnswerEvent> {
  const text = "I'm not sure; a colleague will reply.";
  yield { type: "delta", text };
  yield {
    type: "done",
    answer: text,
    sources: [],
    confidence: 0.1,
    handoff: true,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

let restore: (() => void) | undefined;
beforeAll(() => {
  setRoomClockForTesting(() => now);
  setRoomAnswererForTesting(abstaining);
});
afterEach(() => restore?.());
afterAll(() => {
  setRoomClockForTesting();
  setRoomAnswererForTesting();
});

type Ev = { kind: string; actor_id: string | null; value_ms: number | null; n: number };
const eventsOf = async (tenantId: string, conversationId: string) =>
  (
    await env.DB.prepare(
      "select kind, actor_id, value_ms, count(*) n from conversation_events where tenant_id = ? and conversation_id = ? group by kind, actor_id, value_ms order by kind",
    )
      .bind(tenantId, conversationId)
      .all<Ev>()
  ).results;

async function deliverMail(from: string, to: string, raw: string) {
  const message = {
    from,
    to,
    headers: new Headers(),
    raw: new Response(raw).body!,
    rawSize: new TextEncoder().encode(raw).byteLength,
    canBeForwarded: true,
    setReject: () => {},
    forward: async () => ({}) as never,
    reply: async () => ({}) as never,
  } as unknown as ForwardableEmailMessage;
  await worker.email(message, env);
}

describe("agent replies on channels in analytics", () => {
  it("an agent's email reply is the first response after the hand-off, counted once however often it is replayed", async () => {
    now = T0;
    const t = await makeTenant("MailMetrics");
    const { address } = await expectJson<{ address: string }>(call("/api/channels/email", { token: t.token }), 200);
    await deliverMail(
      "dana@customer.test",
      address,
      rfc822(
        { from: "Dana <dana@customer.test>", to: address, subject: "Wire", id: "<w1@customer.test>" },
        "Can I pay by wire transfer?",
      ),
    );
    const conv = (await env.DB.prepare("select conversation_id c from email_messages where tenant_id = ?")
      .bind(t.tenantId)
      .first<string>("c"))!;
    // the AI abstained and handed off at T0
    await eventually(
      () => roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).snapshot(),
      (s) => s.mode === "human",
    );

    // 7 minutes later a person replies from the conversation view; the room mails it
    now = T0 + 7 * MIN;
    const op = await joinOperator(conv, t.token);
    op.send({ type: "msg", cid: "op-1", text: "Yes: the IBAN is on your invoice." });
    await op.waitFor((f) => f.type === "msg" && f.cid === "op-1");
    const mails = async () =>
      (await expectJson<{ data: { text: string }[] }>(call("/api/outbox", { token: t.token }), 200)).data;
    await eventually(mails, (m) => m.some((x) => x.text.includes("the IBAN is on your invoice")));

    // replays: the same frame again (a reconnecting client resends), and a second, later reply
    now = T0 + 9 * MIN;
    op.send({ type: "msg", cid: "op-1", text: "Yes: the IBAN is on your invoice." });
    await op.waitFor((f) => f.type === "msg" && f.cid === "op-1");
    now = T0 + 12 * MIN;
    op.send({ type: "msg", cid: "op-2", text: "Anything else?" });
    await op.waitFor((f) => f.type === "msg" && f.cid === "op-2");
    op.close();

    const events = await eventually(
      () => eventsOf(t.tenantId, conv),
      (e) => e.filter((x) => x.kind === "agent_reply").reduce((n, x) => n + x.n, 0) >= 2,
    );
    const me = events.find((e) => e.kind === "agent_first_reply")!;
    expect(me, JSON.stringify(events)).toMatchObject({ actor_id: t.userId, value_ms: 7 * MIN, n: 1 });
    // the first reply answers the visitor's waiting mail (7 min); the second had nothing to answer
    expect(events.filter((e) => e.kind === "agent_reply")).toEqual([
      { kind: "agent_reply", actor_id: t.userId, value_ms: null, n: 1 },
      { kind: "agent_reply", actor_id: t.userId, value_ms: 7 * MIN, n: 1 },
    ]);
    expect(events.find((e) => e.kind === "handed_off")?.n).toBe(1);

    const s = await expectJson(call(`/api/analytics/summary?${range}&channel=email`, { token: t.token }), 200);
    expect(s.firstResponseMs).toEqual({ p50: 7 * MIN, p90: 7 * MIN, count: 1 });
    expect(s.messages).toMatchObject({ agent: 2 });
    expect(s.volume.byAgent).toEqual({ [t.userId]: 2 });
    // the replayed frame stored no second message either
    const msgs = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages();
    expect(msgs.filter((m) => m.role === "agent")).toHaveLength(2);
  });

  it("a WhatsApp template sent by a person is their reply and first response; a retried append counts once", async () => {
    now = T0;
    const graph = graphServer();
    restore = setEgressTransport(graph.transport);
    const t = await makeTenant("WaMetrics");
    const ch = await connectWhatsApp(t);
    const wa = "4915112345600";
    const sentAt = Math.floor(T0 / 1000);
    await expectJson(
      postHook(
        ch.id,
        inbound(wa, [{ from: wa, id: "wamid.M1", timestamp: String(sentAt), type: "text", text: { body: "Wire?" } }]),
      ),
      200,
    );
    const conv = (await env.DB.prepare("select conversation_id from whatsapp_contacts where channel_id = ?")
      .bind(ch.id)
      .first<string>("conversation_id"))!;
    await eventually(
      () => roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).snapshot(),
      (s) => s.mode === "human",
    );

    now = T0 + 4 * MIN;
    const sent = await expectJson(
      call(`/api/channels/whatsapp/conversations/${conv}/template`, {
        method: "POST",
        token: t.token,
        json: { name: "order_update", language: "en_US", parameters: ["Mark"] },
      }),
      201,
    );
    // the sender took the conversation, as a reply from the socket does
    const snap = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).snapshot();
    expect(snap.assignee?.userId).toBe(t.userId);

    // the adapter's append retried with the same cid (a lost response): stored and counted once
    now = T0 + 5 * MIN;
    const msgs = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).messages();
    const tpl = msgs.find((m) => m.id === sent.messageId)!;
    const again = await roomStub(env.CONVERSATION_ROOM, t.tenantId, conv).appendMessage({
      role: "agent",
      text: tpl.text,
      cid: tpl.cid!,
      author: { userId: t.userId, name: "Owner" },
    });
    expect(again.id).toBe(sent.messageId);

    const events = await eventually(
      () => eventsOf(t.tenantId, conv),
      (e) => e.some((x) => x.kind === "agent_reply"),
    );
    expect(
      events.filter((e) => e.kind.startsWith("agent_")),
      JSON.stringify(events),
    ).toEqual([
      { kind: "agent_first_reply", actor_id: t.userId, value_ms: 4 * MIN, n: 1 },
      { kind: "agent_joined", actor_id: t.userId, value_ms: 4 * MIN, n: 1 },
      { kind: "agent_reply", actor_id: t.userId, value_ms: 4 * MIN, n: 1 },
    ]);
    const s = await expectJson(call(`/api/analytics/summary?${range}&channel=whatsapp`, { token: t.token }), 200);
    expect(s.firstResponseMs).toEqual({ p50: 4 * MIN, p90: 4 * MIN, count: 1 });
    expect(s.messages).toMatchObject({ agent: 1 });
  });
});
