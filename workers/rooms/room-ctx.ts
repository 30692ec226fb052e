import type { AnswerCtx, StreamAnswer } from "../domain/knowledge/answer-types";
import { streamAnswer, streamEmbeddedAnswer } from "../domain/knowledge/answer";
import { MAX_TEXT } from "./protocol";
import type { Command } from "./room-core";
import { fanOut } from "./room-sockets";
import type { RoomMeta } from "./room-state";
import type { MessageRecord, RoomStore } from "./room-store";
import { AI_EVENT_TIMEOUT_MS, runChatTurn, type ChatTurnHost } from "./room-turn";

/** The context a room hands to domain code is built by the composition root (compose.ts). */
export { roomCtx } from "../compose";

let answererOverride: StreamAnswer | undefined;
let timeoutOverride: number | undefined;

/**
 * The answerer rooms use: the knowledge answerer (the embedded extractive one when billing said so,
 * room-core `aiAllowance`), unless a test installed a scripted one.
 */
export const roomAnswerer = (embedded = false): StreamAnswer =>
  answererOverride ?? (embedded ? streamEmbeddedAnswer : streamAnswer);

/**
 * Tests only: replaces the answerer for every room in this isolate (the Workers test pool runs
 * rooms in the test's isolate), to drive supersede, provider failure and slow streams
 * deterministically. Pass nothing to restore the real one.
 */
export function setRoomAnswererForTesting(fn?: StreamAnswer, opts: { eventTimeoutMs?: number } = {}) {
  answererOverride = fn;
  timeoutOverride = opts.eventTimeoutMs;
}

/** Silence (ms) after which a turn counts as a provider failure. */
export const roomTurnTimeout = () => timeoutOverride ?? AI_EVENT_TIMEOUT_MS;

/** What a room lends its chat turn: its store, sockets, running-turn slot and commands. */
/** The core's command that stores a turn's final answer. */
export type AnswerCommand = Extract<Command, { type: "answer" }>;

export type TurnDeps = {
  state: DurableObjectState;
  store: RoomStore;
  meta: RoomMeta;
  ctx(): AnswerCtx;
  current: ChatTurnHost["current"];
  /** Stores the final answer through the core (`answer` command). */
  answered(cmd: AnswerCommand): void;
  handoff(reason: string): Promise<unknown>;
  /** Billing said to answer with the embedded extractive answerer (room-core `aiAllowance`). */
  embedded: boolean;
};

/** Starts the AI turn that answers `trigger` (gated on its triage), in the visitor's language. */
export function startChatTurn(deps: TurnDeps, turnId: string, trigger: MessageRecord, triaged: Promise<unknown>) {
  // the triage's sentiment of the message answered sets the avatar's mood (room-core `moodOf`)
  let frustration: number | undefined;
  void triaged.then(
    (t) => {
      const f = (t as { frustration?: unknown } | undefined)?.frustration;
      if (typeof f === "number") frustration = f;
    },
    () => {},
  );
  const host: ChatTurnHost = {
    recent: (n) => deps.store.recentMessages(n),
    answer: (input, signal) => roomAnswerer(deps.embedded)(deps.ctx(), input, signal),
    broadcast: (frame) => fanOut(deps.state, frame),
    current: deps.current,
    store: (t, d) => {
      const text = (d.answer || t.text).slice(0, MAX_TEXT * 4);
      const failure = d.failure ? { failure: d.failure } : {};
      // the question is what went unanswered when the answerer abstained (analytics' knowledge gaps)
      const [abstained, act, question] = [d.abstained ?? false, d.act ? { act: d.act } : {}, trigger.text];
      const { confidence, sources } = d;
      deps.answered({
        type: "answer",
        turnId: t.id,
        text,
        sources,
        confidence,
        abstained,
        question,
        ...act,
        ...failure,
        ...(d.provider ? { provider: d.provider } : {}),
        ...(d.usage ? { usage: d.usage } : {}),
        ...(d.handoff ? { handoff: true } : {}),
        ...(frustration !== undefined ? { frustration } : {}),
      });
    },
    handoff: deps.handoff,
    log: (msg, fields) => deps.ctx().log.warn(msg, fields),
    // one structured line per answered turn: server time per turn for bench:chat and observability
    timed: (t) => deps.ctx().log.info("room: AI turn", { ...t, botId: deps.meta.botId }),
  };
  const language = deps.meta.visitor.locale ? { language: deps.meta.visitor.locale } : {};
  const { email, userId, verified } = deps.meta.visitor;
  const visitor = {
    visitor: { ...(email ? { email } : {}), ...(verified && userId ? { userId, verified } : {}) },
  };
  const input = { botId: deps.meta.botId, ...language, ...visitor, channel: "chat" as const };
  return runChatTurn(host, { turnId, trigger, triaged }, input, roomTurnTimeout());
}
