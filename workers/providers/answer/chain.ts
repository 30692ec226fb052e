import { anthropicAnswerModel } from "./anthropic";
import { fallbackAnswerModel } from "./fallback";
import { geminiAnswerModel } from "./gemini";
import { offlineAnswerModel } from "./offline";
import { openAiAnswerModel } from "./openai";
import type { AnswerModel } from "./port";

/** The providers a bot may name in its chain. */
export const ANSWER_PROVIDERS = ["anthropic", "gemini", "openai"] as const;
export type AnswerProviderName = (typeof ANSWER_PROVIDERS)[number];

/** One decrypted link of a bot's chain, ready to call (domain/bots/answer-providers.ts loads it). */
export type BotProviderSettings = {
  provider: AnswerProviderName;
  apiKey: string;
  model: string;
  /** The API origin: ANTHROPIC_API_BASE / GEMINI_API_BASE, or an OpenAI-compatible endpoint's baseURL. */
  baseURL?: string;
  /** The egress fetch (lib/egress.ts). */
  fetch?: typeof fetch;
};

export function providerAnswerModel(s: BotProviderSettings): AnswerModel {
  switch (s.provider) {
    case "anthropic":
      return anthropicAnswerModel(s);
    case "gemini":
      return geminiAnswerModel(s);
    case "openai":
      return openAiAnswerModel(s);
  }
}

/** A bot's chain: its models in order, then the embedded answerer, which needs no network. */
export function botAnswerChain(
  links: BotProviderSettings[],
  opts: Parameters<typeof fallbackAnswerModel>[1] = {},
  embedded: AnswerModel = offlineAnswerModel,
): AnswerModel {
  return fallbackAnswerModel([...links.map(providerAnswerModel), embedded], opts);
}
