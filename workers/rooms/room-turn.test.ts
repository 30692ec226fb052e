import { describe, expect, it } from "vitest";
import type { AnswerEvent } from "../domain/knowledge/answer-types";
import { runTurn, type Turn, type TurnHost, type TurnTiming } from "./room-turn";

/** A host that records what the turn did; the answerer is scripted. */
function hostOf(events: AnswerEvent[] | Error) {
  const seen = { timed: [] as TurnTiming[], stored: 0, handoffs: [] as string[], deltas: [] as string[] };
  const host: TurnHost = {
    async *answer() {
      if (events instanceof Error) throw events;
      yield* events;
    },
    ready: () => Promise.resolve(),
    sendDelta: (_id, text) => void seen.deltas.push(text),
    storeAnswer: () => void seen.stored++,
    handoff: async (reason) => void seen.handoffs.push(reason),
    log: () => {},
    timed: (t) => void seen.timed.push(t),
  };
  return { host, seen };
}
const turnOf = (): Turn => ({ id: "msg_t", controller: new AbortController(), text: "" });
const input = { botId: "bot_x", question: "how do I export?" };

describe("runTurn server-time hook", () => {
  it("reports the answerer's own timings once per answered turn, with cached and handoff", async () => {
    const { host, seen } = hostOf([
      { type: "delta", text: "Open Settings." },
      {
        type: "done",
        answer: "Open Settings.",
        sources: [],
        confidence: 0.8,
        handoff: false,
        cached: true,
        timings: { retrieveMs: 3, generateMs: 4, totalMs: 9 },
      },
    ]);
    await runTurn(host, turnOf(), input);
    expect(seen.stored).toBe(1);
    expect(seen.timed).toEqual([{ serverMs: 9, retrieveMs: 3, generateMs: 4, cached: true, handoff: false }]);
  });

  it("reports an abstention as handoff and not cached", async () => {
    const { host, seen } = hostOf([
      {
        type: "done",
        answer: "I don't know.",
        sources: [],
        confidence: 0.1,
        handoff: true,
        timings: { retrieveMs: 5, generateMs: 0, totalMs: 5 },
      },
    ]);
    await runTurn(host, turnOf(), input);
    expect(seen.timed).toEqual([{ serverMs: 5, retrieveMs: 5, generateMs: 0, cached: false, handoff: true }]);
    expect(seen.handoffs).toEqual(["low_confidence"]);
  });

  it("reports nothing for a turn whose provider failed (no answerer timings exist)", async () => {
    const { host, seen } = hostOf(new Error("provider down"));
    await runTurn(host, turnOf(), input);
    expect(seen.timed).toEqual([]);
    expect(seen.handoffs).toEqual(["provider_failed"]);
  });
});
