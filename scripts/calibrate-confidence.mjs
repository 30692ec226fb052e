// Fits the answer-confidence model (workers/domain/knowledge/calibrate.ts) on the dev data:
// `node scripts/calibrate-confidence.mjs [--port 8833] [--answers ../shared/evals/answers/dev.jsonl]`.
// Starts a fresh local Echo with the demo help centre, sets the demo bot's threshold to 0 so it
// always answers, and asks every dev question: the on-topic set (right = the answer's first source
// is the expected article), the off-topic set (any answer is wrong), and the single-turn `answer`
// (right = every fact regex matches the answer) and `abstain` (wrong) cases of the answer dev file.
// For each it reads the retrieval's confidence features (`POST /api/knowledge/search`), then fits a
// logistic regression (L2, Newton) and prints the coefficients, a 5-fold cross-validated
// reliability table (is an answer at confidence c right c of the time?) and the expected
// calibration error, before (the current model in calibrate.ts) and after.
import { mkdtempSync, readFileSync } from "node:fs";
import { client, parseArgs, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";
import { seedDemo } from "./seed.mjs";

const args = parseArgs(process.argv.slice(2));
const readJsonl = (u) =>
  readFileSync(u, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const evalDir = new URL("../workers/domain/knowledge/eval/", import.meta.url);
const onTopic = readJsonl(new URL("on-topic.jsonl", evalDir));
const offTopic = readJsonl(new URL("off-topic.jsonl", evalDir));
const answerCases = args.answers
  ? readJsonl(new URL(args.answers, `file://${process.cwd()}/`)).filter(
      (c) => c.turns.length === 1 && (c.expect === "answer" || c.expect === "abstain"),
    )
  : [];

const persistTo = mkdtempSync("/tmp/echo-calibrate-");
const port = Number(args.port ?? 8833 + Number(process.env.ECHO_PORT_OFFSET ?? 0));
const cwd = process.cwd();
process.chdir(await snapshotRepo("/tmp/echo-calibrate-snap-"));
const server = await startLocal({ port, persistTo, quiet: true, seed: false });
process.chdir(cwd);
try {
  const demo = await seedDemo(server.origin);
  const api = client(server.origin, demo.token);
  await api.request("PATCH", `/api/bots/${demo.botId}`, { settings: { confidenceThreshold: 0 } });
  const fileOf = new Map((await api.allSources()).map((s) => [s.id, s.filename]));
  const items = [
    ...onTopic.map((q) => ({ q: q.question, right: (a) => fileOf.get(a.sources[0]?.sourceId) === q.file })),
    ...offTopic.map((q) => ({ q: q.question, right: () => false })),
    ...answerCases.map((c) => ({
      q: c.turns[0],
      right: (a) => c.expect === "answer" && c.facts.every((f) => new RegExp(f, "i").test(a.answer)),
    })),
  ];
  const rows = await pool(items, 3, async (it) => {
    const s = await api.post("/api/knowledge/search", { query: it.q, botId: demo.botId, limit: 3 });
    const a = await api.post(`/api/bots/${demo.botId}/ask`, { question: it.q });
    return { q: it.q, f: s.features, old: s.confidence, y: it.right(a) && !a.act ? 1 : 0 };
  });
  // unknown / missing are measured too; with them the fit calibrates better but abstains worse at 0.35
  const withAll = Boolean(args.all);
  const X = rows.map((r) => [1, r.f.coverage, r.f.sentence, ...(withAll ? [r.f.unknown, r.f.missing] : [])]);
  const y = rows.map((r) => r.y);
  const fit = (idx) =>
    logistic(
      idx.map((i) => X[i]),
      idx.map((i) => y[i]),
    );
  const w = fit(rows.map((_, i) => i));
  // 5-fold cross-validated probabilities
  const cv = new Array(rows.length);
  for (let k = 0; k < 5; k++) {
    const train = rows.map((_, i) => i).filter((i) => i % 5 !== k);
    const wk = fit(train);
    for (let i = k; i < rows.length; i += 5) cv[i] = sigmoid(dot(wk, X[i]));
  }
  if (args.verbose)
    rows.forEach((r, i) =>
      console.error(`${r.y} cv=${cv[i].toFixed(2)} old=${r.old.toFixed(2)} ${JSON.stringify(r.f)} ${r.q.slice(0, 70)}`),
    );
  console.log(`n=${rows.length}, right=${y.reduce((a, b) => a + b, 0)}`);
  console.log("current model (calibrate.ts):");
  report(
    rows.map((r) => r.old),
    y,
  );
  console.log("refit, 5-fold cross-validated:");
  report(cv, y);
  const model = { bias: w[0], coverage: w[1], sentence: w[2], unknown: w[3] ?? 0, missing: w[4] ?? 0 };
  console.log(
    `CONFIDENCE_MODEL = ${JSON.stringify(Object.fromEntries(Object.entries(model).map(([k, v]) => [k, Math.round(v * 100) / 100])))}`,
  );
} finally {
  if (!args.keep) await server.stop();
}

function report(p, y) {
  const bins = [0, 0.2, 0.35, 0.5, 0.7, 0.85, 1.0001];
  let ece = 0;
  for (let b = 0; b < bins.length - 1; b++) {
    const lo = /** @type {number} */ (bins[b]);
    const hi = /** @type {number} */ (bins[b + 1]);
    const idx = p.map((_, i) => i).filter((i) => p[i] >= lo && p[i] < hi);
    if (!idx.length) continue;
    const conf = idx.reduce((a, i) => a + p[i], 0) / idx.length;
    const acc = idx.reduce((a, i) => a + y[i], 0) / idx.length;
    ece += (idx.length / p.length) * Math.abs(conf - acc);
    console.log(
      `  [${lo.toFixed(2)}, ${Math.min(1, hi).toFixed(2)}): n=${String(idx.length).padStart(3)} mean confidence ${conf.toFixed(2)} right ${acc.toFixed(2)}`,
    );
  }
  const answered = p.map((_, i) => i).filter((i) => p[i] >= 0.35);
  console.log(
    `  ECE ${ece.toFixed(3)}; at threshold 0.35: answered ${answered.length}, of which right ${answered.filter((i) => y[i]).length}; right but withheld ${y.filter((v, i) => v && p[i] < 0.35).length}`,
  );
}

function sigmoid(z) {
  return 1 / (1 + Math.exp(-z));
}
function dot(a, b) {
  return a.reduce((s, v, i) => s + v * b[i], 0);
}

/** L2-regularised logistic regression by Newton's method (the bias is not penalised). */
function logistic(X, y, l2 = 0.5, iters = 30) {
  const d = X[0].length;
  let w = new Array(d).fill(0);
  for (let it = 0; it < iters; it++) {
    const g = new Array(d).fill(0);
    const H = Array.from({ length: d }, () => new Array(d).fill(0));
    X.forEach((x, n) => {
      const p = sigmoid(dot(w, x));
      for (let i = 0; i < d; i++) {
        g[i] += (p - y[n]) * x[i];
        const row = /** @type {(typeof H)[number]} */ (H[i]);
        for (let j = 0; j < d; j++) row[j] += p * (1 - p) * x[i] * x[j];
      }
    });
    for (let i = 1; i < d; i++) {
      g[i] += l2 * w[i];
      const row = /** @type {(typeof H)[number]} */ (H[i]);
      row[i] += l2;
    }
    const step = solve(H, g);
    w = w.map((v, i) => v - step[i]);
  }
  return w;
}

function solve(A, b) {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]]);
  for (let c = 0; c < n; c++) {
    let p = c;
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[p][c])) p = r;
    [M[c], M[p]] = [M[p], M[c]];
    for (let r = 0; r < n; r++) {
      if (r === c || !M[c][c]) continue;
      const f = M[r][c] / M[c][c];
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k];
    }
  }
  return M.map((row, i) => (row[i] ? row[n] / row[i] : 0));
}
