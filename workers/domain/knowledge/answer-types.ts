import type { AnswerSource } from "../../contracts/protocol";
import type { BaseCtx } from "../ctx";

/**
 * The contract between the answerer (knowledge) and its callers: the chat room, `POST
 * /api/bots/:id/ask`, `/v1/chat/completions`, voice tool calls and agent drafts.
 */
export type { AnswerSource } from "../../contracts/protocol";

export type AnswerTurn = { role: "visitor" | "ai" | "agent"; text: string };

export type AnswerInput = {
  botId: string;
  question: string;
  /** Earlier turns of the conversation, oldest first (may be empty). */
  history?: AnswerTurn[];
  /** Visitor language hint (BCP-47), e.g. from the browser; the bot setting wins when not "auto". */
  language?: string;
  /** "chat" (default) or "voice": voice answers are shorter and carry no markdown. */
  channel?: "chat" | "voice";
  /** Who asks, as the widget told (commerce order look-ups trust only a verified `userId` that is an email). */
  visitor?: { email?: string | null; userId?: string | null; verified?: boolean };
};

export type AnswerTimings = { retrieveMs: number; generateMs: number; totalMs: number };

export type AnswerDone = {
  type: "done";
  /** The full final text (equal to the concatenated deltas). */
  answer: string;
  sources: AnswerSource[];
  /** 0..1: how well the retrieved passages support the answer. */
  confidence: number;
  /** True when the bot abstained (confidence under the bot's threshold) or the provider failed. */
  handoff: boolean;
  /** Set when the provider failed mid-answer; the answer ends cleanly with an offer of a person. */
  failure?: string;
  /** Why the hand-off, when it is not an abstention or a failure: the visitor accepted the bot's offer of a person. */
  handoffReason?: "asked_for_human";
  /** Set when the message was a dialogue act (greeting, thanks, "are you a bot?", …) answered without retrieval. */
  act?: string;
  /** Set when a tool answered instead of retrieval ("order": the commerce order look-up). */
  tool?: "order";
  /** Set when the answer came from the bot's answer cache (answer-cache.ts): same text, sources and confidence as when it was built. */
  cached?: true;
  /**
   * Words at the heart of the question that the knowledge never uses (retrieve.ts `uncoveredFocus`):
   * the answer opened by saying so and closed with an offer of a person. Such answers are not cached.
   */
  uncovered?: string[];
  timings: AnswerTimings;
  /** The model that generated the text ("offline", "anthropic:…", "gemini:…"); absent when no model ran. */
  provider?: string;
  /** Models of the bot's chain skipped before `provider` answered (error, timeout, empty). */
  skipped?: { model: string; error: string }[];
  /** Tokens the provider(s) billed for this answer, summed over the attempts; absent when none were reported. */
  usage?: AnswerUsage;
};

/** The tokens a provider reported for one answer, and the model (`anthropic:claude-…`) that billed them. */
export type AnswerUsage = { inputTokens: number; outputTokens: number; model?: string };

export type AnswerEvent = { type: "delta"; text: string } | AnswerDone;

/** What the answerer needs: storage and providers for one tenant, no actor. */
export type AnswerCtx = BaseCtx & { tenantId: string };

/** Implemented in ./answer.ts as `streamAnswer(ctx, input, signal?)`. It never throws for provider
 *  failures: it always ends with exactly one `done` event. It throws NotFound for an unknown bot. */
export type StreamAnswer = (ctx: AnswerCtx, input: AnswerInput, signal?: AbortSignal) => AsyncIterable<AnswerEvent>;
