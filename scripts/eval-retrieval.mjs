// Retrieval eval: `npm run eval:retrieval -- --kb <kb.jsonl> --questions <questions.jsonl>`.
// Starts a fresh local Echo (wrangler dev, own port and persist dir), ingests every KB line as a
// text source through the public API and the real queue consumer, asks every question through
// POST /api/knowledge/search, and scores the ranked KB documents (chunks mapped back to their
// document by the source's externalId, each document counted once). Last line: JSON metrics.
//
// Options: --port 8811, --persist <dir> (default a fresh /tmp/echo-knowledge-eval-*),
//          --origin <url> --key <sk_…> to reuse a running server and workspace (ingest skipped
//          when the workspace already has sources), --keep to leave the server running.
import { mkdtempSync, readFileSync } from "node:fs";
import { client, makeWorkspace, parseArgs, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";

const args = parseArgs(process.argv.slice(2));
if (!args.kb || !args.questions) {
  console.error("usage: npm run eval:retrieval -- --kb <kb.jsonl> --questions <questions.jsonl> [--port 8811]");
  process.exit(2);
}
const readJsonl = (p) =>
  readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const kb = readJsonl(args.kb);
const questions = readJsonl(args.questions);
const log = (...m) => console.error(...m);

let server = null;
let origin = args.origin;
if (!origin) {
  const persistTo = args.persist ?? mkdtempSync("/tmp/echo-knowledge-eval-");
  log(`starting a local server on port ${args.port ?? 8811} (persist ${persistTo})`);
  // a frozen copy of the sources: wrangler dev reloads (dropping queued messages) when files change
  process.chdir(await snapshotRepo());
  server = await startLocal({ port: Number(args.port ?? 8811), persistTo, quiet: !args.verbose, seed: false });
  origin = server.origin;
}

try {
  let api;
  let sources = [];
  if (args.key) {
    api = client(origin, args.key);
    sources = await api.allSources();
  } else {
    const ws = await makeWorkspace(origin);
    api = ws.api;
    if (args.keep) log(`workspace key: ${ws.key}`);
  }
  if (sources.length === 0) {
    const started = Date.now();
    let sent = 0;
    await pool(kb, 8, async (doc) => {
      await api.post("/api/knowledge/sources", { type: "text", title: doc.title, text: doc.text, externalId: doc.id });
      if (++sent % 100 === 0) log(`uploaded ${sent}/${kb.length}`);
    });
    sources = await api.waitSettled({ onProgress: (done, all) => log(`indexed ${done}/${all}`) });
    const failed = sources.filter((s) => s.status === "failed");
    log(
      `ingested ${sources.length} sources (${failed.length} failed) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
    );
  }

  const started = Date.now();
  const ranks = await pool(questions, 8, async (q) => {
    const res = await api.post("/api/knowledge/search", { query: q.question, limit: 10 });
    const docs = [];
    for (const hit of res.data) if (hit.externalId && !docs.includes(hit.externalId)) docs.push(hit.externalId);
    const gold = new Set(q.gold_ids);
    const rank = docs.findIndex((d) => gold.has(d));
    return rank < 0 ? null : rank + 1;
  });
  const n = questions.length;
  const r1 = ranks.filter((r) => r !== null && r <= 1).length / n;
  const r5 = ranks.filter((r) => r !== null && r <= 5).length / n;
  const mrr = ranks.reduce((a, r) => a + (r !== null && r <= 10 ? 1 / r : 0), 0) / n;
  log(`asked ${n} questions in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  if (args.keep) log(`kept running at ${origin}`);
  console.log(JSON.stringify({ "recall@1": round(r1), "recall@5": round(r5), "mrr@10": round(mrr), n }));
} finally {
  if (server && !args.keep) await server.stop();
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}
