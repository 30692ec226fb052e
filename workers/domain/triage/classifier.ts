import { predictLinear, trainLinear, type LinearModel, type TrainOptions } from "./linear";
import { addTo, charNgrams, l2normalize, words, type SparseVec } from "./text";

/**
 * The embedded category classifier: TF-IDF over word unigrams, bigrams and in-word character
 * n-grams, then softmax regression, trained from a tenant's own example messages. The same code
 * labels live conversations and is measured by `npm run eval:triage` (intent accuracy, macro-F1).
 */
export type CategoryExample = { text: string; label: string };

export type CategoryModel = {
  labels: string[];
  idf: Map<string, number>;
  /** Unseen features get this idf (as if seen in one document). */
  defaultIdf: number;
  linear: LinearModel | null;
  /** Per-label centroids, used when there is a single label (softmax needs two). */
  centroids: Map<string, SparseVec>;
};

export type CategoryPrediction = { label: string; confidence: number; scores: Record<string, number> };

export const CLASSIFIER_TRAIN: TrainOptions = { epochs: 10, l2: 1e-5, learningRate: 0.5, seed: 7 };
/** At most this many examples are used (most recent first is the caller's choice); keeps training in tens of ms. */
export const MAX_TRAINING_EXAMPLES = 5000;

function rawFeatures(text: string): SparseVec {
  const ws = words(text);
  const v: SparseVec = new Map();
  for (const w of ws) addTo(v, `w:${w}`);
  for (let i = 0; i + 1 < ws.length; i++) addTo(v, `b:${ws[i]}_${ws[i + 1]}`);
  for (const g of charNgrams(ws, 2, 5)) addTo(v, `c:${g}`);
  return v;
}

function tfidf(raw: SparseVec, model: Pick<CategoryModel, "idf" | "defaultIdf">): SparseVec {
  const v: SparseVec = new Map();
  for (const [k, tf] of raw) {
    const idf = model.idf.get(k);
    // features never seen in training carry no weight in the linear model anyway
    if (idf !== undefined) v.set(k, (1 + Math.log(tf)) * idf);
  }
  return l2normalize(v);
}

/** Trains a model from labelled examples. Deterministic for the same examples in the same order. */
export function trainCategoryModel(examples: CategoryExample[], opts: TrainOptions = CLASSIFIER_TRAIN): CategoryModel {
  const used = examples.slice(0, MAX_TRAINING_EXAMPLES);
  const labels = [...new Set(used.map((e) => e.label))].sort();
  const raws = used.map((e) => rawFeatures(e.text));
  const df = new Map<string, number>();
  for (const r of raws) for (const k of r.keys()) df.set(k, (df.get(k) ?? 0) + 1);
  const n = raws.length;
  const idf = new Map<string, number>();
  for (const [k, d] of df) idf.set(k, Math.log((1 + n) / (1 + d)) + 1);
  const partial = { idf, defaultIdf: Math.log((1 + n) / 2) + 1 };
  const xs = raws.map((r) => tfidf(r, partial));
  const centroids = new Map<string, SparseVec>();
  xs.forEach((x, i) => {
    const c = centroids.get(used[i]!.label) ?? new Map();
    for (const [k, v] of x) addTo(c, k, v);
    centroids.set(used[i]!.label, c);
  });
  for (const c of centroids.values()) l2normalize(c);
  const ix = new Map(labels.map((l, i) => [l, i]));
  const linear =
    labels.length >= 2
      ? trainLinear(
          xs,
          used.map((e) => ix.get(e.label)!),
          labels.length,
          opts,
          1e-4,
        )
      : null;
  return { labels, ...partial, linear, centroids };
}

/** The most likely label with its probability; null when the model has no labels. */
export function classifyText(model: CategoryModel, text: string): CategoryPrediction | null {
  if (model.labels.length === 0) return null;
  const x = tfidf(rawFeatures(text), model);
  if (!model.linear) {
    const only = model.labels[0]!;
    let cos = 0;
    for (const [k, v] of x) cos += v * (model.centroids.get(only)?.get(k) ?? 0);
    return { label: only, confidence: cos, scores: { [only]: cos } };
  }
  const p = predictLinear(model.linear, x);
  let best = 0;
  for (let k = 1; k < p.length; k++) if (p[k]! > p[best]!) best = k;
  const scores: Record<string, number> = {};
  model.labels.forEach((l, k) => (scores[l] = p[k]!));
  return { label: model.labels[best]!, confidence: p[best]!, scores };
}
