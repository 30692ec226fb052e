import { seededRandom, shuffled, type SparseVec } from "./text";

/**
 * A small linear classifier over sparse features: softmax regression (K classes) or logistic
 * regression (K = 1, sigmoid), trained with AdaGrad SGD and L2, in a deterministic order (seeded),
 * so the same examples always give the same weights. Used by the frustration model (binary) and by
 * the tenant category classifier (multi-class).
 */
export type TrainOptions = {
  epochs: number;
  /** L2 penalty per update (applied to the features an example touches). */
  l2: number;
  learningRate: number;
  seed: number;
  /** Weight of positive examples in the binary case (class imbalance). Default 1. */
  positiveWeight?: number;
};

export const DEFAULT_TRAIN: TrainOptions = { epochs: 30, l2: 1e-4, learningRate: 0.5, seed: 7 };

/** Trained weights: `weights[feature][k]`; for the binary case K = 1. */
export type LinearModel = { classes: number; bias: number[]; weights: Map<string, number[]> };

type Indexed = { idx: Int32Array; val: Float64Array };

function indexAll(xs: SparseVec[]): { rows: Indexed[]; vocab: string[] } {
  const ids = new Map<string, number>();
  const vocab: string[] = [];
  const rows = xs.map((x) => {
    const idx = new Int32Array(x.size);
    const val = new Float64Array(x.size);
    let i = 0;
    for (const [k, v] of x) {
      let id = ids.get(k);
      if (id === undefined) {
        id = vocab.length;
        ids.set(k, id);
        vocab.push(k);
      }
      idx[i] = id;
      val[i++] = v;
    }
    return { idx, val };
  });
  return { rows, vocab };
}

/**
 * Trains on `xs` with integer labels `ys` in [0, K) (binary: 0/1 with `classes` = 1).
 * Weights whose magnitude is under `prune` are dropped from the returned model.
 */
export function trainLinear(
  xs: SparseVec[],
  ys: number[],
  classes: number,
  opts: TrainOptions = DEFAULT_TRAIN,
  prune = 0,
): LinearModel {
  const K = classes;
  const { rows, vocab } = indexAll(xs);
  const W = new Float64Array(vocab.length * K);
  const G = new Float64Array(vocab.length * K);
  const b = new Float64Array(K);
  const Gb = new Float64Array(K);
  const rand = seededRandom(opts.seed);
  const order = rows.map((_, i) => i);
  const p = new Float64Array(K);
  for (let epoch = 0; epoch < opts.epochs; epoch++) {
    for (const i of shuffled(order, rand)) {
      const { idx, val } = rows[i]!;
      const y = ys[i]!;
      scoreInto(p, W, b, idx, val, K);
      const weight = K === 1 && y === 1 ? (opts.positiveWeight ?? 1) : 1;
      for (let k = 0; k < K; k++) {
        const target = K === 1 ? y : y === k ? 1 : 0;
        const g = (p[k]! - target) * weight;
        Gb[k]! += g * g;
        b[k]! -= (opts.learningRate * g) / Math.sqrt(Gb[k]! + 1e-8);
        for (let j = 0; j < idx.length; j++) {
          const at = idx[j]! * K + k;
          const gw = g * val[j]! + opts.l2 * W[at]!;
          G[at]! += gw * gw;
          W[at]! -= (opts.learningRate * gw) / Math.sqrt(G[at]! + 1e-8);
        }
      }
    }
  }
  const weights = new Map<string, number[]>();
  for (let f = 0; f < vocab.length; f++) {
    const w = Array.from(W.subarray(f * K, f * K + K));
    if (w.some((v) => Math.abs(v) > prune)) weights.set(vocab[f]!, w);
  }
  return { classes: K, bias: Array.from(b), weights };
}

function scoreInto(p: Float64Array, W: Float64Array, b: Float64Array, idx: Int32Array, val: Float64Array, K: number) {
  for (let k = 0; k < K; k++) p[k] = b[k]!;
  for (let j = 0; j < idx.length; j++) {
    const base = idx[j]! * K;
    for (let k = 0; k < K; k++) p[k]! += W[base + k]! * val[j]!;
  }
  squash(p, K);
}

function squash(p: Float64Array | number[], K: number) {
  if (K === 1) {
    p[0] = 1 / (1 + Math.exp(-p[0]!));
    return;
  }
  let max = -Infinity;
  for (let k = 0; k < K; k++) max = Math.max(max, p[k]!);
  let sum = 0;
  for (let k = 0; k < K; k++) {
    p[k] = Math.exp(p[k]! - max);
    sum += p[k]!;
  }
  for (let k = 0; k < K; k++) p[k] = p[k]! / sum;
}

/** Class probabilities for one example (binary: `[P(positive)]`). */
export function predictLinear(model: LinearModel, x: SparseVec): number[] {
  const K = model.classes;
  const p = model.bias.slice();
  for (const [k, v] of x) {
    const w = model.weights.get(k);
    if (!w) continue;
    for (let c = 0; c < K; c++) p[c]! += w[c]! * v;
  }
  squash(p, K);
  return p;
}
