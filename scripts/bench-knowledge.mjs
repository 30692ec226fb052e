// Knowledge bench: `npm run bench:knowledge`. Starts a fresh local Echo (frozen copy of the sources,
// own port and persist dir), ingests synthetic help-centre documents through the public API and the
// real queue consumer until the workspace holds ~1,000 and then ~10,000 chunks, and at each size asks
// the bot questions through POST /api/bots/{id}/ask with the embedded (offline) defaults.
// Prints ingest throughput (MB/s of text, wall clock from first upload to last `ready`) and ask
// latency p50/p95 (client wall time, and the server's own timings.totalMs: all asks, grounded answers
// only, and retrieval alone).
//
// Options: --port 8813, --asks 200 (questions per size), --quick (100 and 1,000 chunks),
//          --snapshot <dir> to run a prepared copy of the sources instead of a fresh one.
import { mkdtempSync } from "node:fs";
import { makeWorkspace, mulberry32, parseArgs, percentile, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";

const args = parseArgs(process.argv.slice(2));
const ASKS = Number(args.asks ?? 200);
const SIZES = args.quick ? [100, 1000] : [1000, 10000];
const CHUNKS_PER_DOC = 100;

// deterministic pseudo-text: a seeded PRNG over a made-up vocabulary
const rand = mulberry32(42);
const pick = (arr) => arr[Math.floor(rand() * arr.length)];
const SYL = [
  "ka",
  "lo",
  "mi",
  "ra",
  "ne",
  "to",
  "su",
  "vi",
  "den",
  "mar",
  "pol",
  "quin",
  "tra",
  "zel",
  "bor",
  "fen",
  "gal",
  "hor",
  "jus",
  "ly",
];
const VOCAB = Array.from({ length: 3000 }, () =>
  Array.from({ length: 2 + Math.floor(rand() * 2) }, () => pick(SYL)).join(""),
);
const COMMON = [
  "the",
  "a",
  "to",
  "and",
  "of",
  "in",
  "your",
  "you",
  "can",
  "is",
  "for",
  "with",
  "on",
  "plan",
  "account",
  "settings",
  "notes",
];
const word = () => (rand() < 0.35 ? pick(COMMON) : pick(VOCAB));
const sentence = () => {
  const n = 8 + Math.floor(rand() * 12);
  const w = Array.from({ length: n }, word);
  w[0] = w[0][0].toUpperCase() + w[0].slice(1);
  return `${w.join(" ")}.`;
};
function makeDoc(i) {
  const sections = [];
  for (let s = 0; s < CHUNKS_PER_DOC; s++) {
    const paras = Array.from({ length: 2 }, () =>
      Array.from({ length: 3 + Math.floor(rand() * 3) }, sentence).join(" "),
    );
    sections.push(`## Topic ${i}.${s} ${pick(VOCAB)} ${pick(VOCAB)}\n\n${paras.join("\n\n")}`);
  }
  return {
    title: `Synthetic article ${i} ${pick(VOCAB)}`,
    text: `# Synthetic article ${i}\n\n${sections.join("\n\n")}`,
  };
}

const persistTo = mkdtempSync("/tmp/echo-knowledge-bench-");
process.chdir(args.snapshot ?? (await snapshotRepo()));
const server = await startLocal({ port: Number(args.port ?? 8813), persistTo, quiet: true, seed: false });
const results = [];
try {
  const { api, botId } = await makeWorkspace(server.origin);
  let docs = 0;
  let chunks = 0;
  for (const target of SIZES) {
    const batch = [];
    while ((docs + batch.length) * CHUNKS_PER_DOC < target) batch.push(makeDoc(docs + batch.length));
    const bytes = batch.reduce((a, d) => a + Buffer.byteLength(d.text), 0);
    const started = performance.now();
    await pool(batch, 4, (d) => api.post("/api/knowledge/sources", { type: "text", title: d.title, text: d.text }));
    const all = await api.waitSettled({ timeoutMs: 60 * 60_000 });
    const seconds = (performance.now() - started) / 1000;
    docs += batch.length;
    chunks = all.reduce((a, s) => a + s.chunkCount, 0);
    const failed = all.filter((s) => s.status === "failed").length;

    // questions: words from a random known sentence (answerable) and 20% made-up off-topic ones
    const questions = Array.from({ length: ASKS }, (_, i) =>
      i % 5 === 4
        ? `How do I ${pick(["bake bread", "fly a kite", "tune a violin", "paint a fence"])}?`
        : `How do I ${sentence().split(" ").slice(2, 7).join(" ").toLowerCase()}?`,
    );
    const wall = [];
    const server_ = [];
    const grounded = [];
    const retrieveMs = [];
    let handoffs = 0;
    for (const q of questions) {
      const t0 = performance.now();
      const a = await api.post(`/api/bots/${botId}/ask`, { question: q });
      wall.push(performance.now() - t0);
      server_.push(a.timings.totalMs);
      retrieveMs.push(a.timings.retrieveMs);
      if (a.handoff) handoffs++;
      else grounded.push(a.timings.totalMs);
    }
    wall.sort((a, b) => a - b);
    server_.sort((a, b) => a - b);
    grounded.sort((a, b) => a - b);
    retrieveMs.sort((a, b) => a - b);
    const row = {
      chunks,
      sources: all.length,
      failed,
      ingestMB: +(bytes / 1e6).toFixed(2),
      ingestSeconds: +seconds.toFixed(1),
      ingestMBps: +(bytes / 1e6 / seconds).toFixed(3),
      askP50ms: +percentile(wall, 50).toFixed(1),
      askP95ms: +percentile(wall, 95).toFixed(1),
      serverP50ms: percentile(server_, 50),
      serverP95ms: percentile(server_, 95),
      // server time per grounded (answered, not handed off) question, and retrieval alone
      groundedServerP50ms: percentile(grounded, 50),
      groundedServerP95ms: percentile(grounded, 95),
      retrieveP50ms: percentile(retrieveMs, 50),
      retrieveP95ms: percentile(retrieveMs, 95),
      asks: questions.length,
      handoffRate: +(handoffs / questions.length).toFixed(2),
    };
    results.push(row);
    console.error(JSON.stringify(row));
  }
} finally {
  await server.stop();
}
console.log("chunks  ingest MB/s  ask p50 ms  ask p95 ms  (server p50/p95 ms; grounded answers p50/p95 ms)");
for (const r of results)
  console.log(
    `${String(r.chunks).padStart(6)}  ${String(r.ingestMBps).padStart(11)}  ${String(r.askP50ms).padStart(10)}  ${String(r.askP95ms).padStart(10)}  (${r.serverP50ms}/${r.serverP95ms}; ${r.groundedServerP50ms}/${r.groundedServerP95ms})`,
  );
console.log(JSON.stringify({ results }));
