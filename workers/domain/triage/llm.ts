import type { CategoryChooser, FrustrationClassifier } from "../../contracts/providers";
import type { OpenAiSettings } from "../../providers";
import { openAiCategoryModel, openAiFrustrationModel } from "../../providers/classifiers/openai";
import type { AnswerCtx } from "../knowledge/answer-types";
import { scoreFrustration } from "./frustration";

/**
 * The frustration and category ports as triage uses them. The embedded default is the committed
 * linear model (no key, no network); an OpenAI-compatible model is used only when the deployment's
 * answer provider is "openai" AND the tenant stored its own key — `ctx.providers` decides that once
 * per tenant (providers/index.ts), so `npm start` and every test use the embedded model.
 */
export type { CategoryChooser, FrustrationClassifier };

export const offlineFrustration: FrustrationClassifier = {
  name: "embedded-linear",
  score: async (text) => scoreFrustration(text),
};

/** An LLM classifier that falls back to the embedded model on any failure (timeout, garbage, HTTP error). */
export function withEmbeddedFallback(llm: FrustrationClassifier): FrustrationClassifier {
  return {
    name: llm.name,
    score: (text, signal) => llm.score(text, signal).catch(() => scoreFrustration(text)),
  };
}

/** A chooser that answers null (rules only) on any failure. */
function nullOnFailure(llm: CategoryChooser): CategoryChooser {
  return { name: llm.name, choose: (text, cats, signal) => llm.choose(text, cats, signal).catch(() => null) };
}

/** An OpenAI-compatible frustration classifier with the embedded fallback. */
export const openAiFrustration = (s: OpenAiSettings) => withEmbeddedFallback(openAiFrustrationModel(s));

/** An OpenAI-compatible category chooser: one of `categories` by id, or null (also on failure). */
export const openAiCategoryChooser = (s: OpenAiSettings) => nullOnFailure(openAiCategoryModel(s));

/** The frustration classifier for the ctx's tenant. */
export async function frustrationClassifierFor(ctx: AnswerCtx): Promise<FrustrationClassifier> {
  const llm = await ctx.providers.frustration(ctx.tenantId).catch(() => null);
  return llm ? withEmbeddedFallback(llm) : offlineFrustration;
}

/** The LLM category chooser when configured (same rule as the frustration port), else null. */
export async function categoryChooserFor(ctx: AnswerCtx): Promise<CategoryChooser | null> {
  const llm = await ctx.providers.categoryChooser(ctx.tenantId).catch(() => null);
  return llm ? nullOnFailure(llm) : null;
}
