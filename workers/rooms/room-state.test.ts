import { describe, expect, it } from "vitest";
import { apply, initialState, takeToken, type RoomState } from "./room-state";
import { MAX_FRAME_BYTES, MAX_TEXT, parseClientFrame } from "./protocol";

const op = { userId: "usr_1", name: "Dana" };

describe("room-state apply", () => {
  it("moves to waiting once on ask_human/handoff, with a system message and one escalation", () => {
    const a = apply(initialState(), { type: "ask_human" }, 10);
    expect(a.state).toMatchObject({ mode: "human", status: "waiting", reason: "asked_for_human", changedAt: 10 });
    expect(a.out).toMatchObject({
      mode: { mode: "human", reason: "asked_for_human" },
      escalated: "asked_for_human",
      abortTurn: true,
      changed: true,
    });
    expect(a.out.system).toMatch(/person/);
    const again = apply(a.state, { type: "handoff", reason: "frustration" }, 20);
    expect(again.out.changed).toBe(false);
    expect(again.out.escalated).toBeUndefined();
  });

  it("takeover assigns, agent messages take over only when nobody holds it, release unassigns", () => {
    const t = apply(initialState(), { type: "takeover", operator: op }, 1);
    expect(t.state).toMatchObject({ mode: "human", status: "open", assignee: op });
    expect(t.out.hub.map((h) => h.type)).toEqual(["conversation.mode", "conversation.assigned"]);
    expect(apply(t.state, { type: "takeover", operator: op }, 2).out.changed).toBe(false);
    expect(apply(t.state, { type: "agent_message", operator: { userId: "usr_2", name: "Sam" } }, 2).out.changed).toBe(
      false,
    );
    const waiting = apply(initialState(), { type: "handoff", reason: "low_confidence" }, 1).state;
    expect(apply(waiting, { type: "agent_message", operator: op }, 2).state.assignee).toEqual(op);
    const r = apply(t.state, { type: "release" }, 3);
    expect(r.state).toMatchObject({ mode: "ai", status: "open", assignee: null });
    expect(r.out.hub).toContainEqual({ type: "conversation.assigned", assignee: null });
  });

  it("close is final for takeover and release; set_mode drives channels", () => {
    const c = apply(initialState(), { type: "close" }, 5);
    expect(c.state).toMatchObject({ mode: "closed", status: "closed", closedAt: 5 });
    expect(apply(c.state, { type: "takeover", operator: op }, 6).out.changed).toBe(false);
    expect(apply(c.state, { type: "release" }, 6).out.changed).toBe(false);
    expect(apply(initialState(), { type: "set_mode", mode: "human", reason: "transfer" }, 1).out.escalated).toBe(
      "transfer",
    );
    expect(apply(initialState(), { type: "set_mode", mode: "closed", reason: "hangup" }, 1).state.status).toBe(
      "closed",
    );
  });

  it("read receipts only move forward and do not count as activity", () => {
    const s: RoomState = { ...initialState(), visitorReadSeq: 5, changedAt: 1 };
    expect(apply(s, { type: "read", seq: 3 }, 9).out.changed).toBe(false);
    const r = apply(s, { type: "read", seq: 7 }, 9);
    expect(r.state).toMatchObject({ visitorReadSeq: 7, changedAt: 1 });
  });
});

describe("takeToken", () => {
  it("allows a burst of the capacity, then refills over time", () => {
    let b = undefined;
    let ok = 0;
    for (let i = 0; i < 25; i++) {
      const r = takeToken(b, 1000, 20, 1);
      b = r.bucket;
      if (r.ok) ok++;
    }
    expect(ok).toBe(20);
    expect(takeToken(b, 1500, 20, 1).ok).toBe(false);
    expect(takeToken(b, 2000, 20, 1).ok).toBe(true);
  });
});

describe("parseClientFrame", () => {
  it("refuses by kind with the right code", () => {
    const code = (raw: string, as: "visitor" | "operator" = "visitor") => {
      const r = as === "visitor" ? parseClientFrame(raw, "visitor") : parseClientFrame(raw, "operator");
      return r.ok ? "ok" : r.code;
    };
    expect(code("{")).toBe("INVALID_JSON");
    expect(code("[]")).toBe("UNKNOWN_TYPE");
    expect(code('{"type":"close"}')).toBe("FORBIDDEN");
    expect(code('{"type":"close"}', "operator")).toBe("ok");
    expect(code('{"type":"human"}', "operator")).toBe("UNKNOWN_TYPE");
    expect(code(JSON.stringify({ type: "msg", cid: "a", text: "é".repeat(MAX_TEXT) }))).toBe("ok");
    expect(code(JSON.stringify({ type: "msg", cid: "a", text: "x".repeat(MAX_TEXT + 1) }))).toBe("TEXT_TOO_LONG");
    // multi-byte text under the character limit but over the byte limit
    expect(
      code(JSON.stringify({ type: "msg", cid: "a", text: "😀".repeat(MAX_TEXT / 2) + "x".repeat(MAX_FRAME_BYTES) })),
    ).toBe("FRAME_TOO_LARGE");
    expect(code(JSON.stringify({ type: "hello", lastSeq: -1 }))).toBe("INVALID_FRAME");
    expect(code(JSON.stringify({ type: "msg", cid: "a", text: "", attachments: ["att_1"] }))).toBe("ok");
  });
});
