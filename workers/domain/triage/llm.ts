import OpenAI from "openai";
import { z } from "zod";
import type { OpenAiSettings } from "../../providers";
import { loadOpenAiSettings } from "../knowledge/provider-settings";
import type { AnswerCtx } from "../knowledge/answer-types";
import { scoreFrustration } from "./frustration";

/**
 * The frustration port. The embedded default is the committed linear model (no key, no network);
 * an OpenAI-compatible model is used only when the deployment's answer provider is "openai" AND the
 * tenant stored its own key (so `npm start` and every test use the embedded model).
 */
export interface FrustrationClassifier {
  readonly name: string;
  /** 0..1 frustration of one visitor message; stops promptly when `signal` aborts. */
  score(text: string, signal?: AbortSignal): Promise<number>;
}

export const offlineFrustration: FrustrationClassifier = {
  name: "embedded-linear",
  score: async (text) => scoreFrustration(text),
};

const LlmAnswer = z.object({ frustration: z.number().min(0).max(1) });
const PROMPT =
  "Rate how frustrated, angry, annoyed or disappointed the customer message is, from 0 (calm) to 1 (furious). " +
  'Answer with JSON only: {"frustration": <number>}.';

/** An OpenAI-compatible classifier (chat.completions, JSON answer, validated). Falls back to the embedded model on any failure. */
export function openAiFrustration(s: OpenAiSettings): FrustrationClassifier {
  const client = new OpenAI({
    apiKey: s.apiKey,
    baseURL: s.baseURL || undefined,
    fetch: s.fetch,
    maxRetries: 0,
    timeout: s.timeoutMs ?? 5_000,
  });
  return {
    name: `openai:${s.model}`,
    async score(text, signal) {
      try {
        const r = await client.chat.completions.create(
          {
            model: s.model,
            temperature: 0,
            max_tokens: 20,
            messages: [
              { role: "system", content: PROMPT },
              { role: "user", content: text.slice(0, 2000) },
            ],
          },
          { signal },
        );
        const raw = r.choices[0]?.message?.content ?? "";
        const json = raw.slice(raw.indexOf("{"), raw.lastIndexOf("}") + 1);
        return LlmAnswer.parse(JSON.parse(json)).frustration;
      } catch {
        return scoreFrustration(text);
      }
    },
  };
}

/** The one place that chooses the frustration classifier for a tenant. */
export async function frustrationClassifierFor(ctx: AnswerCtx): Promise<FrustrationClassifier> {
  if (ctx.config.answerProvider !== "openai") return offlineFrustration;
  const settings = await loadOpenAiSettings(ctx).catch(() => null);
  return settings ? openAiFrustration(settings) : offlineFrustration;
}

/** A category choice by an OpenAI-compatible model: one of `categories` by name, or null. */
export interface CategoryChooser {
  readonly name: string;
  choose(
    text: string,
    categories: { id: string; name: string; description: string; examples: string[] }[],
    signal?: AbortSignal,
  ): Promise<string | null>;
}

const CategoryAnswer = z.object({ category: z.string().nullable() });

export function openAiCategoryChooser(s: OpenAiSettings): CategoryChooser {
  const client = new OpenAI({
    apiKey: s.apiKey,
    baseURL: s.baseURL || undefined,
    fetch: s.fetch,
    maxRetries: 0,
    timeout: s.timeoutMs ?? 5_000,
  });
  return {
    name: `openai:${s.model}`,
    async choose(text, categories, signal) {
      const list = categories
        .map(
          (c) =>
            `- ${c.name}${c.description ? `: ${c.description}` : ""}${
              c.examples.length
                ? ` (e.g. ${c.examples
                    .slice(0, 3)
                    .map((e) => JSON.stringify(e))
                    .join(", ")})`
                : ""
            }`,
        )
        .join("\n");
      try {
        const r = await client.chat.completions.create(
          {
            model: s.model,
            temperature: 0,
            max_tokens: 40,
            messages: [
              {
                role: "system",
                content: `Classify the customer message into exactly one of these categories, or null if none fits.\n${list}\nAnswer with JSON only: {"category": "<name>" | null}.`,
              },
              { role: "user", content: text.slice(0, 2000) },
            ],
          },
          { signal },
        );
        const raw = r.choices[0]?.message?.content ?? "";
        const name = CategoryAnswer.parse(JSON.parse(raw.slice(raw.indexOf("{"), raw.lastIndexOf("}") + 1))).category;
        return categories.find((c) => c.name === name)?.id ?? null;
      } catch {
        return null;
      }
    },
  };
}

/** The LLM category chooser when configured (same rule as the frustration port), else null. */
export async function categoryChooserFor(ctx: AnswerCtx): Promise<CategoryChooser | null> {
  if (ctx.config.answerProvider !== "openai") return null;
  const settings = await loadOpenAiSettings(ctx).catch(() => null);
  return settings ? openAiCategoryChooser(settings) : null;
}
