// `npm run bench:chat -- --realistic`: issue 14's realistic chat benchmark.
//
// 1. Starts a fresh Echo (frozen copy of the sources, own port and persist dir) and, as the
//    yardstick, the bare Durable Object echo room (scripts/bench/echo-room, its own Worker).
// 2. Signs up a workspace through the public API, loads ../shared/evals/retrieval/kb.jsonl as text
//    sources (POST /api/knowledge/sources, the real queue consumer), and sets the over-quota choice to
//    `embedded` (PUT /api/billing/settings) so the Free plan's 100 answers do not turn turns into
//    quota hand-offs. The answer cache is per bot, so the run uses as many bots as it needs (up to the
//    plan's 3) for every (bot, question) pair to be asked once: every AI turn is a real retrieval.
// 3. AI phase: N visitors at once (widget sessions + WebSocket protocol v1), each asking Q distinct
//    dev questions, waiting for the acknowledgement and then the AI answer. A conversation handed to
//    a person goes on as a new visitor (new session) with its remaining questions.
// 4. Plain phase, the same socket workload against Echo with `human` first (operator mode, no AI
//    turn) and against the echo room: every conversation is opened first (session, socket, `human`:
//    on Echo a hand-off with its ticket), then the messages alone are timed: msg/s of each and their
//    ratio (issue target >= 0.9); the whole-visit rate with the opening is printed beside it.
// 5. Replays every conversation to count lost / duplicated / seq gaps; reads server time per AI
//    turn from the room's `room: AI turn` log lines (answerer time: retrieval + generation).
//
// Options: --conversations 100 --questions 10 --concurrency <conversations> --timeout 30000
//          --think <ms> (AI phase: a visitor reads and types before each question, an exponential pause
//          of this mean, seeded per visitor; 0, the default, is a closed loop: the next question the
//          moment the answer ends, so latency measures queueing at saturation)
//          --port 8820 --echo-port 8821 (both + ECHO_PORT_OFFSET) --kb --dev (default: the shared evals)
//          --skip-plain (AI phase only) --plain-only (no knowledge, no AI phase: plain chat vs the
//          echo room alone, for working on that ratio) --origin <url> (an Echo already running; no server time then)
import { existsSync, mkdtempSync, readFileSync } from "node:fs";
import { parseArgs } from "node:util";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { makeWorkspace, mulberry32, pool as uploadPool, snapshotRepo } from "../knowledge-lib.mjs";
import { startLocal } from "../local-server.mjs";
import { connect, cpuMeter, fmt, pct, pool, sendAcked, verify } from "./chat-client.mjs";
import { startEchoRoom } from "./echo-room.mjs";

const { values: args } = parseArgs({
  options: {
    realistic: { type: "boolean" },
    conversations: { type: "string", default: "100" },
    questions: { type: "string", default: "10" },
    concurrency: { type: "string" },
    timeout: { type: "string", default: "30000" },
    think: { type: "string", default: "0" },
    port: { type: "string" },
    "echo-port": { type: "string" },
    kb: { type: "string" },
    dev: { type: "string" },
    origin: { type: "string" },
    "skip-plain": { type: "boolean", default: false },
    "plain-only": { type: "boolean", default: false },
  },
});
const N = Number(args.conversations);
const Q = Number(args.questions);
const CONCURRENCY = Number(args.concurrency ?? N);
const TIMEOUT = Number(args.timeout);
const THINK_MS = Number(args.think);
const OFFSET = Number(process.env.ECHO_PORT_OFFSET ?? 0);
const PORT = Number(args.port ?? 8820 + OFFSET);
const ECHO_PORT = Number(args["echo-port"] ?? 8821 + OFFSET);
const log = (...m) => console.error(...m);

const root = new URL("../..", import.meta.url).pathname;
const shared = [`${root}../shared`, `${root}../../shared`].find((d) => existsSync(`${d}/evals/retrieval`));
const readJsonl = (p) =>
  readFileSync(p, "utf8")
    .split("\n")
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l));
const kb = readJsonl(args.kb ?? `${shared}/evals/retrieval/kb.jsonl`);
const distinct = [...new Set(readJsonl(args.dev ?? `${shared}/evals/retrieval/dev.jsonl`).map((q) => q.question))];
if (Q > distinct.length) throw new Error(`--questions ${Q}: only ${distinct.length} distinct dev questions`);

/**
 * Conversation n talks to bot n % bots and asks the next Q questions of that bot's run through the
 * distinct list, so a (bot, question) pair repeats only once a bot has asked all of them.
 */
function planOf(bots) {
  const next = bots.map(() => 0);
  return Array.from({ length: N }, (_, n) => {
    const b = n % bots.length;
    const qs = Array.from({ length: Q }, (_, i) => distinct[(next[b] + i) % distinct.length]);
    next[b] += Q;
    return { n, botKey: bots[b], questions: qs };
  });
}

async function setUp(origin) {
  const ws = await makeWorkspace(origin, [
    "knowledge:read",
    "knowledge:write",
    "bots:read",
    "bots:write",
    "billing:read",
    "billing:write",
  ]);
  await ws.api.request("PUT", "/api/billing/settings", { overQuotaChoice: "embedded" });
  const bots = (await ws.api.get("/api/bots")).data.map((b) => b.publishableKey);
  const wanted = Math.ceil((N * Q) / distinct.length);
  while (bots.length < wanted) {
    try {
      const b = await ws.api.post("/api/bots", { name: `Bench bot ${bots.length + 1}` });
      bots.push(b.publishableKey);
    } catch (err) {
      log(`bots: stopped at ${bots.length} (${String(err).slice(0, 120)}); some questions repeat per bot`);
      break;
    }
  }
  if (args["plain-only"]) return { bots, chunks: 0, sources: 0 };
  const started = Date.now();
  await uploadPool(kb, 8, (d) =>
    ws.api.post("/api/knowledge/sources", { type: "text", title: d.title, text: d.text, externalId: d.id }),
  );
  const sources = await ws.api.waitSettled({});
  const failed = sources.filter((s) => s.status === "failed").length;
  const chunks = sources.reduce((a, s) => a + (s.chunkCount ?? 0), 0);
  log(
    `loaded ${sources.length} sources (${chunks} chunks, ${failed} failed) in ${((Date.now() - started) / 1000).toFixed(1)} s`,
  );
  return { bots, chunks, sources: sources.length };
}

const newStats = () => ({
  ack: [],
  firstToken: [],
  final: [],
  aiTurns: 0,
  aiTimeouts: 0,
  timeouts: 0,
  reconnects: 0,
  refused: {},
  handoffs: {},
  sessions: 0,
  lost: 0,
  duplicated: 0,
  seqGaps: 0,
});

async function openSession(origin, botKey, name, stats) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ botKey, visitor: { name } }),
  });
  if (!r.ok) throw new Error(`session ${r.status} ${(await r.text()).slice(0, 200)}`);
  const s = await r.json();
  const sock = await connect(s.wsUrl, TIMEOUT);
  stats.sessions++;
  sock.send({ type: "hello", lastSeq: 0 });
  await sock.waitFor((f) => f.type === "ready").catch(() => sock.rejoin());
  /** @type {{ wsUrl: string, acked: string[] }} */
  const conv = { wsUrl: s.wsUrl, acked: [] };
  return { sock, conv };
}

/** One AI turn after its acknowledgement: first delta, final AI msg, or a hand-off. */
async function awaitTurn(sock, from, t0, stats) {
  try {
    const end = await sock.waitFor((f) => (f.type === "msg" && f.role === "ai") || f.type === "mode", from);
    const first = sock.frames.slice(from).find((f) => f.type === "delta");
    if (first) stats.firstToken.push(first._t - t0);
    if (end.type === "msg") stats.final.push(end._t - t0);
    stats.aiTurns++;
  } catch {
    stats.aiTimeouts++;
  }
}

const handedOff = (sock) => sock.frames.findLast((f) => f.type === "mode" || f.type === "ready")?.mode !== "ai";

/** A visitor asking its questions; after a hand-off the rest go to a new conversation. */
async function visitAi(origin, plan, stats, convs) {
  let cur = null;
  const rng = mulberry32(plan.n + 1);
  for (const [i, text] of plan.questions.entries()) {
    // a person reads the answer and types the next question (the first one too: arrivals spread out)
    if (THINK_MS > 0) await new Promise((r) => setTimeout(r, -Math.log(1 - rng()) * THINK_MS));
    if (!cur || handedOff(cur.sock)) {
      if (cur) {
        const reason = cur.sock.frames.findLast((f) => f.type === "mode")?.reason ?? "unknown";
        stats.handoffs[reason] = (stats.handoffs[reason] ?? 0) + 1;
        cur.sock.close();
      }
      cur = await openSession(origin, plan.botKey, `Bench ${plan.n}`, stats);
      convs.push(cur.conv);
    }
    const cid = `r${plan.n}-${i}`;
    const { ack, from, t0 } = await sendAcked(cur.sock, cid, text, stats);
    if (!ack) continue;
    if (ack.type === "error") {
      stats.refused[ack.code] = (stats.refused[ack.code] ?? 0) + 1;
      continue;
    }
    stats.ack.push(ack._t - /** @type {number} */ (t0));
    cur.conv.acked.push(cid);
    await awaitTurn(cur.sock, from, /** @type {number} */ (t0), stats);
  }
  if (cur && handedOff(cur.sock)) {
    const reason = cur.sock.frames.findLast((f) => f.type === "mode")?.reason ?? "unknown";
    stats.handoffs[reason] = (stats.handoffs[reason] ?? 0) + 1;
  }
  stats.reconnects += cur?.sock.reconnects ?? 0;
  cur?.sock.close();
}

/** The plain workload's setup: a conversation asking for a person first (operator mode: no AI turn). */
async function openPlain(origin, plan, stats, convs) {
  const { sock, conv } = await openSession(origin, plan.botKey, `Plain ${plan.n}`, stats);
  convs.push(conv);
  const from = sock.frames.length;
  sock.send({ type: "human" });
  await sock.waitFor((f) => f.type === "mode", from);
  return { plan, sock, conv };
}

/** The plain workload's messages: Q acknowledged messages in an open conversation. */
async function sendPlain({ plan, sock, conv }, stats) {
  for (const [i, text] of plan.questions.entries()) {
    const cid = `p${plan.n}-${i}`;
    const { ack, t0 } = await sendAcked(sock, cid, text, stats);
    if (!ack) continue;
    if (ack.type === "error") {
      stats.refused[ack.code] = (stats.refused[ack.code] ?? 0) + 1;
      continue;
    }
    stats.ack.push(ack._t - /** @type {number} */ (t0));
    conv.acked.push(cid);
  }
  stats.reconnects += sock.reconnects;
  sock.close();
}

/**
 * Plain chat, in two timed parts: opening every conversation (widget session, socket, `human`: on
 * Echo a hand-off with its ticket, on the echo room a stub), then the messages alone. The message
 * rate is the protocol's throughput; the whole-visit rate (setup included) is reported beside it.
 */
async function plainPhase(name, origin, plans, pid) {
  const stats = newStats();
  const convs = [];
  const t0 = performance.now();
  const opened = await pool(plans, CONCURRENCY, (p) => openPlain(origin, p, stats, convs));
  const setupSeconds = (performance.now() - t0) / 1000;
  const live = opened.filter((o) => o && !o.error);
  // the messages alone: the openings' trailing work (tickets, their D1 copy) ends first
  const cpu = await cpuMeter(pid);
  const t1 = performance.now();
  const results = await pool(live, CONCURRENCY, (o) => sendPlain(o, stats));
  const seconds = (performance.now() - t1) / 1000;
  const cpuSeconds = await cpu();
  const failed = [...opened, ...results].filter((r) => r?.error);
  await verify(convs, stats, TIMEOUT);
  const acked = stats.ack.length;
  return {
    name,
    stats,
    seconds,
    acked,
    failed,
    msgPerS: acked / seconds,
    cpuSeconds,
    setupSeconds,
    wholePerS: acked / (setupSeconds + seconds),
  };
}

async function phase(name, origin, plans, visit, pid) {
  const stats = newStats();
  const convs = [];
  const cpu = await cpuMeter(pid);
  const started = performance.now();
  const progress = setInterval(
    () => log(`  … ${name}: ${((performance.now() - started) / 1000).toFixed(0)} s, ${stats.ack.length} acknowledged`),
    30_000,
  );
  const results = await pool(plans, CONCURRENCY, (p) => visit(origin, p, stats, convs));
  clearInterval(progress);
  const seconds = (performance.now() - started) / 1000;
  const cpuSeconds = await cpu();
  const failed = results.filter((r) => r?.error);
  await verify(convs, stats, TIMEOUT);
  const acked = stats.ack.length;
  return { name, stats, seconds, acked, failed, msgPerS: acked / seconds, cpuSeconds };
}

/** Server time per AI turn, from the room's `room: AI turn` log lines of the Echo this run started. */
function serverTimes(output) {
  const ms = [];
  let cached = 0;
  for (const m of output.matchAll(/\{[^{}\n]*"msg":"room: AI turn"[^{}\n]*\}/g)) {
    const f = JSON.parse(m[0]);
    ms.push(f.serverMs);
    if (f.cached) cached++;
  }
  return { ms, cached };
}

function report(r, extra = "") {
  const s = r.stats;
  const lines = [
    `${r.name}`,
    `  visitor messages   ${r.acked} acknowledged in ${r.seconds.toFixed(2)} s over ${s.sessions} conversations: ${r.msgPerS.toFixed(1)} msg/s${extra}`,
    `  ack                p50 ${fmt(pct(s.ack, 50))}  p95 ${fmt(pct(s.ack, 95))}  p99 ${fmt(pct(s.ack, 99))}`,
  ];
  if (s.aiTurns || s.aiTimeouts)
    lines.push(
      `  AI first token     p50 ${fmt(pct(s.firstToken, 50))}  p95 ${fmt(pct(s.firstToken, 95))}  (${s.firstToken.length} streamed)`,
      `  AI final answer    p50 ${fmt(pct(s.final, 50))}  p95 ${fmt(pct(s.final, 95))}  (${s.aiTurns} AI turns, ${s.aiTimeouts} timed out)`,
      `  hand-offs          ${JSON.stringify(s.handoffs)}`,
    );
  lines.push(
    `  refused / timeouts ${JSON.stringify(s.refused)} / ${s.timeouts} (socket reconnects ${s.reconnects}); visitors that failed: ${r.failed.length}${r.failed.length ? ` (first: ${r.failed[0].error})` : ""}`,
    `  lost ${s.lost}, duplicated ${s.duplicated}, seq gaps ${s.seqGaps}`,
  );
  if (Number.isFinite(r.cpuSeconds))
    lines.push(
      `  server CPU         ${((r.cpuSeconds * 1000) / Math.max(1, r.acked)).toFixed(2)} ms per message ` +
        `(${r.cpuSeconds.toFixed(2)} s: its wrangler and workerd processes, user + system, from /proc; 2 cores here)`,
    );
  console.log(lines.join("\n"));
}

let echo = null;
let server = null;
let origin = args.origin;
try {
  if (!origin) {
    log(`starting Echo on port ${PORT} (frozen copy of the sources) and the echo room on ${ECHO_PORT}`);
    process.chdir(await snapshotRepo("/tmp/echo-chat-bench-snap-"));
    [server, echo] = await Promise.all([
      startLocal({ port: PORT, persistTo: mkdtempSync(join(tmpdir(), "echo-chat-bench-")), quiet: true, seed: false }),
      args["skip-plain"] ? null : startEchoRoom({ port: ECHO_PORT }),
    ]);
    origin = server.origin;
  } else if (!args["skip-plain"]) echo = await startEchoRoom({ port: ECHO_PORT });
  const setup = await setUp(origin);
  const plans = planOf(setup.bots);
  console.log(
    `bench:chat --realistic against ${origin}: ${N} visitors x ${Q} distinct dev questions, ${CONCURRENCY} at once; ` +
      `${setup.sources} KB sources (${setup.chunks} chunks), ${setup.bots.length} bots; ` +
      `${THINK_MS > 0 ? `think time before each question exponential, mean ${THINK_MS} ms (AI phase)` : "closed loop (no think time)"}; ` +
      `load average ${(await loadAvg()).join(" ")}`,
  );
  const ai = args["plain-only"]
    ? null
    : await phase("AI turns (every turn a retrieval)", origin, plans, visitAi, server?.child.pid);
  const plain = echo
    ? await plainPhase("plain chat on Echo (operator mode, no AI turn)", origin, plans, server?.child.pid)
    : null;
  const bare = echo ? await plainPhase("the same on the bare DO echo room", echo.origin, plans, echo.child.pid) : null;
  // read last: wrangler forwards the room's log lines a little after the frames they describe
  const times = server ? serverTimes(server.output()) : null;
  if (ai) report(ai);
  if (ai)
    console.log(
      times
        ? `  server per AI turn p50 ${fmt(pct(times.ms, 50))}  p95 ${fmt(pct(times.ms, 95))}  (${times.ms.length} turns logged, ${times.cached} from the answer cache)`
        : "  server per AI turn n/a (Echo was started elsewhere: its log has `room: AI turn` lines)",
    );
  if (plain && bare) {
    const opening = (r) =>
      `  opening            ${r.stats.sessions} conversations (session, socket, human) in ${r.setupSeconds.toFixed(2)} s; ` +
      `whole visits ${r.wholePerS.toFixed(1)} msg/s`;
    report(plain, `  = ${(plain.msgPerS / bare.msgPerS).toFixed(2)}x the echo room`);
    console.log(opening(plain));
    report(bare);
    console.log(opening(bare));
    console.log(
      `ratio to the echo room: plain chat messages ${(plain.msgPerS / bare.msgPerS).toFixed(2)}x (target >= 0.9), ` +
        `whole visits with opening ${(plain.wholePerS / bare.wholePerS).toFixed(2)}x, ` +
        `${ai ? `AI turns ${(ai.msgPerS / bare.msgPerS).toFixed(2)}x; ` : ""}load average after ${(await loadAvg()).join(" ")}`,
    );
  }
  const runs = [ai, plain, bare].filter((r) => r !== null);
  const bad = runs.reduce((n, r) => n + r.stats.lost + r.stats.duplicated + r.stats.seqGaps + r.failed.length, 0);
  process.exitCode = bad ? 1 : 0;
} finally {
  await Promise.all([server?.stop(), echo?.stop()]);
}

async function loadAvg() {
  const os = await import("node:os");
  return os.loadavg().map((x) => x.toFixed(1));
}
