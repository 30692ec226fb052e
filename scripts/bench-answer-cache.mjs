// Answer-cache bench: `npm run bench:cache`. Starts a fresh local Echo (frozen copy of the sources),
// ingests ../shared/evals/retrieval/kb.jsonl through the public API, then replays the distinct dev
// questions (dev.jsonl) with Zipf-distributed popularity (rank r asked with probability ∝ 1/r^s)
// through POST /api/bots/{id}/ask, and prints the cache hit rate, the server time of hits and
// misses (timings.totalMs), and the LLM tokens a provider would not have spent on the hits.
//
// Token estimate per hit (an assumption, printed): prompt = the 5 passages handed to the model at
// the workspace's mean chunk length + the question + ~600 characters of instructions, completion =
// the answer, both at 4 characters a token; priced at --in-price / --out-price dollars per million
// tokens (default 0.15 / 0.60, gpt-4o-mini list prices at the time of writing).
//
// Options: --kb, --questions (defaults: ../shared/evals/retrieval/*.jsonl), --asks 2000, --zipf 1.0,
//          --port 8814 (+ ECHO_PORT_OFFSET), --origin <url> --key <sk_…> to reuse an ingested workspace.
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { client, makeWorkspace, mulberry32, parseArgs, percentile, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";

const args = parseArgs(process.argv.slice(2));
const here = new URL("..", import.meta.url).pathname;
// the shared evals sit beside the checkout (../shared) or beside the worktrees' folder (../../shared)
const shared = [`${here}../shared`, `${here}../../shared`].find((d) => existsSync(`${d}/evals/retrieval`));
const kbPath = args.kb ?? `${shared}/evals/retrieval/kb.jsonl`;
const qPath = args.questions ?? `${shared}/evals/retrieval/dev.jsonl`;
const ASKS = Number(args.asks ?? 2000);
const S = Number(args.zipf ?? 1.0);
const IN_PRICE = Number(args["in-price"] ?? 0.15);
const OUT_PRICE = Number(args["out-price"] ?? 0.6);
const readJsonl = (p) =>
  readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const kb = readJsonl(kbPath);
const questions = [...new Set(readJsonl(qPath).map((q) => q.question))];
const log = (...m) => console.error(...m);

// deterministic PRNG and Zipf sampler over question ranks
const rand = mulberry32(7);
const weights = questions.map((_, r) => 1 / (r + 1) ** S);
const cum = [];
weights.reduce((a, w, i) => (cum[i] = a + w), 0);
const total = cum[cum.length - 1];
const sample = () => {
  const x = rand() * total;
  let lo = 0;
  let hi = cum.length - 1;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (cum[mid] < x) lo = mid + 1;
    else hi = mid;
  }
  return questions[lo];
};

let server = null;
let origin = args.origin;
if (!origin) {
  const port = Number(args.port ?? 8814 + Number(process.env.ECHO_PORT_OFFSET ?? 0));
  process.chdir(await snapshotRepo());
  server = await startLocal({ port, persistTo: mkdtempSync("/tmp/echo-cache-bench-"), quiet: true, seed: false });
  origin = server.origin;
}
try {
  let api;
  let botId;
  if (args.key) {
    api = client(origin, args.key);
    botId = (await api.get("/api/bots")).data[0].id;
  } else {
    const ws = await makeWorkspace(origin);
    api = ws.api;
    botId = ws.botId;
    log(`ingesting ${kb.length} documents`);
    await pool(kb, 8, (d) =>
      api.post("/api/knowledge/sources", { type: "text", title: d.title, text: d.text, externalId: d.id }),
    );
  }
  const sources = await api.waitSettled({});
  const chars = sources.reduce((a, s) => a + s.chars, 0);
  const chunks = sources.reduce((a, s) => a + s.chunkCount, 0);
  const meanChunk = chars / Math.max(1, chunks);

  const replay = Array.from({ length: ASKS }, sample);
  const hitMs = [];
  const missMs = [];
  let hits = 0;
  let grounded = 0;
  let savedIn = 0;
  let savedOut = 0;
  // one at a time: a hit must see the entry its miss wrote
  for (const q of replay) {
    const a = await api.post(`/api/bots/${botId}/ask`, { question: q });
    if (!a.handoff) grounded++;
    if (a.cached) {
      hits++;
      hitMs.push(a.timings.totalMs);
      savedIn += Math.round((5 * meanChunk + q.length + 600) / 4);
      savedOut += Math.round(a.answer.length / 4);
    } else missMs.push(a.timings.totalMs);
  }
  hitMs.sort((a, b) => a - b);
  missMs.sort((a, b) => a - b);
  const dollars = (savedIn * IN_PRICE + savedOut * OUT_PRICE) / 1e6;
  const out = {
    distinctQuestions: questions.length,
    asks: ASKS,
    zipfS: S,
    distinctAsked: new Set(replay).size,
    hitRate: +(hits / ASKS).toFixed(3),
    hitRateOfGrounded: +(hits / Math.max(1, grounded)).toFixed(3),
    groundedShare: +(grounded / ASKS).toFixed(3),
    serverMsHitP50: percentile(hitMs, 50),
    serverMsHitP95: percentile(hitMs, 95),
    serverMsMissP50: percentile(missMs, 50),
    serverMsMissP95: percentile(missMs, 95),
    tokensSaved: {
      prompt: savedIn,
      completion: savedOut,
      perHit: Math.round((savedIn + savedOut) / Math.max(1, hits)),
    },
    dollarsSaved: +dollars.toFixed(4),
    dollarsSavedPerMillionAsks: +((dollars / ASKS) * 1e6).toFixed(0),
    assumption: `5 passages x ${Math.round(meanChunk)} chars + question + 600 chars prompt, 4 chars/token, $${IN_PRICE}/$${OUT_PRICE} per M tokens in/out`,
  };
  console.log(JSON.stringify(out));
} finally {
  if (server) await server.stop();
}
