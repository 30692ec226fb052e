import type { AnswerDone, AnswerEvent, AnswerInput, AnswerSource } from "../domain/knowledge/answer-types";

/** What a finished turn hands back to the room: the answer, and for analytics whether it abstained and its dialogue act. */
export type StoredAnswer = Pick<AnswerDone, "answer" | "sources" | "confidence" | "failure" | "provider" | "usage"> & {
  /** Under the bot's confidence threshold (not a failure, not the visitor accepting an offer of a person). */
  abstained?: boolean;
  act?: string;
  /** The answer hands the conversation to a person by the visitor's choice (accepted offer). */
  handoff?: boolean;
};
/**
 * One AI turn: stream the answerer, forward `delta` frames, store the final `msg`. A running turn
 * is superseded by a newer visitor message (or stopped by a takeover or close) through its
 * AbortController; the room then stores what the visitor already saw, so every `delta` id still
 * ends in a `msg` with that id, and two answers never interleave.
 */

/** A turn that goes this long without an event from the answerer is treated as a provider failure. */
export const AI_EVENT_TIMEOUT_MS = 30_000;

export type Turn = {
  /** The id of the AI message being streamed (deltas and the final msg carry it). */
  id: string;
  controller: AbortController;
  /** Text forwarded so far. */
  text: string;
};

export type TurnHost = {
  answer(input: AnswerInput, signal: AbortSignal): AsyncIterable<AnswerEvent>;
  /**
   * Resolves when the visitor message has been triaged. The answer is generated meanwhile (so
   * first-token latency is the slower of the two, not their sum) but nothing reaches the visitor
   * before it: an escalating triage aborts the turn while it is still invisible.
   */
  ready(): Promise<void>;
  sendDelta(id: string, text: string): void;
  /** Stores and broadcasts the final AI message. */
  storeAnswer(turn: Turn, done: StoredAnswer): void;
  /** Moves the conversation to waiting for a person. */
  handoff(reason: "low_confidence" | "provider_failed" | "asked_for_human"): Promise<void>;
  log(msg: string, fields: Record<string, unknown>): void;
  /** Reports a finished turn's server time (the room logs it as `room: AI turn`; bench:chat reads it). */
  timed?(t: TurnTiming): void;
};

/**
 * Server time of one answered turn, from the answerer's own timings: `serverMs` is its total
 * (retrieval or cache look-up, then generation), without the triage gate or socket fan-out. Taken
 * with Date.now(), which in workerd advances on I/O, so it is D1 and provider time more than CPU.
 */
export type TurnTiming = {
  serverMs: number;
  retrieveMs: number;
  generateMs: number;
  cached: boolean;
  handoff: boolean;
};

class StreamTimeout extends Error {}

async function nextWithTimeout<T>(it: AsyncIterator<T>, ms: number): Promise<IteratorResult<T>> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new StreamTimeout(`no answer event in ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([it.next(), timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** Runs the turn to its end; returns quietly when it was aborted (someone else finished it). */
export async function runTurn(
  host: TurnHost,
  turn: Turn,
  input: AnswerInput,
  timeoutMs = AI_EVENT_TIMEOUT_MS,
): Promise<void> {
  const signal = turn.controller.signal;
  let done: AnswerDone | undefined;
  let failure: string | undefined;
  const it = host.answer(input, signal)[Symbol.asyncIterator]();
  let gated = false;
  try {
    for (;;) {
      const r = await nextWithTimeout(it, timeoutMs);
      if (!gated) {
        await host.ready();
        gated = true;
      }
      if (signal.aborted) return;
      if (r.done) break;
      if (r.value.type === "delta") {
        if (!r.value.text) continue;
        turn.text += r.value.text;
        host.sendDelta(turn.id, r.value.text);
      } else {
        done = r.value;
        break;
      }
    }
    if (!done) failure = "answer stream ended without done";
  } catch (err) {
    if (signal.aborted) return;
    failure = err instanceof Error ? err.message : String(err);
  }
  if (failure) {
    turn.controller.abort();
    void it.return?.()?.catch(() => {});
    host.log("room: AI turn failed", { error: failure });
    if (turn.text.trim()) host.storeAnswer(turn, { answer: turn.text, sources: [], confidence: 0, failure });
    return host.handoff("provider_failed");
  }
  const d = done!;
  host.storeAnswer(turn, {
    answer: d.answer || turn.text,
    sources: d.sources as AnswerSource[],
    confidence: d.confidence,
    failure: d.failure,
    abstained: d.handoff && !d.failure && !d.handoffReason,
    ...(d.handoff && !d.failure && d.handoffReason ? { handoff: true } : {}),
    ...(d.act ? { act: d.act } : {}),
    ...(d.provider ? { provider: d.provider } : {}),
    ...(d.usage ? { usage: d.usage } : {}),
  });
  const { totalMs: serverMs, retrieveMs, generateMs } = d.timings;
  host.timed?.({ serverMs, retrieveMs, generateMs, cached: d.cached === true, handoff: d.handoff });
  if (d.handoff) await host.handoff(d.failure ? "provider_failed" : (d.handoffReason ?? "low_confidence"));
}

/** Earlier turns handed to the answerer. */
const HISTORY_TURNS = 12;

/** What a chat turn needs from its room. */
export type ChatTurnHost = {
  recent(n: number): readonly { seq: number; role: string; text: string }[];
  answer: TurnHost["answer"];
  broadcast(frame: object): void;
  /** The room's running turn (one at a time; a newer one or a stop replaces it). */
  current: { get(): Turn | undefined; set(t: Turn | undefined): void };
  /** Stores the final answer through the room's rules (room-core `answer`). */
  store(turn: Turn, done: StoredAnswer): void;
  handoff(reason: string): Promise<unknown>;
  log(msg: string, fields: Record<string, unknown>): void;
  timed?: TurnHost["timed"];
};

/** Answers a visitor message in the chat: typing, streamed deltas, the final msg; gated on its triage. */
export async function runChatTurn(
  host: ChatTurnHost,
  input: { turnId: string; trigger: { seq: number; text: string }; triaged: Promise<unknown> },
  answer: Omit<AnswerInput, "question" | "history">,
  timeoutMs: number,
) {
  const turn: Turn = { id: input.turnId, controller: new AbortController(), text: "" };
  host.current.set(turn);
  host.broadcast({ type: "typing", role: "ai" });
  const history = host
    .recent(HISTORY_TURNS + 1)
    .filter((m) => m.seq < input.trigger.seq && m.role !== "system")
    .map((m) => ({ role: m.role as "visitor" | "ai" | "agent", text: m.text }));
  try {
    await runTurn(
      {
        answer: host.answer,
        ready: () => input.triaged.then(() => undefined),
        sendDelta: (id, text) => host.broadcast({ type: "delta", id, text }),
        storeAnswer: (t, d) => {
          if (host.current.get() === t) host.current.set(undefined);
          host.store(t, d);
        },
        handoff: async (reason) => void (await host.handoff(reason)),
        log: host.log,
        ...(host.timed ? { timed: host.timed } : {}),
      },
      turn,
      { ...answer, question: input.trigger.text, history },
      timeoutMs,
    );
  } finally {
    if (host.current.get() === turn) host.current.set(undefined);
  }
}
