import { describe, expect, it } from "vitest";
import type { ClientFrame } from "./protocol";
import { decide, type Command, type CoreState, type Facts, type Sender } from "./room-core";
import type { AnalyticsEvent } from "./room-analytics";
import { initialState } from "./room-state";

/**
 * Table tests of the analytics events the core emits (issue 16): a scripted conversation is decided
 * step by step at fixed times, and each step lists exactly the events it must emit. Durations are
 * worked out by hand from the times in the table.
 */

const visitor: Sender = { kind: "visitor" };
const dana = { userId: "usr_1", name: "Dana" };
const agent: Sender = { kind: "operator", operator: dana, canWrite: true };
const frame = (from: Sender, f: ClientFrame): Command => ({ type: "frame", from, frame: f });

type Step = { at: number; command: Command; dup?: boolean; events: Partial<AnalyticsEvent>[] };

const MIN = 60_000;

const chat: Step[] = [
  { at: 0, command: { type: "open" }, events: [{ kind: "opened", key: "opened", valueMs: 0 }] },
  { at: 1000, command: frame(visitor, { type: "msg", cid: "v1", text: "Can I pay by wire?" }), events: [] },
  {
    at: 2000,
    command: {
      type: "answer",
      turnId: "t1",
      text: "I'm not sure.",
      sources: [],
      confidence: 0.1,
      abstained: true,
      question: "Can I pay by wire?",
    },
    events: [
      {
        kind: "ai_answered",
        key: "ai:t1",
        actor: "ai",
        data: { confidence: 0.1, abstained: true, question: "Can I pay by wire?" },
      },
    ],
  },
  {
    at: 2000,
    command: { type: "handoff", reason: "low_confidence" },
    events: [
      {
        kind: "handed_off",
        key: "handoff:1",
        data: { reason: "low_confidence", question: "Can I pay by wire?" },
      },
    ],
  },
  // a person takes over a minute after the hand-off
  {
    at: 2000 + MIN,
    command: frame(agent, { type: "takeover" }),
    events: [{ kind: "agent_joined", key: "joined:1", actorId: "usr_1", valueMs: MIN }],
  },
  // first reply 3 minutes after the hand-off; the visitor has waited since 1000
  {
    at: 2000 + 3 * MIN,
    command: frame(agent, { type: "msg", cid: "a1", text: "Yes, you can." }),
    events: [
      { kind: "agent_first_reply", key: "first_reply:0", valueMs: 3 * MIN, data: { from: "handoff" } },
      { kind: "agent_reply", valueMs: 2000 + 3 * MIN - 1000 },
    ],
  },
  // the same frame again (a resend) emits nothing
  {
    at: 2000 + 4 * MIN,
    command: frame(agent, { type: "msg", cid: "a1", text: "Yes, you can." }),
    dup: true,
    events: [],
  },
  { at: 10 * MIN, command: frame(visitor, { type: "msg", cid: "v2", text: "Which account?" }), events: [] },
  { at: 10 * MIN + 5000, command: frame(visitor, { type: "msg", cid: "v3", text: "Hello?" }), events: [] },
  // reply time runs from the first unanswered visitor message, not the latest
  {
    at: 11 * MIN,
    command: frame(agent, { type: "msg", cid: "a2", text: "IBAN on your invoice." }),
    events: [{ kind: "agent_reply", valueMs: MIN }],
  },
  {
    at: 12 * MIN,
    command: frame(agent, { type: "close" }),
    events: [
      {
        kind: "resolved",
        key: "resolved:0",
        actor: "agent",
        actorId: "usr_1",
        valueMs: 12 * MIN,
        data: { by: "agent", reason: "closed", replied: true },
      },
    ],
  },
  {
    at: 13 * MIN,
    command: frame(visitor, { type: "rate", score: 5 }),
    events: [{ kind: "rated", key: "rated:1", data: { score: 5 } }],
  },
  // reopened through the API an hour after the close: a new care cycle
  {
    at: 72 * MIN,
    command: { type: "set_mode", mode: "ai", reason: "reopened" },
    events: [{ kind: "reopened", key: "reopened:1", actor: "system", valueMs: 60 * MIN }],
  },
  // closing a cycle nobody replied in: resolution time from the reopen, by the system
  {
    at: 80 * MIN,
    command: { type: "set_mode", mode: "closed", reason: "inactive" },
    events: [
      {
        kind: "resolved",
        key: "resolved:1",
        actor: "system",
        valueMs: 8 * MIN,
        data: { by: "system", reason: "inactive", replied: false },
      },
    ],
  },
];

const call: Step[] = [
  { at: 0, command: { type: "open" }, events: [{ kind: "opened" }] },
  { at: 0, command: { type: "call", state: "ringing" }, events: [{ kind: "call_started", key: "call_started" }] },
  { at: 1000, command: { type: "call", state: "in_progress" }, events: [] },
  {
    at: 5000,
    command: { type: "append", role: "ai", text: "Hello, how can I help?" },
    events: [{ kind: "ai_answered" }],
  },
  {
    at: 91_000,
    command: {
      type: "call",
      state: "ended",
      data: { durationSec: 90, cost: 0.12, costCurrency: "USD", endedReason: "hangup" },
    },
    events: [
      {
        kind: "call_ended",
        key: "call_ended",
        valueMs: 90_000,
        data: { outcome: "hangup", cost: 0.12, currency: "USD" },
      },
    ],
  },
  // a later update of an ended call (a recording arrived) is no second end
  { at: 95_000, command: { type: "call", state: "ended", data: { recordingKey: "r" } }, events: [] },
];

function play(steps: Step[]) {
  let state: CoreState = { room: initialState(0), bucket: undefined };
  let lastSeq = 0;
  const stored = new Map<string, number>();
  return steps.map((s, i) => {
    const cid = s.command.type === "frame" && "cid" in s.command.frame ? s.command.frame.cid : undefined;
    const dupSeq = s.dup && cid ? stored.get(cid) : undefined;
    const facts: Facts = {
      now: s.at,
      lastSeq,
      ids: [`m${i}a`, `m${i}b`, `m${i}c`, `m${i}d`],
      ...(dupSeq !== undefined
        ? {
            dup: {
              seq: dupSeq,
              id: "x",
              cid: cid!,
              role: "agent",
              text: "",
              sources: null,
              attachments: null,
              author: dana,
              meta: null,
              createdAt: 0,
            },
          }
        : {}),
    };
    const d = decide(state, s.command, facts);
    state = d.state;
    for (const e of d.effects)
      if (e.type === "store_message") {
        lastSeq = e.message.seq;
        if (e.message.cid) stored.set(e.message.cid, e.message.seq);
      }
    return d.effects.flatMap((e) => (e.type === "event" ? [e.event] : []));
  });
}

describe("room analytics events", () => {
  for (const [name, steps] of [
    ["a chat: abstention, hand-off, a person, close, rating, reopen", chat],
    ["a call of 90 s", call],
  ] as const)
    it(name, () => {
      const emitted = play(steps);
      steps.forEach((s, i) => {
        const got = emitted[i]!;
        expect(got.length, `step ${i} ${JSON.stringify(got)}`).toBe(s.events.length);
        s.events.forEach((want, j) => expect(got[j], `step ${i}`).toMatchObject({ at: s.at, ...want }));
      });
    });

  it("every event key is unique within a conversation", () => {
    for (const steps of [chat, call]) {
      const keys = play(steps)
        .flat()
        .map((e) => e.key);
      expect(new Set(keys).size).toBe(keys.length);
    }
  });

  it("an AI answer's event names the model that answered and the tokens it billed (metered from it)", () => {
    const [, , answered] = play([
      { at: 0, command: { type: "open" }, events: [] },
      { at: 1, command: frame(visitor, { type: "msg", cid: "v1", text: "How much is Pro?" }), events: [] },
      {
        at: 2,
        command: {
          type: "answer",
          turnId: "t9",
          text: "Pro is $9.99.",
          sources: [],
          confidence: 0.9,
          provider: "gemini:gemini-local",
          usage: { inputTokens: 210, outputTokens: 9 },
        },
        events: [],
      },
    ]);
    expect(answered).toEqual([
      expect.objectContaining({
        kind: "ai_answered",
        key: "ai:t9",
        data: { confidence: 0.9, abstained: false, provider: "gemini:gemini-local", inputTokens: 210, outputTokens: 9 },
      }),
    ]);
  });

  it("a transferred call ends with the outcome transferred", () => {
    const events = play([
      { at: 0, command: { type: "call", state: "in_progress" }, events: [] },
      { at: 10, command: { type: "call", state: "transferred" }, events: [] },
      { at: 20, command: { type: "call", state: "ended", data: { durationSec: 20 } }, events: [] },
    ]).flat();
    expect(events.map((e) => e.kind)).toEqual(["call_started", "call_ended"]);
    expect(events[1]).toMatchObject({ valueMs: 20_000, data: { outcome: "transferred" } });
  });

  it("an agent who replies without a hand-off is measured from the conversation's start", () => {
    const events = play([
      { at: 0, command: { type: "open" }, events: [] },
      { at: 500, command: frame(visitor, { type: "msg", cid: "v", text: "hi" }), events: [] },
      { at: 4000, command: frame(agent, { type: "msg", cid: "a", text: "hello" }), events: [] },
    ]).flat();
    expect(events.map((e) => [e.kind, e.valueMs])).toEqual([
      ["opened", 0],
      ["agent_first_reply", 4000],
      ["agent_reply", 3500],
    ]);
  });
});
