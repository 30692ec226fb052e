import type OpenAI from "openai";
import { z } from "zod";
import type { CategoryChooser, FrustrationClassifier } from "../../contracts/providers";
import { openAiClient, type OpenAiSettings } from "../openai-client";

/**
 * Triage classifiers over an OpenAI-compatible chat model (chat.completions, JSON answer,
 * validated). They throw on any failure; the triage code falls back to its embedded model.
 */

/** A classifier call is on the visitor's path: short, and never retried. */
const CLASSIFIER_TIMEOUT_MS = 5_000;

const FrustrationAnswer = z.object({ frustration: z.number().min(0).max(1) });
const FRUSTRATION_PROMPT =
  "Rate how frustrated, angry, annoyed or disappointed the customer message is, from 0 (calm) to 1 (furious). " +
  'Answer with JSON only: {"frustration": <number>}.';

const CategoryAnswer = z.object({ category: z.string().nullable() });

function jsonOf(raw: string): unknown {
  return JSON.parse(raw.slice(raw.indexOf("{"), raw.lastIndexOf("}") + 1));
}

export function openAiFrustrationModel(s: OpenAiSettings, client: OpenAI = openAiClient(s)): FrustrationClassifier {
  return {
    name: `openai:${s.model}`,
    async score(text, signal) {
      const r = await client.chat.completions.create(
        {
          model: s.model,
          temperature: 0,
          max_tokens: 20,
          messages: [
            { role: "system", content: FRUSTRATION_PROMPT },
            { role: "user", content: text.slice(0, 2000) },
          ],
        },
        { signal, maxRetries: 0, timeout: s.timeoutMs ?? CLASSIFIER_TIMEOUT_MS },
      );
      return FrustrationAnswer.parse(jsonOf(r.choices[0]?.message?.content ?? "")).frustration;
    },
  };
}

export function openAiCategoryModel(s: OpenAiSettings, client: OpenAI = openAiClient(s)): CategoryChooser {
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
        { signal, maxRetries: 0, timeout: s.timeoutMs ?? CLASSIFIER_TIMEOUT_MS },
      );
      const name = CategoryAnswer.parse(jsonOf(r.choices[0]?.message?.content ?? "")).category;
      return categories.find((c) => c.name === name)?.id ?? null;
    },
  };
}
