import { z } from "zod";
import committed from "./data/frustration-model.json";
import { frustrationFeatures, type FrustrationFeatureConfig } from "./frustration-features";

/**
 * The embedded frustration model: logistic regression over word, bigram, character and
 * lexicon/rule features, trained by scripts/train-frustration.mjs from the shared dev set. Its
 * weights are committed in data/frustration-model.json; scoring is pure and needs no network.
 */
export type FrustrationModelData = {
  version: 1;
  features: FrustrationFeatureConfig;
  bias: number;
  /** Decision threshold chosen by cross-validation (max F1 on out-of-fold scores). */
  threshold: number;
  weights: Record<string, number>;
};

const ModelSchema = z.object({
  version: z.literal(1),
  features: z.object({
    bigrams: z.boolean(),
    charNgrams: z.tuple([z.number().int(), z.number().int()]).nullable(),
    negation: z.boolean(),
    lexicon: z.boolean(),
    lexiconScale: z.number(),
  }),
  bias: z.number(),
  threshold: z.number().min(0).max(1),
  weights: z.record(z.string(), z.number()),
});

let loaded: FrustrationModelData | undefined;

/** The committed model, parsed once per isolate (zod: JSON is a trust boundary even when it is ours). */
export function frustrationModel(): FrustrationModelData {
  loaded ??= ModelSchema.parse(committed) as FrustrationModelData;
  return loaded;
}

/** 0..1: the probability that `text` is frustrated, angry, annoyed or disappointed. */
export function scoreFrustration(text: string, model: FrustrationModelData = frustrationModel()): number {
  const x = frustrationFeatures(text, model.features);
  let zsum = model.bias;
  for (const [k, v] of x) zsum += (model.weights[k] ?? 0) * v;
  return 1 / (1 + Math.exp(-zsum));
}

/** Smoothing of the per-conversation trend: each new message counts this much. */
export const TREND_ALPHA = 0.5;

/**
 * Exponentially weighted moving average of the message scores, oldest first: a conversation that
 * keeps getting angrier climbs; one outburst followed by calm messages decays.
 */
export function frustrationTrend(scores: number[], alpha = TREND_ALPHA): number {
  let t: number | undefined;
  for (const s of scores) t = t === undefined ? s : alpha * s + (1 - alpha) * t;
  return t ?? 0;
}
