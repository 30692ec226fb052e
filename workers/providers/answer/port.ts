/**
 * The answer-generation port. Three adapters implement it: `offline.ts` (extractive, the embedded
 * default: no key, no network), `openai.ts` (any OpenAI-compatible API through the `openai` SDK) and
 * `workers-ai.ts` (the native AI binding). `providers/index.ts` is the only place that chooses.
 */

export type {
  AnswerModel,
  AnswerReport,
  GroundedPrompt,
  Passage,
  PromptTurn,
  QuestionType,
  WeightedTerm,
} from "../../contracts/providers";

/** Upper bound on answer length per setting, in sentences (extractive) and tokens (LLMs). */
export const ANSWER_LIMITS = {
  short: { sentences: 2, maxTokens: 160 },
  medium: { sentences: 4, maxTokens: 350 },
  long: { sentences: 7, maxTokens: 700 },
} as const;
