// Trains the embedded frustration model from the shared dev set and commits its weights as
// workers/domain/triage/data/frustration-model.json. Feature set, regularisation and threshold are
// chosen by 5-fold cross-validation on dev (out-of-fold scores), and the CV figures are printed and
// stored beside the weights; the final model is then fitted on all of dev.
//   node scripts/train-frustration.mjs [--data ../shared/evals/frustration/dev.jsonl] [--quick]
import { build } from "esbuild";
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const arg = (name, dflt) => {
  const i = process.argv.indexOf(`--${name}`);
  return i > 0 ? process.argv[i + 1] : dflt;
};
const sharedEvals =
  [join(root, "../shared/evals"), join(root, "../../shared/evals")].find((d) => existsSync(d)) ??
  join(root, "../shared/evals");
const dataPath = arg("data", join(sharedEvals, "frustration/dev.jsonl"));
const outPath = join(root, "workers/domain/triage/data/frustration-model.json");

export async function loadTs(entry) {
  const dir = mkdtempSync(join(tmpdir(), "echo-triage-"));
  const outfile = join(dir, "bundle.mjs");
  await build({
    entryPoints: [join(root, entry)],
    bundle: true,
    format: "esm",
    platform: "node",
    outfile,
    logLevel: "error",
  });
  return import(outfile);
}

const T = await loadTs("workers/domain/triage/frustration-train.ts");
// only the input field and the label are read; ids and source_labels never reach the model
const rows = readFileSync(dataPath, "utf8")
  .split("\n")
  .filter(Boolean)
  .map((l) => {
    const o = JSON.parse(l);
    return { text: String(o.text), frustrated: o.frustrated === true };
  });
const gold = rows.map((r) => r.frustrated);

const base = {
  bigrams: true,
  charNgrams: null,
  negation: true,
  lexicon: true,
  lexiconScale: 1,
  sentiment: true,
  cues: true,
};
const candidates = [];
const quick = process.argv.includes("--quick");
// `nbAlpha` (0 = off) scales the n-gram features by their naive-Bayes log-count ratio (NBSVM). The
// AFINN-165 valence block and the conversation cues (issue 21) are always on: without them CV-F1 was
// 0.632 against 0.699 with them (2026-12-02). Character n-grams cost 3x the training time for no CV
// gain (0.699 with, 0.699 without; with the naive-Bayes ratio +0.003 over ten fold seeds) and are
// left out; a positive class weight of 1.5 was within noise of 1 and is left out too.
for (const nbAlpha of quick ? [1] : [0, 1])
  for (const lexiconScale of quick ? [2] : [1, 2])
    for (const l2 of quick ? [5e-2] : [3e-2, 5e-2, 1e-1])
      for (const epochs of quick ? [25] : [10, 25])
        candidates.push({
          features: { ...base, lexiconScale },
          train: { epochs, l2, learningRate: 0.3, seed: 7, positiveWeight: 1 },
          prune: 1e-3,
          nbAlpha,
        });

// Each candidate is judged on three differently seeded 5-fold splits pooled (3,600 out-of-fold
// scores, one threshold): one split's F1 moves by ±0.01 with the seed alone, which is larger than
// most differences between candidates. Seed 23 is kept out: it is the eval's split (eval:triage).
const SELECTION_SEEDS = [11, 12, 13];
const pooledGold = SELECTION_SEEDS.flatMap(() => gold);
const results = [];
for (const cfg of candidates) {
  const scores = SELECTION_SEEDS.flatMap((seed) => T.crossValidatedScores(rows, cfg, 5, seed));
  const m = T.bestThreshold(pooledGold, scores);
  console.log(
    JSON.stringify({
      nb: cfg.nbAlpha,
      lex: cfg.features.lexiconScale,
      l2: cfg.train.l2,
      epochs: cfg.train.epochs,
      ...fix(m),
    }),
  );
  results.push({ cfg, m, scores });
}
// Differences under ~0.005 pooled F1 are noise on 1,200 rows. Among the configurations that close to
// the best, take the most regularised one (largest L2, then fewest epochs): its weights are smoother,
// so support messages unlike the Reddit training comments (plain questions) score lower, while the CV
// figure stays within noise of the best.
const top = Math.max(...results.map((r) => r.m.f1));
const near = results.filter((r) => r.m.f1 >= top - 0.005);
near.sort((a, b) => b.cfg.train.l2 - a.cfg.train.l2 || a.cfg.train.epochs - b.cfg.train.epochs || b.m.f1 - a.m.f1);
const best = /** @type {(typeof near)[number]} */ (near[0]);
// the threshold was picked on the same out-of-fold scores it is reported with; re-check it on the
// eval's split (seed 23), which took no part in the choice, so the reported figure is not the one we optimised
const check = T.crossValidatedScores(rows, best.cfg, 5, 23);
const checked = T.prf(
  gold,
  check.map((s) => s >= best.m.threshold),
);
// Platt scaling on the selection splits' out-of-fold scores; the threshold moves with it (same decisions)
const calibration = T.plattScale(pooledGold, best.scores);
const logit = (/** @type {number} */ p) => Math.log(p / (1 - p));
const threshold =
  Math.round((1 / (1 + Math.exp(-(calibration.a * logit(best.m.threshold) + calibration.b)))) * 1000) / 1000;
const model = T.trainFrustration(rows, best.cfg, threshold);
const out = {
  ...model,
  calibration,
  trainedOn: { file: "shared/evals/frustration/dev.jsonl", rows: rows.length, positives: gold.filter(Boolean).length },
  training: best.cfg.train,
  ...(best.cfg.nbAlpha ? { nbAlpha: best.cfg.nbAlpha } : {}),
  cv: { folds: 5, selectionSeeds: SELECTION_SEEDS, selection: fix(best.m), heldOutSplitCheck: fix(checked) },
};
writeFileSync(outPath, JSON.stringify(out) + "\n");
console.log(`chosen: ${JSON.stringify(best.cfg)}`);
console.log(`features kept: ${Object.keys(model.weights).length}; wrote ${outPath}`);
console.log(
  JSON.stringify({
    cv_selection: fix(best.m),
    cv_recheck_other_folds: fix(checked),
    calibration,
    calibratedThreshold: threshold,
  }),
);

function fix(m) {
  return Object.fromEntries(Object.entries(m).map(([k, v]) => [k, typeof v === "number" ? +v.toFixed(3) : v]));
}
