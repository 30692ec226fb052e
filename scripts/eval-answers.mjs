// End-to-end answer benchmark against the demo help centre (Nimbus Notes, seed/knowledge):
// `npm run eval:answers -- --cases ../shared/evals/answers/dev.jsonl [--port 8830] [--verbose]`.
// Starts a fresh local Echo from a frozen copy of the sources (like eval:abstention), seeds the demo
// workspace through the public API, then plays every case in a fresh conversation through the real
// widget path: POST /api/widget/sessions, then the visitor WebSocket (protocol v1, docs/protocol.md).
// Each visitor turn waits for the bot's reply (an AI `msg`, or a hand-off `mode` frame); the reply to
// the last turn is judged per the case's `expect`:
//   answer    every regex in `facts` (case-insensitive) matches the AI reply, and no hand-off
//   smalltalk no hand-off and no "I'm not sure"
//   abstain   the bot declines honestly ("not sure" / "don't know") or hands off
//   human     the conversation is handed to a person
// Last line: JSON with the pass rate per kind. `--origin <url>` reuses a running, seeded server.
import { mkdtempSync, readFileSync } from "node:fs";
import { parseArgs, pool, snapshotRepo } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";
import { seedDemo } from "./seed.mjs";

const args = parseArgs(process.argv.slice(2));
if (!args.cases) {
  console.error("usage: npm run eval:answers -- --cases <file.jsonl> [--port N] [--origin URL] [--verbose]");
  process.exit(2);
}
const casesPath = new URL(args.cases, `file://${process.cwd()}/`);
const cases = readFileSync(casesPath, "utf8")
  .split("\n")
  .filter((l) => l.trim())
  .map((l) => JSON.parse(l));
const TURN_TIMEOUT_MS = 30_000;
/** After the AI reply, how long a hand-off (`mode` frame) may take to follow it. */
const HANDOFF_GRACE_MS = 700;
/** The answerer's honest "I don't know" in the widget's languages (workers/domain/knowledge/language.ts). */
const DECLINE =
  /not sure about that|rather not guess|don't know|no estoy seguro|prefiero no adivinar|ne suis pas sûr|préfère ne pas deviner|nicht sicher|nicht raten|não tenho certeza|prefiro não adivinhar/i;

let server = null;
let origin = args.origin;
if (!origin) {
  const persistTo = mkdtempSync("/tmp/echo-answers-eval-");
  const port = Number(args.port ?? 8830 + Number(process.env.ECHO_PORT_OFFSET ?? 0));
  process.chdir(await snapshotRepo("/tmp/echo-answers-snap-"));
  server = await startLocal({ port, persistTo, quiet: true, seed: false });
  origin = server.origin;
}
try {
  const demo = await seedDemo(origin);
  const results = await pool(cases, Number(args.concurrency ?? 3), (c) =>
    play(origin, demo.botKey, c).catch((err) => ({ error: String(err), reply: "", handoff: false, turns: [] })),
  );
  const kinds = {};
  const failures = [];
  results.forEach((r, i) => {
    const c = cases[i];
    const ok = !r.error && judge(c, r);
    const k = (kinds[c.expect] ??= { pass: 0, n: 0 });
    k.n++;
    if (ok) k.pass++;
    else
      failures.push({ id: c.id, expect: c.expect, turns: c.turns, reply: r.reply, handoff: r.handoff, error: r.error });
    if (args.verbose)
      console.error(
        `${ok ? "pass" : "FAIL"} ${c.id} [${c.expect}] ${JSON.stringify(c.turns)}\n     → ${r.handoff ? `(handoff: ${r.reason}) ` : ""}${JSON.stringify(r.reply)}${r.confidence !== undefined ? ` c=${r.confidence}` : ""}${r.error ? ` ERROR ${r.error}` : ""}`,
      );
  });
  if (!args.verbose)
    for (const f of failures)
      console.error(
        `FAIL ${f.id} [${f.expect}] ${JSON.stringify(f.turns)} → ${f.handoff ? "(handoff) " : ""}${JSON.stringify(f.reply)}`,
      );
  const summary = Object.fromEntries(
    Object.entries(kinds).map(([k, v]) => [
      k,
      { rate: Math.round((v.pass / v.n) * 1000) / 1000, pass: v.pass, n: v.n },
    ]),
  );
  const passed = results.filter((_, i) => !failures.some((f) => f.id === cases[i].id)).length;
  console.log(
    JSON.stringify({ ...summary, overall: Math.round((passed / cases.length) * 1000) / 1000, n: cases.length }),
  );
} finally {
  if (server && !args.keep) await server.stop();
}

function judge(c, r) {
  switch (c.expect) {
    case "answer":
      return !r.handoff && (c.facts ?? []).every((f) => new RegExp(f, "i").test(r.reply));
    case "smalltalk":
      return !r.handoff && r.reply !== "" && !DECLINE.test(r.reply);
    case "abstain":
      return r.handoff || DECLINE.test(r.reply);
    case "human":
      return r.handoff;
    default:
      throw new Error(`case ${c.id}: unknown expect ${c.expect}`);
  }
}

/** Plays one case in a fresh conversation; returns the reply to the last turn and whether the conversation was handed off. */
async function play(origin, botKey, c) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ botKey, visitor: { name: `Eval ${c.id}`, ...(c.locale ? { locale: c.locale } : {}) } }),
  });
  if (!r.ok) throw new Error(`session ${r.status} ${await r.text()}`);
  const s = await r.json();
  const sock = await connect(s.wsUrl);
  try {
    sock.send({ type: "hello", lastSeq: 0 });
    await sock.waitFor((f) => f.type === "ready");
    let reply = "";
    let confidence;
    for (const [i, text] of c.turns.entries()) {
      const from = sock.frames.length;
      reply = "";
      if (sock.handoff()) break; // a person was already asked for: the AI is silent
      sock.send({ type: "msg", cid: `t${i}`, text });
      const end = await sock.waitFor(
        (f) => (f.type === "msg" && f.role === "ai") || f.type === "mode" || f.type === "error",
        from,
        TURN_TIMEOUT_MS,
      );
      if (end.type === "error") throw new Error(`refused: ${end.code} ${end.message}`);
      if (end.type === "msg") {
        reply = end.text;
        confidence = end.meta?.confidence;
        await sock.waitFor((f) => f.type === "mode", from, HANDOFF_GRACE_MS).catch(() => null);
      }
    }
    const mode = sock.lastMode();
    return { reply, confidence, handoff: mode?.mode === "human", reason: mode?.reason, turns: c.turns };
  } finally {
    sock.close();
  }
}

async function connect(url) {
  const frames = [];
  let waiters = [];
  const ws = new WebSocket(url);
  ws.addEventListener("message", (e) => {
    const f = JSON.parse(String(e.data));
    frames.push(f);
    waiters = waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
  });
  await new Promise((resolve, reject) => {
    ws.addEventListener("open", () => resolve(undefined));
    ws.addEventListener("error", () => reject(new Error("socket error")));
  });
  const lastMode = () => [...frames].reverse().find((f) => f.type === "mode");
  return {
    frames,
    send: (f) => ws.send(JSON.stringify(f)),
    close: () => ws.close(),
    lastMode,
    handoff: () => lastMode()?.mode === "human",
    waitFor(pred, from = 0, ms = TURN_TIMEOUT_MS) {
      const seen = frames.slice(from).find(pred);
      if (seen) return Promise.resolve(seen);
      return new Promise((res, rej) => {
        const t = setTimeout(() => {
          waiters = waiters.filter((w) => w.pred !== pred);
          rej(new Error("timeout"));
        }, ms);
        waiters.push({ pred, resolve: (f) => (clearTimeout(t), res(f)) });
      });
    },
  };
}
