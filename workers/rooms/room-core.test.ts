import { describe, expect, it } from "vitest";
import type { ClientFrame } from "./protocol";
import {
  decide,
  factsNeeded,
  moodOf,
  type Command,
  type CoreState,
  type Effect,
  type Facts,
  type Sender,
} from "./room-core";
import { initialState, RATE_CAPACITY, type RoomState } from "./room-state";
import type { MessageRecord } from "./room-store";

/** Table tests of the room's rules: pure, no workerd, no storage. */

const visitor: Sender = { kind: "visitor" };
const dana = { userId: "usr_1", name: "Dana" };
const agent: Sender = { kind: "operator", operator: dana, canWrite: true };
const viewer: Sender = { kind: "operator", operator: dana, canWrite: false };
const demoted: Sender = { kind: "operator", operator: dana, canWrite: true, authority: "read_only" };
/** A custom role holding notes:write only (issue 18: each acting frame has its own permission). */
const noter: Sender = {
  kind: "operator",
  operator: dana,
  canWrite: true,
  acts: { reply: false, note: true, takeover: false },
};
const removed: Sender = { kind: "operator", operator: dana, canWrite: true, authority: "revoked" };
/** An operator whose access token expires at 1000 ms (facts.now defaults to 1000). */
const expired: Sender = { kind: "operator", operator: dana, canWrite: true, expiresAt: 1000 };

const facts = (f: Partial<Facts> = {}): Facts => ({ now: 1000, lastSeq: 0, ids: ["m1", "m2", "m3", "m4"], ...f });
const core = (room: Partial<RoomState> = {}): CoreState => ({
  room: { ...initialState(), ...room },
  bucket: undefined,
});
const frame = (from: Sender, f: ClientFrame): Command => ({ type: "frame", from, frame: f });
const types = (effects: Effect[]) => effects.map((e) => e.type);
const sent = (effects: Effect[], to?: string) =>
  effects.flatMap((e) => (e.type === "send" && (!to || e.to === to) ? [e.frame as Record<string, unknown>] : []));
const stored = (effects: Effect[]) => effects.flatMap((e) => (e.type === "store_message" ? [e.message] : []));
const rec = (m: Partial<MessageRecord>): MessageRecord => ({
  seq: 1,
  id: "old",
  cid: "c1",
  role: "visitor",
  text: "hi",
  sources: null,
  attachments: null,
  author: null,
  meta: null,
  createdAt: 1,
  ...m,
});

type Row = {
  name: string;
  state?: CoreState;
  command: Command;
  facts?: Partial<Facts>;
  effects: Effect["type"][];
  /** Error code sent back to the sender, if refused. */
  refused?: string;
  mode?: RoomState["mode"];
};

const visitorMsg = frame(visitor, { type: "msg", cid: "c1", text: "When are invoices sent?" });

const table: Row[] = [
  {
    name: "a visitor message is stored, echoed, published, triaged and answered (mode ai)",
    command: visitorMsg,
    effects: ["store_message", "send", "save", "publish", "triage", "start_turn"],
  },
  {
    name: "over quota (handoff choice): the message is stored, then a person is asked for with reason quota; no AI turn",
    command: visitorMsg,
    facts: { aiAllowance: "handoff" },
    effects: [
      "store_message",
      "send",
      "save",
      "publish",
      "triage",
      "save",
      "event",
      "store_message",
      "send",
      "save",
      "publish",
      "send",
      "send",
      "publish",
      "escalated",
    ],
    mode: "human",
  },
  {
    name: "over quota (embedded choice): the message is answered by the embedded answerer",
    command: visitorMsg,
    facts: { aiAllowance: "embedded" },
    effects: ["store_message", "send", "save", "publish", "triage", "start_turn"],
    mode: "ai",
  },
  {
    name: "over quota in human mode: stored and triaged, nothing else (a person already has it)",
    state: core({ mode: "human", status: "waiting" }),
    command: visitorMsg,
    facts: { aiAllowance: "handoff" },
    effects: ["store_message", "send", "save", "publish", "triage"],
    mode: "human",
  },
  {
    name: "a visitor message in human mode is triaged but not answered",
    state: core({ mode: "human", status: "waiting" }),
    command: visitorMsg,
    effects: ["store_message", "send", "save", "publish", "triage"],
  },
  {
    name: "a resend with the same cid is acknowledged again and stores nothing",
    command: visitorMsg,
    facts: { dup: rec({}), lastSeq: 1 },
    effects: ["send"],
  },
  {
    name: "a visitor message supersedes the running turn: its visible text is stored first",
    command: visitorMsg,
    facts: { turn: { id: "turn1", text: "Invoices are" } },
    effects: [
      "stop_turn",
      "store_message",
      "send",
      "save",
      "publish",
      "store_message",
      "send",
      "save",
      "publish",
      "triage",
      "start_turn",
    ],
  },
  {
    name: "an unknown attachment refuses the message",
    command: frame(visitor, { type: "msg", cid: "c1", text: "see", attachments: ["att_1"] }),
    facts: { attachments: [] },
    effects: ["send"],
    refused: "UNKNOWN_ATTACHMENT",
  },
  {
    name: "a closed conversation refuses visitor messages",
    state: core({ mode: "closed", status: "closed" }),
    command: visitorMsg,
    effects: ["send"],
    refused: "CONVERSATION_CLOSED",
  },
  {
    name: "asking for a person hands off once and opens the escalation",
    command: frame(visitor, { type: "human" }),
    effects: ["save", "event", "store_message", "send", "save", "publish", "send", "send", "publish", "escalated"],
    mode: "human",
  },
  {
    name: "a viewer may watch but not act",
    command: frame(viewer, { type: "msg", cid: "a1", text: "hello" }),
    effects: ["send"],
    refused: "FORBIDDEN",
  },
  {
    name: "a role with notes:write only may note",
    command: frame(noter, { type: "note", cid: "n1", text: "psst" }),
    effects: ["store_note", "save", "send"],
  },
  {
    name: "a role with notes:write only may not reply (replies:write)",
    command: frame(noter, { type: "msg", cid: "a1", text: "hello" }),
    effects: ["send"],
    refused: "FORBIDDEN",
  },
  {
    name: "a role with notes:write only may not take over, release or close (takeover:write)",
    command: frame(noter, { type: "takeover" }),
    effects: ["send"],
    refused: "FORBIDDEN",
  },
  {
    name: "a demoted operator's open socket is refused at once",
    command: frame(demoted, { type: "note", cid: "n1", text: "psst" }),
    effects: ["send"],
    refused: "FORBIDDEN",
  },
  {
    name: "a removed operator's frame is refused and the socket closed with 4001",
    command: frame(removed, { type: "close" }),
    effects: ["send", "close_sender"],
    refused: "FORBIDDEN",
  },
  {
    name: "an operator frame at or after its token's exp is refused and the socket closed with 4001",
    command: frame(expired, { type: "note", cid: "n1", text: "late" }),
    effects: ["send", "close_sender"],
    refused: "TOKEN_EXPIRED",
  },
  {
    name: "an operator frame before its token's exp is handled",
    command: frame(expired, { type: "note", cid: "n1", text: "in time" }),
    facts: { now: 999 },
    effects: ["store_note", "save", "send"],
  },
  {
    name: "an agent reply takes over, is stored and records the first response",
    command: frame(agent, { type: "msg", cid: "a1", text: "Hi, Dana here" }),
    effects: [
      "save",
      "store_message",
      "send",
      "save",
      "publish",
      "send",
      "send",
      "publish",
      "publish",
      "store_message",
      "send",
      "save",
      "publish",
      "event",
      "event",
      "agent_replied",
    ],
    mode: "human",
  },
  {
    name: "a note goes to operators only, even when closed",
    state: core({ mode: "closed", status: "closed" }),
    command: frame(agent, { type: "note", cid: "n1", text: "refund sent" }),
    effects: ["store_note", "save", "send"],
  },
  {
    name: "takeover of a closed conversation is refused",
    state: core({ mode: "closed", status: "closed" }),
    command: frame(agent, { type: "takeover" }),
    effects: ["send"],
    refused: "CONVERSATION_CLOSED",
  },
  {
    name: "close stops the running turn and tells everyone",
    command: frame(agent, { type: "close" }),
    facts: { turn: { id: "turn1", text: "" } },
    effects: [
      "save",
      "event",
      "stop_turn",
      "store_message",
      "send",
      "save",
      "publish",
      "send",
      "send",
      "publish",
      "closed",
    ],
    mode: "closed",
  },
  {
    name: "release of a conversation in ai mode changes nothing",
    command: frame(agent, { type: "release" }),
    effects: [],
  },
  { name: "hello replays", command: frame(visitor, { type: "hello", lastSeq: 3 }), effects: ["replay"] },
  { name: "typing goes to the others", command: frame(visitor, { type: "typing" }), effects: ["send"] },
  {
    name: "a rating is kept and shown to operators",
    command: frame(visitor, { type: "rate", score: 4 }),
    effects: ["save", "event", "send"],
  },
  {
    name: "a channel's visitor message is stored, acknowledged and triaged, not answered",
    command: { type: "append", role: "visitor", text: "I need to change my plan", cid: "utt-1" },
    effects: ["store_message", "send", "save", "publish", "ack", "triage"],
  },
  {
    name: "a channel's resend is acknowledged with the stored message",
    command: { type: "append", role: "visitor", text: "I need to change my plan", cid: "utt-1" },
    facts: { dup: rec({ cid: "utt-1" }), lastSeq: 1 },
    effects: ["ack"],
  },
  {
    name: "an email or WhatsApp visitor message with respond is answered like a chat message (mode ai)",
    command: { type: "append", role: "visitor", text: "How do I export?", cid: "email:1", respond: true },
    facts: { channel: "email" },
    effects: ["store_message", "send", "save", "publish", "ack", "triage", "start_turn"],
  },
  {
    name: "a responding channel message supersedes the running turn",
    command: { type: "append", role: "visitor", text: "And the price?", cid: "email:2", respond: true },
    facts: { channel: "email", turn: { id: "turn1", text: "Open File" } },
    effects: [
      "stop_turn",
      "store_message",
      "send",
      "save",
      "publish",
      "store_message",
      "send",
      "save",
      "publish",
      "ack",
      "triage",
      "start_turn",
    ],
  },
  {
    name: "a responding channel message in human mode is stored and triaged, not answered",
    state: core({ mode: "human", status: "waiting" }),
    command: { type: "append", role: "visitor", text: "Thanks", cid: "email:3", respond: true },
    facts: { channel: "email" },
    effects: ["store_message", "send", "save", "publish", "ack", "triage"],
  },
  {
    name: "an AI answer in an email conversation is delivered through the channel",
    command: { type: "answer", turnId: "t1", text: "Open File, then Export.", sources: [], confidence: 0.8 },
    facts: { channel: "email" },
    effects: ["store_message", "send", "deliver", "save", "publish", "event"],
  },
  {
    name: "an AI answer in a chat is not delivered anywhere else",
    command: { type: "answer", turnId: "t1", text: "Open File, then Export.", sources: [], confidence: 0.8 },
    facts: { channel: "chat" },
    effects: ["store_message", "send", "save", "publish", "event"],
  },
  {
    name: "an agent's message in an email conversation is delivered through the channel",
    state: core({ mode: "human", status: "open", assignee: dana }),
    command: frame(agent, { type: "msg", cid: "a1", text: "Hello" }),
    facts: { channel: "email" },
    effects: ["store_message", "send", "deliver", "save", "publish", "event", "event", "agent_replied"],
  },
  {
    name: "a message its adapter already sent (a WhatsApp template) is not delivered again",
    command: { type: "append", role: "agent", text: "template: order_update", meta: { delivered: true } },
    facts: { channel: "whatsapp" },
    // …and it is a person's reply in analytics: the cycle's first reply and a reply (issue 16)
    effects: ["store_message", "send", "save", "publish", "ack", "event", "event", "agent_replied"],
  },
  {
    name: "WhatsApp: an agent may write free-form inside the 24-hour window",
    state: core({ mode: "human", status: "open", assignee: dana }),
    command: frame(agent, { type: "msg", cid: "a1", text: "Hello" }),
    facts: { channel: "whatsapp", now: 24 * 3600_000, lastVisitorAt: 1 },
    effects: ["store_message", "send", "deliver", "save", "publish", "event", "event", "agent_replied"],
  },
  {
    name: "WhatsApp: outside the 24-hour window an agent's free-form message is refused, nothing stored",
    state: core({ mode: "human", status: "open", assignee: dana }),
    command: frame(agent, { type: "msg", cid: "a1", text: "Hello" }),
    facts: { channel: "whatsapp", now: 24 * 3600_000 + 1, lastVisitorAt: 1 },
    effects: ["send"],
    refused: "WINDOW_CLOSED",
  },
  {
    name: "WhatsApp: with no visitor message at all the window is closed",
    state: core({ mode: "human", status: "open", assignee: dana }),
    command: frame(agent, { type: "msg", cid: "a1", text: "Hello" }),
    facts: { channel: "whatsapp" },
    effects: ["send"],
    refused: "WINDOW_CLOSED",
  },
  {
    name: "call state is kept, published and shown to operators",
    command: { type: "call", state: "in_progress" },
    effects: ["save", "event", "publish", "send"],
  },
  {
    name: "an empty answer stores nothing",
    command: { type: "answer", turnId: "t1", text: "  ", sources: [], confidence: 0 },
    effects: [],
  },
  {
    name: "a hand-off while a person already holds it changes nothing",
    state: core({ mode: "human", status: "open", assignee: dana }),
    command: { type: "handoff", reason: "frustration" },
    effects: [],
  },
];

describe("room-core decide", () => {
  for (const row of table)
    it(row.name, () => {
      const d = decide(row.state ?? core(), row.command, facts(row.facts));
      expect(types(d.effects)).toEqual(row.effects);
      if (row.refused)
        expect(sent(d.effects, "sender")).toContainEqual(expect.objectContaining({ type: "error", code: row.refused }));
      if (row.mode) expect(d.state.room.mode).toBe(row.mode);
    });

  it("a template sent by a named person (append with author) takes the conversation and counts like a socket reply", () => {
    const f = facts({ channel: "whatsapp", now: 5000, lastVisitorAt: 4000 });
    const viaSocket = decide(core(), frame(agent, { type: "msg", cid: "a1", text: "Hello" }), f);
    const viaAdapter = decide(
      core(),
      { type: "append", role: "agent", text: "Hello", cid: "a1", meta: { delivered: true }, author: dana },
      f,
    );
    // the same effects in the same order, less the channel delivery (the adapter sent it) plus the adapter's ack
    const socketTypes = types(viaSocket.effects).filter((t) => t !== "deliver");
    expect(types(viaAdapter.effects).filter((t) => t !== "ack")).toEqual(socketTypes);
    expect(viaAdapter.state.room).toMatchObject({ mode: "human", assignee: dana });
    const events = (d: typeof viaSocket) =>
      d.effects.flatMap((e) => (e.type === "event" ? [{ ...e.event, key: e.event.key.replace(/m\d/, "") }] : []));
    expect(events(viaAdapter)).toEqual(events(viaSocket));
    expect(events(viaAdapter).map((e) => [e.kind, e.actorId])).toEqual([
      ["agent_first_reply", "usr_1"],
      ["agent_reply", "usr_1"],
    ]);
  });

  it("numbers new messages after lastSeq, gap-free, in the order they are stored", () => {
    const d = decide(core(), visitorMsg, facts({ lastSeq: 7, turn: { id: "turn1", text: "partial" } }));
    expect(stored(d.effects).map((m) => [m.seq, m.id, m.role])).toEqual([
      [8, "turn1", "ai"],
      [9, "m1", "visitor"],
    ]);
    expect(stored(d.effects)[0]!.meta).toEqual({ stopped: "superseded" });
    const start = d.effects.find((e) => e.type === "start_turn");
    expect(start).toMatchObject({ turnId: "m2", trigger: { seq: 9, cid: "c1" } });
  });

  it("echoes the stored message with its cid to everyone (the sender's acknowledgement)", () => {
    const d = decide(core(), visitorMsg, facts({ now: Date.UTC(2026, 0, 1) }));
    expect(sent(d.effects, "all")).toEqual([
      {
        type: "msg",
        seq: 1,
        id: "m1",
        cid: "c1",
        role: "visitor",
        text: "When are invoices sent?",
        at: "2026-01-01T00:00:00.000Z",
      },
    ]);
  });

  it("rate-limits a visitor after the bucket empties, and refills with time", () => {
    let s = core();
    for (let i = 0; i < RATE_CAPACITY; i++) {
      const d = decide(s, frame(visitor, { type: "msg", cid: `c${i}`, text: "x" }), facts({ now: 1000, lastSeq: i }));
      expect(types(d.effects)).toContain("store_message");
      s = d.state;
    }
    const limited = decide(s, frame(visitor, { type: "msg", cid: "over", text: "x" }), facts({ now: 1000 }));
    expect(sent(limited.effects, "sender")).toEqual([
      { type: "error", code: "RATE_LIMITED", message: "too many messages; wait a moment", cid: "over" },
    ]);
    const later = decide(limited.state, frame(visitor, { type: "msg", cid: "later", text: "x" }), facts({ now: 2500 }));
    expect(types(later.effects)).toContain("store_message");
  });

  it("marks the message's attachments used with it", () => {
    const att = { id: "att_1", name: "a.png", type: "image/png", size: 3 };
    const cmd = frame(visitor, { type: "msg", cid: "c1", text: "", attachments: ["att_1", "att_1"] });
    expect(factsNeeded(cmd).attachmentIds).toEqual(["att_1"]);
    const d = decide(core(), cmd, facts({ attachments: [att] }));
    expect(d.effects[0]).toMatchObject({
      type: "store_message",
      attachmentIds: ["att_1"],
      message: { attachments: [att] },
    });
  });

  it("a channel message carries the files its adapter stored (WhatsApp media); none is null", () => {
    const att = { id: "att_1", name: "photo.jpg", type: "image/jpeg", size: 3 };
    const withFile = decide(
      core(),
      { type: "append", role: "visitor", text: "[image]", cid: "wa:1", respond: true, attachments: [att] },
      facts({ channel: "whatsapp" }),
    );
    expect(stored(withFile.effects)[0]).toMatchObject({ text: "[image]", attachments: [att] });
    expect(sent(withFile.effects, "all")[0]).toMatchObject({ type: "msg", attachments: [att] });
    const none = decide(core(), { type: "append", role: "visitor", text: "hi", attachments: [] }, facts());
    expect(stored(none.effects)[0]!.attachments).toBeNull();
  });

  it("scopes cid dedupe by sender: a visitor's, an agent's and a note's keys differ", () => {
    expect(factsNeeded(visitorMsg).cidKey).toEqual({ key: "visitor:c1", kind: "msg" });
    expect(factsNeeded(frame(agent, { type: "msg", cid: "c1", text: "x" })).cidKey).toEqual({
      key: "agent:usr_1:c1",
      kind: "msg",
    });
    expect(factsNeeded(frame(agent, { type: "note", cid: "c1", text: "x" })).cidKey).toEqual({
      key: "note:usr_1:c1",
      kind: "note",
    });
    expect(factsNeeded({ type: "append", role: "visitor", text: "x" }).cidKey).toBeNull();
  });

  it("over quota the hand-off says why (reason quota) to the visitor, the operators and the hub", () => {
    const d = decide(core(), visitorMsg, facts({ aiAllowance: "handoff" }));
    expect(d.state.room).toMatchObject({ mode: "human", status: "waiting", reason: "quota" });
    expect(sent(d.effects, "visitor")).toEqual([{ type: "mode", mode: "human", reason: "quota" }]);
    expect(stored(d.effects).map((m) => [m.role, m.meta])).toEqual([
      ["visitor", null],
      ["system", { reason: "quota" }],
    ]);
    expect(d.effects).toContainEqual({ type: "escalated", reason: "quota" });
    expect(d.effects.some((e) => e.type === "start_turn")).toBe(false);
  });

  it("asks billing only for a visitor message, and marks an embedded turn", () => {
    expect(factsNeeded(visitorMsg).aiAllowance).toBe(true);
    expect(factsNeeded(frame(agent, { type: "msg", cid: "c1", text: "x" })).aiAllowance).toBe(false);
    expect(factsNeeded({ type: "append", role: "visitor", text: "x" }).aiAllowance).toBe(false);
    const ok = decide(core(), visitorMsg, facts({ aiAllowance: "ok" }));
    expect(ok.effects.find((e) => e.type === "start_turn")).not.toHaveProperty("embedded");
    const emb = decide(core(), visitorMsg, facts({ aiAllowance: "embedded" }));
    expect(emb.effects.find((e) => e.type === "start_turn")).toMatchObject({ embedded: true });
  });

  it("stores an answer under its turn id with confidence, and a read receipt never goes backwards", () => {
    const a = decide(core(), { type: "answer", turnId: "t1", text: "Monthly.", sources: [], confidence: 0.8 }, facts());
    expect(stored(a.effects)[0]).toMatchObject({ id: "t1", role: "ai", meta: { confidence: 0.8 } });
    const read = decide(core({ visitorReadSeq: 5 }), frame(visitor, { type: "read", seq: 9 }), facts({ lastSeq: 3 }));
    expect(read.state.room.visitorReadSeq).toBe(5);
    expect(sent(read.effects, "operator")).toEqual([{ type: "read", role: "visitor", seq: 5 }]);
  });

  it("closing hands the ticket to whoever handled it: the assignee, else the closer, else no one", () => {
    const closedBy = (d: { effects: Effect[] }) => d.effects.filter((e) => e.type === "closed");
    const lee = { userId: "usr_2", name: "Lee" };
    // Lee took it over, Dana closes: Lee handled it
    const taken = decide(
      core({ mode: "human", status: "open", assignee: lee }),
      frame(agent, { type: "close" }),
      facts(),
    );
    expect(closedBy(taken)).toEqual([{ type: "closed", by: "usr_2" }]);
    // nobody took it over: the closer handled it
    expect(closedBy(decide(core(), frame(agent, { type: "close" }), facts()))).toEqual([
      { type: "closed", by: "usr_1" },
    ]);
    // closed by the API or the idle timer, nobody assigned
    const api = decide(core(), { type: "set_mode", mode: "closed", reason: "idle" }, facts());
    expect(closedBy(api)).toEqual([{ type: "closed", by: null }]);
    // already closed: nothing more
    expect(closedBy(decide(api.state, { type: "set_mode", mode: "closed", reason: "idle" }, facts()))).toEqual([]);
  });
});

/** The avatar's moods (issue 19): which frames each AI turn sends, from the outcome and the triage. */
describe("room-core avatar moods", () => {
  const answer = (a: Partial<Extract<Command, { type: "answer" }>> = {}): Command => ({
    type: "answer",
    turnId: "t1",
    text: "Invoices are sent on the 1st. [1]",
    sources: [],
    confidence: 0.9,
    ...a,
  });
  const moods = (effects: Effect[]) => sent(effects, "visitor").flatMap((f) => (f.type === "mood" ? [f.mood] : []));

  const outcomes: { name: string; command: Command; mood: string }[] = [
    { name: "a confident grounded answer is happy", command: answer(), mood: "happy" },
    {
      name: "a grounded answer of middling confidence is neutral",
      command: answer({ confidence: 0.4 }),
      mood: "neutral",
    },
    {
      name: "a grounded answer to a frustrated visitor is concerned",
      command: answer({ frustration: 0.7 }),
      mood: "concerned",
    },
    {
      name: "an abstention to a calm visitor is concerned",
      command: answer({ abstained: true, confidence: 0.1 }),
      mood: "concerned",
    },
    {
      name: "an abstention to a frustrated visitor is apologetic",
      command: answer({ abstained: true, confidence: 0.1, frustration: 0.8 }),
      mood: "apologetic",
    },
    { name: "a provider failure is apologetic", command: answer({ failure: "timeout" }), mood: "apologetic" },
    {
      name: "an accepted offer of a person is handing-over",
      command: answer({ handoff: true, act: "accept_offer" }),
      mood: "handing-over",
    },
    { name: "a greeting is happy", command: answer({ act: "greeting", confidence: 1 }), mood: "happy" },
    { name: "a complaint act is neutral", command: answer({ act: "complaint", confidence: 1 }), mood: "neutral" },
  ];
  for (const row of outcomes)
    it(row.name, () => {
      const d = decide(core(), row.command, facts({ avatar: true }));
      expect(moods(d.effects)).toEqual([row.mood]);
      // the mood goes to the visitor only, after the answer's msg
      const i = d.effects.findIndex((e) => e.type === "send" && (e.frame as { type: string }).type === "mood");
      const msg = d.effects.findIndex((e) => e.type === "send" && (e.frame as { type: string }).type === "msg");
      expect(i).toBeGreaterThan(msg);
      expect((d.effects[i] as { to: string }).to).toBe("visitor");
    });

  it("sends no mood frame at all when the bot does not enable the avatar", () => {
    for (const row of outcomes) expect(moods(decide(core(), row.command, facts()).effects)).toEqual([]);
    expect(moods(decide(core(), visitorMsg, facts()).effects)).toEqual([]);
    expect(moods(decide(core(), { type: "handoff", reason: "frustrated" }, facts()).effects)).toEqual([]);
  });

  it("is thinking while a turn runs: the frame goes out just before the turn starts", () => {
    const d = decide(core(), visitorMsg, facts({ avatar: true }));
    expect(moods(d.effects)).toEqual(["thinking"]);
    const t = types(d.effects);
    expect(t.slice(-2)).toEqual(["send", "start_turn"]);
  });

  it("is not thinking when no turn starts (a person has the conversation, or the quota hands off)", () => {
    expect(moods(decide(core({ mode: "human" }), visitorMsg, facts({ avatar: true })).effects)).toEqual([]);
    expect(moods(decide(core(), visitorMsg, facts({ avatar: true, aiAllowance: "handoff" })).effects)).toEqual([
      "handing-over",
    ]);
  });

  it("hands over when triage or the visitor hands the conversation to a person, once", () => {
    const h = decide(core(), { type: "handoff", reason: "frustrated" }, facts({ avatar: true }));
    expect(moods(h.effects)).toEqual(["handing-over"]);
    // already waiting for a person: nothing changes, no second frame
    expect(moods(decide(h.state, { type: "handoff", reason: "frustrated" }, facts({ avatar: true })).effects)).toEqual(
      [],
    );
    expect(moods(decide(core(), frame(visitor, { type: "human" }), facts({ avatar: true })).effects)).toEqual([
      "handing-over",
    ]);
  });

  it("moodOf thresholds: frustration 0.5 and confidence 0.6 are the boundaries", () => {
    expect(moodOf({ confidence: 0.6 })).toBe("happy");
    expect(moodOf({ confidence: 0.59 })).toBe("neutral");
    expect(moodOf({ confidence: 0.9, frustration: 0.5 })).toBe("concerned");
    expect(moodOf({ confidence: 0.9, frustration: 0.49 })).toBe("happy");
    // a failure wins over everything else
    expect(moodOf({ confidence: 0, failure: "x", handoff: true, abstained: true })).toBe("apologetic");
  });
});
