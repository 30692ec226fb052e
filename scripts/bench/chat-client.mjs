// The visitor side of protocol v1 for the chat benchmarks (scripts/bench-chat.mjs and its realistic
// mode): a socket that behaves like the widget's transport, acknowledged sends with cid resends, the
// replay check (lost / duplicated / seq gaps), percentiles and a bounded pool.

import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";

export const pct = (xs, p) => {
  if (!xs.length) return NaN;
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
export const fmt = (x) => (Number.isFinite(x) ? `${x.toFixed(1)} ms` : "n/a");

/**
 * A visitor socket the way the widget's transport behaves: frames are kept across reconnects, a
 * dropped socket (e.g. `wrangler dev` reloading the Worker) is reopened with `hello` and the last
 * seq seen, and waits fail fast on a drop so the caller resends with the same cid.
 * @param {string} url
 * @param {number} timeoutMs how long a wait for a frame may take before it rejects with "timeout"
 */
export async function connect(url, timeoutMs) {
  const frames = [];
  let waiters = [];
  let ws;
  const lastSeq = () => frames.reduce((m, f) => (f.type === "msg" && f.seq > m ? f.seq : m), 0);
  const open = () =>
    new Promise((resolve, reject) => {
      ws = new WebSocket(url);
      ws.addEventListener("message", (e) => {
        const f = JSON.parse(String(e.data));
        f._t = performance.now();
        frames.push(f);
        waiters = waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
      });
      ws.addEventListener("close", () => {
        for (const w of waiters) w.reject(new Error("closed"));
        waiters = [];
      });
      ws.addEventListener("open", () => resolve(undefined));
      ws.addEventListener("error", () => reject(new Error(`socket error ${url.slice(0, 60)}`)));
    });
  await open();
  const sock = {
    frames,
    reconnects: 0,
    get open() {
      return ws.readyState === WebSocket.OPEN;
    },
    close: () => ws.close(),
    send: (f) => ws.send(JSON.stringify(f)),
    async rejoin() {
      sock.reconnects++;
      try {
        ws.close();
      } catch {}
      await open();
      const from = frames.length;
      sock.send({ type: "hello", lastSeq: lastSeq() });
      return sock.waitFor((f) => f.type === "ready", from);
    },
    waitFor(pred, from = 0) {
      const seen = frames.slice(from).find(pred);
      if (seen) return Promise.resolve(seen);
      if (ws.readyState !== WebSocket.OPEN) return Promise.reject(new Error("closed"));
      return new Promise((res, rej) => {
        const t = setTimeout(() => rej(new Error("timeout")), timeoutMs);
        waiters.push({ pred, resolve: (f) => (clearTimeout(t), res(f)), reject: (e) => (clearTimeout(t), rej(e)) });
      });
    },
  };
  return sock;
}

/** Sends one visitor message until it is acknowledged (resending with the same cid after a drop). */
export async function sendAcked(sock, cid, text, stats) {
  for (let attempt = 0; attempt < 4; attempt++) {
    const from = sock.frames.length;
    const t0 = performance.now();
    try {
      if (!sock.open) await sock.rejoin();
      sock.send({ type: "msg", cid, text });
      const ack = await sock.waitFor((f) => (f.type === "msg" && f.cid === cid) || f.type === "error", from);
      return { ack, from, t0 };
    } catch (err) {
      if (String(err).includes("timeout")) stats.timeouts++;
      await sock.rejoin().catch(() => {});
    }
  }
  return { ack: null };
}

/**
 * Replays each conversation from seq 0 on a new socket and counts every acked cid: lost (acked but
 * missing), duplicated (stored more than once), seq gaps. Sets `lastSeq` on each conversation.
 * @param {{ wsUrl: string, acked: string[], lastSeq?: number }[]} results
 */
export async function verify(results, stats, timeoutMs) {
  for (const c of results) {
    const sock = await connect(c.wsUrl, timeoutMs);
    sock.send({ type: "hello", lastSeq: 0 });
    const ready = await sock.waitFor((f) => f.type === "ready");
    if (ready.seq > 0) await sock.waitFor((f) => f.type === "msg" && f.seq === ready.seq);
    c.lastSeq = ready.seq;
    const msgs = sock.frames.filter((f) => f.type === "msg");
    const seqs = msgs.map((m) => m.seq);
    if (seqs.some((s, i) => s !== i + 1)) stats.seqGaps++;
    const counts = new Map();
    for (const m of msgs) if (m.cid) counts.set(m.cid, (counts.get(m.cid) ?? 0) + 1);
    for (const cid of c.acked) {
      const k = counts.get(cid) ?? 0;
      if (k === 0) stats.lost++;
      if (k > 1) stats.duplicated += k - 1;
    }
    sock.close();
  }
}

/** Runs `fn` over `items` with at most `limit` in flight; a rejection becomes `{ error }`. */
export async function pool(items, limit, fn) {
  const out = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(limit, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        out[i] = await fn(items[i]).catch((err) => ({ error: String(err) }));
      }
    }),
  );
  return out;
}

/**
 * CPU seconds (user + system) used so far by a process and all its descendants (for a local
 * server: `wrangler dev`'s Node process and its workerd processes), read from /proc. NaN where there
 * is no /proc or no pid (an Echo started elsewhere). Work per message is the difference over a phase
 * divided by its messages: steadier than msg/s, which also moves with the queue and the machine.
 * @param {number | undefined} root
 */
function treeCpuSeconds(root) {
  if (!root || !existsSync("/proc")) return NaN;
  /** @type {Map<number, { ppid: number, ticks: number }>} */
  const procs = new Map();
  for (const d of readdirSync("/proc")) {
    if (!/^\d+$/.test(d)) continue;
    try {
      const s = readFileSync(`/proc/${d}/stat`, "utf8");
      // fields after "(comm) ": state ppid … utime (14th field) stime (15th)
      const f = s.slice(s.lastIndexOf(")") + 2).split(" ");
      procs.set(Number(d), { ppid: Number(f[1]), ticks: Number(f[11]) + Number(f[12]) });
    } catch {
      // the process ended while we read
    }
  }
  let ticks = 0;
  const todo = [root];
  while (todo.length) {
    const pid = /** @type {number} */ (todo.pop());
    ticks += procs.get(pid)?.ticks ?? 0;
    for (const [p, v] of procs) if (v.ppid === pid) todo.push(p);
  }
  return ticks / CLK_TCK;
}

const CLK_TCK = (() => {
  try {
    return Number(execFileSync("getconf", ["CLK_TCK"], { encoding: "utf8" }).trim()) || 100;
  } catch {
    return 100;
  }
})();

/**
 * A phase's CPU count: waits until the server's processes are quiet, then counts until the returned
 * function is called, which waits for quiet again first. So the figure holds all the work the
 * phase's messages caused (a room's D1 copy runs up to a second after the message) and none of the
 * phase before it. Quiet: under a tenth of a core over half a second, waited for at most 15 s. NaN
 * without a pid (an Echo started elsewhere) or /proc.
 * @param {number | undefined} pid
 * @returns {Promise<() => Promise<number>>}
 */
export async function cpuMeter(pid) {
  await settle(pid);
  const from = treeCpuSeconds(pid);
  return async () => {
    await settle(pid);
    return treeCpuSeconds(pid) - from;
  };
}

/** @param {number | undefined} root */
async function settle(root, maxMs = 15_000) {
  if (!root) return;
  const until = Date.now() + maxMs;
  let last = treeCpuSeconds(root);
  while (Date.now() < until) {
    await new Promise((r) => setTimeout(r, 500));
    const now = treeCpuSeconds(root);
    if (!(now - last >= 0.05)) return;
    last = now;
  }
}
