// `npm run bench:chat -- --conversations 200 --messages 20 [--origin http://127.0.0.1:8787 | --start --port 8820] [--concurrency 200]`
//
// Drives live conversations over real WebSockets (protocol v1, docs/protocol.md) against a running
// Echo: one widget session and socket per conversation, each visitor message waits for its
// acknowledgement and (in `ai` mode) for the AI answer before the next one. Prints messages per
// second, ack latency p50/p95/p99, AI first-token latency p50/p95, and then verifies every
// acknowledged message by replaying each conversation from seq 0 on a fresh socket: lost (acked
// but missing) and duplicated (stored more than once) must both be 0. Without --origin it uses
// http://127.0.0.1:8787 when that answers, else starts its own server (port 8820, fresh persist dir).
//
// `npm run bench:chat -- --realistic [--conversations 100 --questions 10 ...]`: the realistic mode
// (scripts/bench/realistic.mjs, options there) — the shared retrieval KB loaded through the public
// API, visitors asking the distinct dev questions, and a bare Durable Object echo room as the yardstick.
//
// `npm run bench:chat -- --idle [--sockets 10000 --storm 2000]`: connected idle visitors
// (scripts/bench/idle.mjs) — memory, every socket's ping, and a reconnect storm with replays.
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLocal, waitForHealth } from "./local-server.mjs";
import { seedDemo } from "./seed.mjs";
import { connect, fmt, pct, pool, sendAcked, verify } from "./bench/chat-client.mjs";

if (process.argv.includes("--idle")) {
  await import("./bench/idle.mjs");
  process.exit(process.exitCode ?? 0);
}
if (process.argv.includes("--realistic")) {
  await import("./bench/realistic.mjs");
  process.exit(process.exitCode ?? 0);
}

const { values: args } = parseArgs({
  options: {
    conversations: { type: "string", default: "200" },
    messages: { type: "string", default: "20" },
    origin: { type: "string" },
    concurrency: { type: "string" },
    port: { type: "string", default: "8820" },
    start: { type: "boolean", default: false },
    "no-knowledge": { type: "boolean", default: false },
    timeout: { type: "string", default: "30000" },
    ai: { type: "string", default: "on" },
  },
});
const CONVERSATIONS = Number(args.conversations);
const MESSAGES = Number(args.messages);
const CONCURRENCY = Number(args.concurrency ?? args.conversations);
const TIMEOUT = Number(args.timeout);

/** Questions the bench's knowledge answers, so AI turns stream real (offline-model) answers. */
const QA = [
  [
    "How do I reset my password?",
    "Open Settings, choose Security and click Reset password; a link arrives by email within a minute.",
  ],
  [
    "Can I export my notes to PDF?",
    "Yes. Open a note, click the share menu and pick Export as PDF. Whole notebooks export as a zip of PDFs.",
  ],
  [
    "How do I cancel my subscription?",
    "Go to Billing in Settings and click Cancel plan. Your notes stay available on the free plan.",
  ],
  [
    "Is there an offline mode?",
    "The desktop and mobile apps keep every note offline and sync changes when you reconnect.",
  ],
  [
    "How do I share a notebook with my team?",
    "Open the notebook, click Share, enter your teammates' emails and choose view or edit rights.",
  ],
  ["Where can I download invoices?", "Invoices are listed under Billing, Invoices; each one downloads as a PDF."],
  [
    "Does Nimbus Notes support two-factor authentication?",
    "Yes, turn on two-factor authentication under Settings, Security with any authenticator app.",
  ],
  [
    "How do I restore a deleted note?",
    "Deleted notes stay in Trash for 30 days; open Trash and click Restore on the note.",
  ],
  [
    "What file types can I attach to a note?",
    "You can attach images, PDFs, audio recordings and office documents up to 25 MB each.",
  ],
  [
    "How do I change the app language?",
    "Open Settings, General, Language and pick one of the twelve supported languages.",
  ],
];
const PHRASINGS = [(q) => q, (q) => `Quick question: ${q.charAt(0).toLowerCase()}${q.slice(1)}`];

async function resolveOrigin() {
  if (args.origin) return { origin: args.origin.replace(/\/$/, ""), stop: async () => {} };
  if (!args.start) {
    try {
      await waitForHealth("http://127.0.0.1:8787", 1500);
      return { origin: "http://127.0.0.1:8787", stop: async () => {} };
    } catch {}
  }
  const persistTo = mkdtempSync(join(tmpdir(), "echo-conv-bench-"));
  console.log(`no server at 127.0.0.1:8787; starting one on port ${args.port} (persist ${persistTo})`);
  const server = await startLocal({ port: Number(args.port), persistTo, quiet: true });
  return { origin: server.origin, stop: server.stop };
}

async function loadKnowledge(origin, demo) {
  const headers = { "content-type": "application/json", authorization: `Bearer ${demo.token}` };
  for (const [i, [question, answer]] of QA.entries()) {
    const r = await fetch(`${origin}/api/knowledge/sources`, {
      method: "POST",
      headers,
      body: JSON.stringify({ type: "qa", question, answer, externalId: `bench-chat-${i}` }),
    });
    if (!r.ok) return `knowledge not loaded (${r.status}); AI turns will mostly hand off`;
  }
  // ingestion runs on the queue: wait until the sources are searchable
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const r = await fetch(`${origin}/api/knowledge/sources?limit=100`, { headers });
    const body = r.ok ? await r.json() : { data: [] };
    const bench = (body.data ?? []).filter((s) => String(s.externalId ?? "").startsWith("bench-chat-"));
    if (bench.length >= QA.length && bench.every((s) => s.status === "ready")) return "knowledge loaded";
    await new Promise((r) => setTimeout(r, 250));
  }
  return "knowledge still ingesting after 30 s";
}

async function runConversation(origin, botKey, n, stats) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ botKey, visitor: { name: `Bench ${n}` } }),
  });
  if (!r.ok) throw new Error(`session ${r.status} ${await r.text()}`);
  const s = await r.json();
  const sock = await connect(s.wsUrl, TIMEOUT);
  const acked = [];
  const result = { conversationId: s.conversationId, wsUrl: s.wsUrl, acked };
  try {
    await talk(sock, n, stats, acked);
  } catch (err) {
    result.error = `conversation ${n}: ${err}`;
  }
  stats.reconnects += sock.reconnects;
  sock.close();
  return result;
}

async function talk(sock, n, stats, acked) {
  sock.send({ type: "hello", lastSeq: 0 });
  await sock.waitFor((f) => f.type === "ready").catch(() => sock.rejoin());
  if (args.ai === "off") {
    // a person is asked for first: the AI stays silent and the run measures the room alone
    sock.send({ type: "human" });
    await sock.waitFor((f) => f.type === "mode");
  }
  const modeNow = () => [...sock.frames].reverse().find((f) => f.type === "mode" || f.type === "ready")?.mode ?? "ai";
  for (let i = 0; i < MESSAGES; i++) {
    const [q] = /** @type {[string, ...unknown[]]} */ (QA[(n + i) % QA.length]);
    const text = `${/** @type {(q: string) => string} */ (PHRASINGS[Math.floor(i / QA.length) % PHRASINGS.length])(q)}${i >= 2 * QA.length ? ` (${i})` : ""}`;
    const cid = `b${n}-${i}`;
    const mode = modeNow();
    const { ack, from, t0: sent } = await sendAcked(sock, cid, text, stats);
    if (!ack) continue;
    const t0 = /** @type {number} */ (sent);
    if (ack.type === "error") {
      stats.refused[ack.code] = (stats.refused[ack.code] ?? 0) + 1;
      continue;
    }
    stats.ack.push(ack._t - t0);
    acked.push(cid);
    if (mode !== "ai") continue;
    try {
      // the turn ends with the AI msg, or with a mode change (hand-off, or a hand-off from the previous turn)
      await sock.waitFor((f) => (f.type === "msg" && f.role === "ai") || f.type === "mode", from);
      const first = sock.frames.slice(from).find((f) => f.type === "delta");
      if (first) stats.firstToken.push(first._t - t0);
      stats.aiTurns++;
    } catch {
      stats.aiTimeouts++;
    }
  }
  if (modeNow() !== "ai") stats.handedOff++;
}

/** The D1 copy (what GET /api/conversations reads) catches up with each room within seconds. */
async function verifyD1(origin, token, results) {
  const started = performance.now();
  let pending = results;
  while (pending.length && performance.now() - started < 20_000) {
    const still = [];
    for (const c of pending) {
      const r = await fetch(`${origin}/api/conversations/${c.conversationId}`, {
        headers: { authorization: `Bearer ${token}` },
      });
      const row = r.ok ? await r.json() : null;
      if (!row || row.messageCount !== c.lastSeq) still.push(c);
    }
    pending = still;
    if (pending.length) await new Promise((r) => setTimeout(r, 250));
  }
  return { complete: results.length - pending.length, ms: performance.now() - started };
}

const { origin, stop } = await resolveOrigin();
try {
  const demo = await seedDemo(origin);
  const knowledge = args["no-knowledge"] ? "knowledge skipped" : await loadKnowledge(origin, demo);
  console.log(
    `bench:chat against ${origin}: ${CONVERSATIONS} conversations x ${MESSAGES} messages, concurrency ${CONCURRENCY}, AI ${args.ai}; ${knowledge}`,
  );
  const stats = {
    ack: [],
    firstToken: [],
    aiTurns: 0,
    aiTimeouts: 0,
    timeouts: 0,
    reconnects: 0,
    refused: {},
    handedOff: 0,
    lost: 0,
    duplicated: 0,
    seqGaps: 0,
  };
  const started = performance.now();
  const progress = setInterval(
    () =>
      console.log(
        `  … ${((performance.now() - started) / 1000).toFixed(0)} s: ${stats.ack.length} acknowledged, ${stats.aiTurns} AI turns`,
      ),
    30_000,
  );
  const results = await pool(
    Array.from({ length: CONVERSATIONS }, (_, i) => i),
    CONCURRENCY,
    (n) => runConversation(origin, demo.botKey, n, stats),
  );
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  // a conversation that failed midway still had its acknowledged messages checked
  const ok = results.filter((r) => r.acked);
  const failed = results.filter((r) => r.error);
  const acked = ok.reduce((n, r) => n + r.acked.length, 0);
  await verify(ok, stats, TIMEOUT);
  const d1 = await verifyD1(origin, demo.token, ok);
  console.log(`
conversations        ${results.filter((r) => r.acked && !r.error).length} completed, ${failed.length} did not finish${failed.length ? ` (first: ${failed[0].error})` : ""}
visitor messages     ${acked} acknowledged of ${CONVERSATIONS * MESSAGES} sent in ${seconds.toFixed(2)} s
throughput           ${(acked / seconds).toFixed(1)} visitor messages/s (${((acked + stats.aiTurns) / seconds).toFixed(1)} stored messages/s incl. AI answers)
ack latency          p50 ${fmt(pct(stats.ack, 50))}  p95 ${fmt(pct(stats.ack, 95))}  p99 ${fmt(pct(stats.ack, 99))}
AI first token       p50 ${fmt(pct(stats.firstToken, 50))}  p95 ${fmt(pct(stats.firstToken, 95))}  (${stats.firstToken.length} AI turns streamed, ${stats.aiTimeouts} timed out)
handed to a person   ${stats.handedOff} conversations
refused / timeouts   ${JSON.stringify(stats.refused)} / ${stats.timeouts} (socket reconnects: ${stats.reconnects})
lost                 ${stats.lost}
duplicated           ${stats.duplicated}
seq gaps             ${stats.seqGaps}
D1 copy              ${d1.complete}/${ok.length} conversations complete in D1 (checked ${d1.ms.toFixed(0)} ms after the run)
`);
  process.exitCode = stats.lost || stats.duplicated || stats.seqGaps || failed.length ? 1 : 0;
} finally {
  await stop();
}
