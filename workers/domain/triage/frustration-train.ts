import { frustrationFeatures, type FrustrationFeatureConfig } from "./frustration-features";
import { trainLinear, type TrainOptions } from "./linear";
import { seededRandom, shuffled, type SparseVec } from "./text";
import type { FrustrationModelData } from "./frustration";

/**
 * Training and cross-validation of the frustration model. Runs in Node (scripts/train-frustration.mjs,
 * scripts/eval-triage.mjs); the Worker only loads the committed weights.
 */
export type LabelledText = { text: string; frustrated: boolean };
/**
 * `nbAlpha`: when set, the word, negated-word and bigram features are scaled by their naive-Bayes
 * log-count ratio before the logistic regression (NBSVM, Wang & Manning 2012), with `nbAlpha` as the
 * smoothing count. The ratio is folded into the stored weights (`w · r`), so scoring is unchanged.
 */
export type FrustrationTrainConfig = {
  features: FrustrationFeatureConfig;
  train: TrainOptions;
  prune: number;
  nbAlpha?: number;
};
export type Prf = { precision: number; recall: number; f1: number };

/** The n-gram features the naive-Bayes ratio applies to (not the lexicon, valence or cue blocks). */
const isGram = (k: string) => k.startsWith("w:") || k.startsWith("n:") || k.startsWith("b:");

/**
 * Naive-Bayes log-count ratios `log((p_f + α)/‖p + α‖₁) − log((q_f + α)/‖q + α‖₁)` of the n-gram
 * features, from binarised counts in the frustrated (p) and other (q) rows.
 */
export function nbRatios(xs: SparseVec[], ys: boolean[], alpha: number): Map<string, number> {
  const pos = new Map<string, number>();
  const neg = new Map<string, number>();
  xs.forEach((x, i) => {
    const into = ys[i] ? pos : neg;
    for (const k of x.keys()) if (isGram(k)) into.set(k, (into.get(k) ?? 0) + 1);
  });
  const keys = new Set([...pos.keys(), ...neg.keys()]);
  let sumPos = alpha * keys.size;
  let sumNeg = alpha * keys.size;
  for (const c of pos.values()) sumPos += c;
  for (const c of neg.values()) sumNeg += c;
  const r = new Map<string, number>();
  for (const k of keys)
    r.set(k, Math.log(((pos.get(k) ?? 0) + alpha) / sumPos) - Math.log(((neg.get(k) ?? 0) + alpha) / sumNeg));
  return r;
}

function nbScaled(x: SparseVec, r: Map<string, number>): SparseVec {
  const out: SparseVec = new Map();
  for (const [k, v] of x) out.set(k, isGram(k) ? v * (r.get(k) ?? 0) : v);
  return out;
}

export function trainFrustration(
  rows: LabelledText[],
  cfg: FrustrationTrainConfig,
  threshold: number,
): FrustrationModelData {
  const raw = rows.map((r) => frustrationFeatures(r.text, cfg.features));
  const ratios = cfg.nbAlpha
    ? nbRatios(
        raw,
        rows.map((r) => r.frustrated),
        cfg.nbAlpha,
      )
    : null;
  const xs = ratios ? raw.map((x) => nbScaled(x, ratios)) : raw;
  const m = trainLinear(
    xs,
    rows.map((r) => (r.frustrated ? 1 : 0)),
    1,
    cfg.train,
    0,
  );
  const weights: Record<string, number> = {};
  for (const [k, w] of [...m.weights.entries()].sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    // the ratio is folded into the weight, so the Worker scores the raw features with no ratio table
    const folded = ratios && isGram(k) ? w[0]! * (ratios.get(k) ?? 0) : w[0]!;
    if (Math.abs(folded) > cfg.prune) weights[k] = round(folded);
  }
  return { version: 1, features: cfg.features, bias: round(m.bias[0]!), threshold, weights };
}

const round = (x: number) => Math.round(x * 1e5) / 1e5;

export function prf(gold: boolean[], pred: boolean[]): Prf {
  let tp = 0;
  let fp = 0;
  let fn = 0;
  gold.forEach((g, i) => {
    if (pred[i] && g) tp++;
    else if (pred[i]) fp++;
    else if (g) fn++;
  });
  const precision = tp + fp ? tp / (tp + fp) : 0;
  const recall = tp + fn ? tp / (tp + fn) : 0;
  return { precision, recall, f1: precision + recall ? (2 * precision * recall) / (precision + recall) : 0 };
}

/** Stratified k-fold assignment: fold index per row, deterministic for a seed. */
export function stratifiedFolds(labels: string[], k: number, seed: number): number[] {
  const rand = seededRandom(seed);
  const folds = new Array<number>(labels.length).fill(0);
  const byLabel = new Map<string, number[]>();
  labels.forEach((l, i) => byLabel.set(l, [...(byLabel.get(l) ?? []), i]));
  let offset = 0;
  for (const key of [...byLabel.keys()].sort()) {
    shuffled(byLabel.get(key)!, rand).forEach((row, j) => (folds[row] = (j + offset) % k));
    offset += byLabel.get(key)!.length;
  }
  return folds;
}

/**
 * Out-of-fold scores: each row is scored by a model trained on the other folds. The threshold and
 * feature choices are then judged on these scores, never on scores of rows the model saw.
 */
export function crossValidatedScores(rows: LabelledText[], cfg: FrustrationTrainConfig, k = 5, seed = 11): number[] {
  const folds = stratifiedFolds(
    rows.map((r) => String(r.frustrated)),
    k,
    seed,
  );
  const scores = new Array<number>(rows.length).fill(0);
  for (let f = 0; f < k; f++) {
    const train = rows.filter((_, i) => folds[i] !== f);
    const model = trainFrustration(train, cfg, 0.5);
    rows.forEach((r, i) => {
      if (folds[i] === f) scores[i] = scoreWith(model, r.text);
    });
  }
  return scores;
}

/** Threshold that maximises F1 over `scores` (ties: the higher threshold, for precision). */
export function bestThreshold(gold: boolean[], scores: number[]): { threshold: number } & Prf {
  let best = {
    threshold: 0.5,
    ...prf(
      gold,
      scores.map((s) => s >= 0.5),
    ),
  };
  for (let t = 0.1; t <= 0.8001; t += 0.01) {
    const m = prf(
      gold,
      scores.map((s) => s >= t),
    );
    if (m.f1 > best.f1 + 1e-9) best = { threshold: Math.round(t * 100) / 100, ...m };
  }
  return best;
}

function scoreWith(model: FrustrationModelData, text: string): number {
  const x = frustrationFeatures(text, model.features);
  let z = model.bias;
  for (const [k, v] of x) z += (model.weights[k] ?? 0) * v;
  return 1 / (1 + Math.exp(-z));
}

/**
 * Platt scaling: `a`, `b` minimising the log loss of `sigmoid(a * logit(p) + b)` against `gold`, by
 * Newton's method with a small ridge on `a - 1` and `b` (keeps the fit finite on separable data).
 * Fitted on out-of-fold scores only, so it corrects how sure the model is on text it has not seen.
 */
export function plattScale(gold: boolean[], scores: number[], ridge = 1e-3): { a: number; b: number } {
  const zs = scores.map((p) => {
    const q = Math.min(1 - 1e-9, Math.max(1e-9, p));
    return Math.log(q / (1 - q));
  });
  let a = 1;
  let b = 0;
  for (let it = 0; it < 50; it++) {
    let ga = ridge * (a - 1);
    let gb = ridge * b;
    let haa = ridge;
    let hab = 0;
    let hbb = ridge;
    zs.forEach((z, i) => {
      const p = 1 / (1 + Math.exp(-(a * z + b)));
      const r = p - (gold[i] ? 1 : 0);
      const w = p * (1 - p);
      ga += r * z;
      gb += r;
      haa += w * z * z;
      hab += w * z;
      hbb += w;
    });
    const det = haa * hbb - hab * hab;
    if (!(det > 1e-12)) break;
    const da = (hbb * ga - hab * gb) / det;
    const db = (haa * gb - hab * ga) / det;
    a -= da;
    b -= db;
    if (Math.abs(da) + Math.abs(db) < 1e-10) break;
  }
  return { a: round(a), b: round(b) };
}
