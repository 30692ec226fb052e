/**
 * Text features shared by the frustration model, the category classifier and the repeated-question
 * check. Pure and deterministic: training (scripts/train-frustration.mjs, the category trainer) and
 * inference use exactly these functions, so a model means the same thing everywhere.
 */

/** Inputs are bounded before featurizing; longer text adds cost, not signal. */
export const MAX_FEATURE_TEXT = 2000;

const NEGATORS = new Set([
  "not",
  "no",
  "never",
  "nothing",
  "nobody",
  "none",
  "neither",
  "nor",
  "cannot",
  "cant",
  "dont",
  "doesnt",
  "didnt",
  "isnt",
  "wasnt",
  "wont",
  "wouldnt",
  "shouldnt",
  "couldnt",
  "aint",
  "arent",
  "havent",
  "hasnt",
]);

/** Lower-cased word tokens; apostrophes dropped so "don't" and "dont" match. Keeps `!` and `?` as tokens. */
export function tokenize(text: string): string[] {
  const t = text.slice(0, MAX_FEATURE_TEXT).toLowerCase().replace(/[’'`]/g, "");
  return t.match(/[\p{L}\p{N}]+|[!?]/gu) ?? [];
}

/** Word tokens only (no punctuation), for similarity and classification. */
export function words(text: string): string[] {
  return tokenize(text).filter((w) => w !== "!" && w !== "?");
}

/** True for tokens that flip the polarity of what follows ("not", "never", "didn't"). */
export function isNegator(tok: string): boolean {
  return NEGATORS.has(tok) || tok.endsWith("nt");
}

/** Character n-grams of each word padded with spaces (like scikit-learn's char_wb analyzer). */
export function charNgrams(tokens: string[], min: number, max: number): string[] {
  const out: string[] = [];
  for (const w of tokens) {
    const p = ` ${w} `;
    for (let n = min; n <= max; n++) {
      if (p.length < n) continue;
      for (let i = 0; i + n <= p.length; i++) out.push(p.slice(i, i + n));
    }
  }
  return out;
}

export type SparseVec = Map<string, number>;

export function addTo(vec: SparseVec, key: string, value = 1): void {
  vec.set(key, (vec.get(key) ?? 0) + value);
}

/** Scales a vector to unit length in place (no-op for the zero vector). */
export function l2normalize(vec: SparseVec): SparseVec {
  let s = 0;
  for (const v of vec.values()) s += v * v;
  if (s > 0) {
    const k = 1 / Math.sqrt(s);
    for (const [key, v] of vec) vec.set(key, v * k);
  }
  return vec;
}

/** Cosine similarity of two texts over word uni+bigrams and char 3-grams: 1 for the same question re-asked. */
export function textSimilarity(a: string, b: string): number {
  const va = similarityVec(a);
  const vb = similarityVec(b);
  let dot = 0;
  for (const [k, v] of va) dot += v * (vb.get(k) ?? 0);
  return dot;
}

/**
 * Vectors of recent texts, remembered per isolate: every triage compares the new visitor message with
 * up to 30 earlier ones, so each text's vector would otherwise be rebuilt on every later message.
 * The vector is a pure function of the text and is only read, so a remembered one is the same.
 */
const SIMILARITY_VECS_MAX = 1024;
/** Longer texts are vectorised each time (bounds what the memo holds). */
const SIMILARITY_VEC_CHARS = 1000;
const similarityVecs = new Map<string, SparseVec>();

function similarityVec(text: string): SparseVec {
  if (text.length > SIMILARITY_VEC_CHARS) return buildSimilarityVec(text);
  const hit = similarityVecs.get(text);
  if (hit) return hit;
  const v = buildSimilarityVec(text);
  if (similarityVecs.size >= SIMILARITY_VECS_MAX) similarityVecs.delete(similarityVecs.keys().next().value!);
  similarityVecs.set(text, v);
  return v;
}

function buildSimilarityVec(text: string): SparseVec {
  const ws = words(text);
  const v: SparseVec = new Map();
  for (const w of ws) addTo(v, `w:${w}`);
  for (let i = 0; i + 1 < ws.length; i++) addTo(v, `b:${ws[i]}_${ws[i + 1]}`);
  for (const g of charNgrams(ws, 3, 3)) addTo(v, `c:${g}`, 0.5);
  return l2normalize(v);
}

/** A seeded PRNG (mulberry32, shared with the Node scripts): the same sequence for the same seed. */
export { mulberry32 as seededRandom } from "../../lib/prng.mjs";

export function shuffled<T>(items: readonly T[], rand: () => number): T[] {
  const a = items.slice();
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(rand() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}
