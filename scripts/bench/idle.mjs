// `npm run bench:chat -- --idle [--sockets 10000] [--storm 2000]`: issue 14's connected-visitors bench.
//
// 1. Starts a fresh Echo (frozen copy of the sources, own port and persist dir), signs up a
//    workspace and uses its bots (up to the plan's 3; widget sessions are rate-limited per bot and
//    address, so a 429 waits and retries).
// 2. Opens `--sockets` visitor conversations (POST /api/widget/sessions + WebSocket, `hello`, `ready`),
//    then leaves them idle: hibernating rooms. Reports the memory (RSS) of the local workerd
//    processes before, with every socket open, and after a pause.
// 3. Every socket sends `{"type":"ping"}`: each must get `pong` (the runtime answers it without
//    waking a hibernated room). Reports how many answered and the pong latency p50/p95/p99.
// 4. Reconnect storm: `--storm` of the conversations go to operator mode (`human`) and send two
//    acknowledged messages each; then all of their sockets close at once and reconnect at once with
//    `hello` and `lastSeq: 0`. Every replay must hold every acknowledged message exactly once with
//    no seq gap: lost / duplicated / gaps must be 0. Reports the storm's wall time and the
//    reconnect-to-ready latency p50/p95/p99.
// Options: --sockets 10000 --storm 2000 --concurrency 200 (sessions and sockets opened at a time)
//          --port 8822 (+ ECHO_PORT_OFFSET) --timeout 60000
//          --direct: talk to the workerd that runs the Worker on its own socket, not through the
//            proxy `wrangler dev` puts in front of it (a second workerd that holds about 4.4 socket
//            descriptors per visitor WebSocket against the Worker's 2, so it reaches this sandbox's
//            hard limit of 20,000 open files at ≈ 4,500 visitors). The Worker's socket is found among
//            the listening sockets of wrangler's workerd children: the one whose /health answers 200.
import { readFileSync, readdirSync, readlinkSync, mkdtempSync } from "node:fs";
import { loadavg } from "node:os";
import { parseArgs } from "node:util";
import { makeWorkspace, snapshotRepo } from "../knowledge-lib.mjs";
import { startLocal } from "../local-server.mjs";
import { startEchoRoom } from "./echo-room.mjs";
import { connect, pct, pool, sendAcked } from "./chat-client.mjs";

const { values: args } = parseArgs({
  options: {
    idle: { type: "boolean" },
    /** Run the same against the bare Durable Object echo room (the yardstick's memory per object). */
    "echo-room": { type: "boolean", default: false },
    sockets: { type: "string", default: "10000" },
    storm: { type: "string", default: "2000" },
    concurrency: { type: "string", default: "200" },
    port: { type: "string" },
    direct: { type: "boolean", default: false },
    timeout: { type: "string", default: "60000" },
  },
});
const SOCKETS = Number(args.sockets);
const STORM = Math.min(Number(args.storm), SOCKETS);
const CONCURRENCY = Number(args.concurrency);
const TIMEOUT = Number(args.timeout);
const PORT = Number(args.port ?? 8822 + Number(process.env.ECHO_PORT_OFFSET ?? 0));
const log = (...m) => console.error(...m);
const sleep = (ms) => new Promise((r) => setTimeout(r, ms));
const ms = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "n/a");
const mb = (kb) => `${(kb / 1024).toFixed(0)} MB`;

/** Pids of every workerd process descending from `pid`. */
function workerdPids(pid) {
  const children = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const stat = readFileSync(`/proc/${d}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(d)]);
    } catch {}
  }
  const out = [];
  const walk = (p) => {
    for (const c of children.get(p) ?? []) {
      try {
        if (/^Name:\s*workerd/m.test(readFileSync(`/proc/${c}/status`, "utf8"))) out.push(c);
      } catch {}
      walk(c);
    }
  };
  walk(pid);
  return out;
}

/** The origin of the workerd socket that serves the Worker itself (see --direct). */
async function directOrigin(pid, proxyPort) {
  const inodes = new Set();
  for (const p of workerdPids(pid))
    for (const fd of readdirSync(`/proc/${p}/fd`)) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/${p}/fd/${fd}`));
        if (m) inodes.add(m[1]);
      } catch {}
    }
  const ports = readFileSync("/proc/net/tcp", "utf8")
    .split("\n")
    .slice(1)
    .map((l) => l.trim().split(/\s+/))
    .filter((f) => f[3] === "0A" && inodes.has(f[9] ?? ""))
    .map((f) => parseInt((f[1] ?? "").split(":")[1] ?? "", 16))
    .filter((p) => p !== proxyPort);
  for (const port of ports) {
    try {
      const r = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(2000) });
      if (r.status === 200) return `http://127.0.0.1:${port}`;
    } catch {}
  }
  throw new Error(`--direct: no workerd socket answered /health (listening: ${ports.join(", ")})`);
}

/** RSS (kB) of every workerd process descending from `pid`. */
function workerdRssKb(pid) {
  let total = 0;
  for (const p of workerdPids(pid)) {
    try {
      total += Number(/^VmRSS:\s*(\d+)/m.exec(readFileSync(`/proc/${p}/status`, "utf8"))?.[1] ?? 0);
    } catch {}
  }
  return total;
}

let sessionRetries = 0;
async function session(origin, botKey) {
  for (let attempt = 0; ; attempt++) {
    const r = await fetch(`${origin}/api/widget/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ botKey }),
    });
    if (r.status === 429 && attempt < 60) {
      sessionRetries++;
      await sleep(Number(r.headers.get("retry-after") ?? 5) * 1000);
      continue;
    }
    if (!r.ok) throw new Error(`session ${r.status}: ${(await r.text()).slice(0, 200)}`);
    return r.json();
  }
}

const started = Date.now();
process.chdir(await snapshotRepo("/tmp/echo-idle-bench-snap-"));
const YARDSTICK = args["echo-room"];
const server = YARDSTICK
  ? await startEchoRoom({ port: PORT })
  : await startLocal({ port: PORT, persistTo: mkdtempSync("/tmp/echo-idle-bench-"), quiet: true, seed: false });
const out = [];
try {
  const origin = args.direct ? await directOrigin(server.child.pid, PORT) : server.origin;
  const ws = YARDSTICK ? null : await makeWorkspace(origin, ["bots:read", "bots:write"]);
  const bots = ws ? (await ws.api.get("/api/bots")).data.map((b) => b.publishableKey) : ["pk_echo_room"];
  while (ws && bots.length < 3) {
    try {
      bots.push((await ws.api.post("/api/bots", { name: `Idle bot ${bots.length + 1}` })).publishableKey);
    } catch {
      break;
    }
  }
  const rss0 = workerdRssKb(server.child.pid);
  log(
    `bench:chat --idle against ${origin}: ${SOCKETS} sockets over ${bots.length} bots, ${CONCURRENCY} opened at a time`,
  );

  // 1. open every conversation and socket, each to `ready`
  const t0 = performance.now();
  let openedCount = 0;
  let lastError = "";
  const progress = setInterval(
    () =>
      log(
        `  … ${((performance.now() - t0) / 1000).toFixed(0)} s: ${openedCount} open, workerd ${mb(workerdRssKb(server.child.pid))}, ${sessionRetries} session retries after 429${lastError ? `; last error: ${lastError}` : ""}`,
      ),
    15_000,
  );
  const opened = await pool(
    Array.from({ length: SOCKETS }, (_, i) => i),
    CONCURRENCY,
    async (i) => {
      try {
        const s = await session(origin, bots[i % bots.length]);
        const sock = await connect(s.wsUrl, TIMEOUT);
        sock.send({ type: "hello", lastSeq: 0 });
        await sock.waitFor((f) => f.type === "ready");
        openedCount++;
        return { sock, wsUrl: s.wsUrl };
      } catch (err) {
        lastError = String(err).slice(0, 200);
        throw err;
      }
    },
  );
  clearInterval(progress);
  const openSecs = (performance.now() - t0) / 1000;
  const live = opened.filter((o) => o && !o.error);
  const failedOpen = opened.filter((o) => o?.error);
  log(
    `opened ${live.length}/${SOCKETS} in ${openSecs.toFixed(1)} s${failedOpen.length ? `; first error: ${failedOpen[0].error}` : ""}`,
  );
  const rssOpen = workerdRssKb(server.child.pid);
  await sleep(15_000); // idle: the rooms may hibernate
  const rssIdle = workerdRssKb(server.child.pid);

  // 2. every socket pings
  const pongs = [];
  let noPong = 0;
  await pool(live, CONCURRENCY * 5, async (o) => {
    const from = o.sock.frames.length;
    const t = performance.now();
    o.sock.send({ type: "ping" });
    try {
      await o.sock.waitFor((f) => f.type === "pong", from);
      pongs.push(performance.now() - t);
    } catch {
      noPong++;
    }
  });
  const stillOpen = live.filter((o) => o.sock.open).length;

  // 3. reconnect storm
  const storm = live.slice(0, STORM);
  const stats = { timeouts: 0 };
  await pool(storm, CONCURRENCY, async (o, k) => {
    const from = o.sock.frames.length;
    o.sock.send({ type: "human" });
    await o.sock.waitFor((f) => f.type === "mode" || f.type === "msg", from).catch(() => {});
    o.acked = [];
    for (const n of [1, 2]) {
      const cid = `idle-${k}-${n}`;
      const { ack } = await sendAcked(o.sock, cid, `storm message ${n}`, stats);
      if (ack?.type === "msg") o.acked.push(cid);
    }
  });
  for (const o of storm) o.sock.close();
  await sleep(3000); // the closes reach the server (each local socket holds descriptors there)
  const reconnect = [];
  let lost = 0;
  let duplicated = 0;
  let gaps = 0;
  let failedRejoin = 0;
  const tStorm = performance.now();
  await Promise.all(
    storm.map(async (o) => {
      const t = performance.now();
      try {
        const sock = await connect(o.wsUrl, TIMEOUT);
        sock.send({ type: "hello", lastSeq: 0 });
        const ready = await sock.waitFor((f) => f.type === "ready");
        reconnect.push(performance.now() - t);
        if (ready.seq > 0) await sock.waitFor((f) => f.type === "msg" && f.seq === ready.seq);
        const msgs = sock.frames.filter((f) => f.type === "msg");
        if (msgs.some((m, i) => m.seq !== i + 1)) gaps++;
        for (const cid of o.acked) {
          const n = msgs.filter((m) => m.cid === cid).length;
          if (n === 0) lost++;
          if (n > 1) duplicated += n - 1;
        }
        sock.close();
      } catch (err) {
        if (!failedRejoin++) lastError = String(err).slice(0, 200);
      }
    }),
  );
  const stormSecs = (performance.now() - tStorm) / 1000;
  const acked = storm.reduce((a, o) => a + o.acked.length, 0);
  for (const o of live) o.sock.close();

  out.push(
    `bench:chat --idle${YARDSTICK ? " --echo-room (the bare Durable Object echo room)" : ""}, ${new Date().toISOString()}, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}`,
    `connected visitors: ${live.length} of ${SOCKETS} opened (widget session + socket + hello/ready) in ${openSecs.toFixed(1)} s` +
      `${failedOpen.length ? `, ${failedOpen.length} failed (${failedOpen[0].error.slice(0, 120)})` : ""}`,
    `workerd memory (RSS): ${mb(rss0)} before, ${mb(rssOpen)} with every socket open, ${mb(rssIdle)} after 15 s idle` +
      ` (${((rssIdle - rss0) / Math.max(1, live.length)).toFixed(1)} kB per idle visitor)`,
    `ping: ${pongs.length} of ${live.length} answered pong (${noPong} not), ${stillOpen} sockets still open; pong p50/p95/p99 ${ms(pct(pongs, 50))} / ${ms(pct(pongs, 95))} / ${ms(pct(pongs, 99))}`,
    `reconnect storm: ${storm.length} sockets closed and reopened at once with hello lastSeq 0 in ${stormSecs.toFixed(1)} s;` +
      ` ready p50/p95/p99 ${ms(pct(reconnect, 50))} / ${ms(pct(reconnect, 95))} / ${ms(pct(reconnect, 99))};` +
      ` ${acked} acknowledged messages replayed: lost ${lost}, duplicated ${duplicated}, seq gaps ${gaps}, failed reconnects ${failedRejoin}${failedRejoin ? ` (first: ${lastError})` : ""}`,
    `total ${((Date.now() - started) / 1000).toFixed(0)} s`,
  );
  console.log(out.join("\n"));
  if (lost || duplicated || gaps || failedRejoin || noPong || failedOpen.length) process.exitCode = 1;
} finally {
  await server.stop();
}
