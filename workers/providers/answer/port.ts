/**
 * The answer-generation port. Three adapters implement it: `offline.ts` (extractive, the embedded
 * default: no key, no network), `openai.ts` (any OpenAI-compatible API through the `openai` SDK) and
 * `workers-ai.ts` (the native AI binding). `providers/index.ts` is the only place that chooses.
 */

export type PromptTurn = { role: "visitor" | "ai" | "agent"; text: string };

/** One retrieved passage, numbered from 1 in the order given to the model; `[n]` cites it. */
export type Passage = {
  n: number;
  sourceId: string;
  title: string;
  /** Link to the original when the source has one. */
  url: string | null;
  heading: string;
  text: string;
  /** Retrieval score of the passage, 0..1 relative to the best one. */
  score: number;
};

/** A question term and its IDF weight among the tenant's chunks (the extractive default uses them). */
export type WeightedTerm = {
  term: string;
  weight: number;
  /** Synonyms that count as the term when matching passages. */
  alts?: string[];
};

/** What the question asks for (domain/knowledge/question-type.ts decides; "other" when unsure). */
export type QuestionType = "price" | "number" | "duration" | "when" | "where" | "howto" | "problem" | "yesno" | "other";

export type GroundedPrompt = {
  question: string;
  history: PromptTurn[];
  passages: Passage[];
  botName: string;
  /** The tenant's instructions and personality for this bot (may be empty). */
  instructions: string;
  /** Language to answer in (BCP-47 primary tag), or null: the visitor's language. */
  language: string | null;
  answerLength: "short" | "medium" | "long";
  channel: "chat" | "voice";
  terms: WeightedTerm[];
  /** The kind of answer wanted; the extractive default picks the sentence that states it. */
  questionType?: QuestionType;
};

export interface AnswerModel {
  /** Adapter name for logs and timings ("offline", "openai:gpt-4o-mini", "workers-ai:@cf/…"). */
  readonly name: string;
  /** Streams answer text for a grounded prompt; stops promptly when `signal` aborts; throws on provider failure. */
  stream(prompt: GroundedPrompt, signal?: AbortSignal): AsyncIterable<string>;
}

/** Upper bound on answer length per setting, in sentences (extractive) and tokens (LLMs). */
export const ANSWER_LIMITS = {
  short: { sentences: 2, maxTokens: 160 },
  medium: { sentences: 4, maxTokens: 350 },
  long: { sentences: 7, maxTokens: 700 },
} as const;
