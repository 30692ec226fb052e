import { z } from "zod";
import committed from "./data/frustration-model.json";
import { frustrationFeatures, type FrustrationFeatureConfig } from "./frustration-features";

/**
 * The embedded frustration model: logistic regression over word, bigram, character,
 * lexicon/rule, AFINN-165 valence and conversation-cue features, trained by scripts/train-frustration.mjs from the shared dev set. Its
 * weights are committed in data/frustration-model.json; scoring is pure and needs no network.
 */
export type FrustrationModelData = {
  version: 1;
  features: FrustrationFeatureConfig;
  bias: number;
  /** Decision threshold chosen by cross-validation (max F1 on out-of-fold scores), on the calibrated scale. */
  threshold: number;
  weights: Record<string, number>;
  /**
   * Platt scaling fitted on out-of-fold scores: the score is `sigmoid(a * z + b)` for the linear
   * model's logit z, so a message at 0.7 is frustrated about 70 % of the time on the dev data (a
   * regularised model's raw scores are squeezed towards the middle). Absent: the raw sigmoid.
   */
  calibration?: { a: number; b: number };
};

const ModelSchema = z.object({
  version: z.literal(1),
  features: z.object({
    bigrams: z.boolean(),
    charNgrams: z.tuple([z.number().int(), z.number().int()]).nullable(),
    negation: z.boolean(),
    lexicon: z.boolean(),
    lexiconScale: z.number(),
    sentiment: z.boolean().optional(),
    cues: z.boolean().optional(),
  }),
  bias: z.number(),
  threshold: z.number().min(0).max(1),
  weights: z.record(z.string(), z.number()),
  calibration: z.object({ a: z.number(), b: z.number() }).optional(),
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
  return calibrateLogit(zsum, model.calibration);
}

/** The probability for a raw logit `z` under a Platt calibration (none: the plain sigmoid). */
export function calibrateLogit(z: number, calibration?: { a: number; b: number }): number {
  const zc = calibration ? calibration.a * z + calibration.b : z;
  return 1 / (1 + Math.exp(-zc));
}

/** A raw (uncalibrated) probability mapped through the model's calibration. */
export function calibrateScore(p: number, calibration?: { a: number; b: number }): number {
  const q = Math.min(1 - 1e-12, Math.max(1e-12, p));
  return calibrateLogit(Math.log(q / (1 - q)), calibration);
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
