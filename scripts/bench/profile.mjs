// CPU profile of a running local Echo's Worker (workerd), for the speed work (issue 14):
//   ECHO_INSPECTOR_PORT=9331 npm run bench:chat -- --realistic &      # any local server started by
//   node scripts/bench/profile.mjs --port 9331 --seconds 20 [--out artifacts/worker.cpuprofile]
//     [--wait-for <log file> --pattern <regex>]                        # start when the log says so
// Attaches to wrangler's inspector (Chrome DevTools protocol), samples for the given seconds, writes
// the .cpuprofile (open it in Chrome DevTools) and prints the functions with the most self and
// inclusive time. `--wait-for` polls a log file until a line matches `--pattern`, so a phase of a
// bench can be profiled on its own.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { dirname } from "node:path";
import { parseArgs } from "node:util";

const { values: args } = parseArgs({
  options: {
    port: { type: "string", default: "9331" },
    seconds: { type: "string", default: "20" },
    out: { type: "string", default: "artifacts/worker.cpuprofile" },
    "wait-for": { type: "string" },
    pattern: { type: "string", default: "^bench:chat --realistic against" },
    top: { type: "string", default: "25" },
  },
});
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

let targets;
for (let i = 0; i < 1500 && !targets; i++) {
  try {
    targets = await (await fetch(`http://127.0.0.1:${args.port}/json`)).json();
  } catch {
    await sleep(200);
  }
}
if (!targets?.length)
  throw new Error(`no inspector on 127.0.0.1:${args.port} (start the server with ECHO_INSPECTOR_PORT)`);
if (args["wait-for"]) {
  const re = new RegExp(args.pattern, "m");
  while (!(existsSync(args["wait-for"]) && re.test(readFileSync(args["wait-for"], "utf8")))) await sleep(100);
}

// wrangler's inspector proxy wants an Origin it knows (Node's WebSocket takes headers in its init)
const init = /** @type {any} */ ({ headers: { Origin: `http://127.0.0.1:${args.port}` } });
const ws = new WebSocket(targets[0].webSocketDebuggerUrl, init);
let id = 0;
const pending = new Map();
const send = (method, params = {}) =>
  new Promise((resolve, reject) => {
    const n = ++id;
    pending.set(n, { resolve, reject });
    ws.send(JSON.stringify({ id: n, method, params }));
  });
ws.addEventListener("message", (e) => {
  const m = JSON.parse(String(e.data));
  const p = m.id && pending.get(m.id);
  if (!p) return;
  pending.delete(m.id);
  if (m.error) p.reject(new Error(m.error.message));
  else p.resolve(m.result);
});
await new Promise((resolve, reject) => {
  ws.addEventListener("open", resolve, { once: true });
  ws.addEventListener("error", () => reject(new Error("could not attach to the inspector")), { once: true });
});
await send("Profiler.enable");
await send("Profiler.setSamplingInterval", { interval: 200 });
await send("Profiler.start");
console.log(`profiling the Worker for ${args.seconds} s`);
await sleep(Number(args.seconds) * 1000);
const { profile } = await send("Profiler.stop");
ws.close();
mkdirSync(dirname(args.out), { recursive: true });
writeFileSync(args.out, JSON.stringify(profile));
console.log(`wrote ${args.out}`);

// self and inclusive time per function (a function counted once per sample however deep it recurses)
const nodes = new Map(profile.nodes.map((n) => [n.id, n]));
const parent = new Map();
for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
const name = (n) => {
  const f = n.callFrame;
  return `${f.functionName || "(anonymous)"} ${f.url.split("/").slice(-1)[0]}:${f.lineNumber + 1}`;
};
const self = new Map();
const inclusive = new Map();
let total = 0;
profile.samples.forEach((sample, i) => {
  const dt = profile.timeDeltas[i] ?? 0;
  total += dt;
  const leaf = nodes.get(sample);
  self.set(name(leaf), (self.get(name(leaf)) ?? 0) + dt);
  const seen = new Set();
  for (let cur = sample; cur !== undefined; cur = parent.get(cur)) {
    const k = name(nodes.get(cur));
    if (seen.has(k)) continue;
    seen.add(k);
    inclusive.set(k, (inclusive.get(k) ?? 0) + dt);
  }
});
const ms = (us) => (us / 1000).toFixed(0).padStart(7);
const idle = [...self].filter(([k]) => /^\((idle|program)\)/.test(k)).reduce((a, [, t]) => a + t, 0);
console.log(`sampled ${ms(total)} ms; idle or outside JavaScript ${ms(idle)} ms`);
const top = Number(args.top);
console.log("self time (ms)");
for (const [k, t] of [...self].sort((a, b) => b[1] - a[1]).slice(0, top)) console.log(`${ms(t)}  ${k}`);
console.log("inclusive time (ms)");
for (const [k, t] of [...inclusive].sort((a, b) => b[1] - a[1]).slice(0, top * 2)) console.log(`${ms(t)}  ${k}`);
