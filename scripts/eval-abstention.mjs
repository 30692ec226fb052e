// Abstention eval against the demo knowledge base (Nimbus Notes help centre):
// `npm run eval:abstention`. Starts a fresh local Echo from a frozen copy of the sources, seeds the
// demo workspace (which uploads seed/knowledge through the real ingest path), then asks the demo
// bot every off-topic question (must hand off) and every on-topic question (must answer from the
// expected article). Last line: JSON with the rates. `--origin <url>` reuses a running, seeded server.
import { mkdtempSync, readFileSync } from "node:fs";
import { client, parseArgs, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";
import { seedDemo } from "./seed.mjs";

const args = parseArgs(process.argv.slice(2));
const dir = new URL("../workers/domain/knowledge/eval/", import.meta.url);
const readJsonl = (u) =>
  readFileSync(u, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const offTopic = readJsonl(new URL("off-topic.jsonl", dir));
const onTopic = readJsonl(new URL("on-topic.jsonl", dir));

let server = null;
let origin = args.origin;
if (!origin) {
  const persistTo = mkdtempSync("/tmp/echo-knowledge-abstain-");
  process.chdir(await snapshotRepo());
  server = await startLocal({ port: Number(args.port ?? 8812), persistTo, quiet: true, seed: false });
  origin = server.origin;
}
try {
  const demo = await seedDemo(origin);
  const api = client(origin, demo.token);
  const sources = await api.allSources();
  const fileOf = new Map(sources.map((s) => [s.id, s.filename]));
  const ask = (q) => api.post(`/api/bots/${demo.botId}/ask`, { question: q.question });
  const off = await pool(offTopic, 4, ask);
  const on = await pool(onTopic, 4, ask);
  const verbose = args.verbose;
  off.forEach(
    (a, i) =>
      verbose &&
      console.error(
        `off ${a.handoff ? "handoff" : a.uncovered?.length ? "uncovered" : "ANSWERED"} ${a.confidence.toFixed(3)} ${offTopic[i].question}`,
      ),
  );
  on.forEach(
    (a, i) =>
      verbose &&
      console.error(
        `on  ${a.handoff ? "HANDOFF" : a.uncovered?.length ? "answer (uncovered)" : "answer "} ${a.confidence.toFixed(3)} ${fileOf.get(a.sources[0]?.sourceId) === onTopic[i].file ? "right" : "WRONG"} ${onTopic[i].question}`,
      ),
  );
  const lat = [...off, ...on].map((a) => a.timings.totalMs).sort((a, b) => a - b);
  console.log(
    JSON.stringify({
      offTopicAbstention: round(off.filter((a) => a.handoff).length / off.length),
      // handed off, or answered saying the help centre does not mention what was asked (`uncovered`)
      offTopicHonest: round(off.filter((a) => a.handoff || a.uncovered?.length).length / off.length),
      // on-topic answers that still opened with "I don't know about …" (the cost of that rule)
      onTopicUncovered: round(on.filter((a) => !a.handoff && a.uncovered?.length).length / on.length),
      onTopicAnswered: round(on.filter((a) => !a.handoff).length / on.length),
      onTopicRightSource: round(
        on.filter((a, i) => !a.handoff && fileOf.get(a.sources[0]?.sourceId) === onTopic[i].file).length / on.length,
      ),
      nOff: off.length,
      nOn: on.length,
      medianTotalMs: lat[Math.floor(lat.length / 2)],
    }),
  );
} finally {
  if (server && !args.keep) await server.stop();
}

function round(x) {
  return Math.round(x * 1000) / 1000;
}
