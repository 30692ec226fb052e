// `npm run bench:voice`: time to first streamed token of POST /v1/chat/completions with the
// embedded (offline) answerer, and the latency the OpenAI-compatible layer adds over calling the
// answerer directly. Starts its own local server (ports 8860-8869, persist dir /tmp/echo-voice-*).
//
// Measured, all against the same bot and question set on 127.0.0.1:
//   A. /v1/chat/completions stream:true  — time to first content chunk (TTFT) and to [DONE]
//   B. /v1/chat/completions stream:false — full round trip
//   C. POST /api/bots/:id/ask            — the answerer behind the ordinary JSON API (same work, no OpenAI layer)
//   D. the answerer in-process           — `timings.totalMs` that /ask reports from inside the Worker
// Added latency of the compat layer = B − C (both full answers over HTTP); TTFT is A.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startLocal } from "./local-server.mjs";

const PORT = Number(process.env.BENCH_VOICE_PORT ?? 8862);
const N = Number(process.env.BENCH_VOICE_N ?? 60);
const WARMUP = 5;
const QUESTIONS = [
  "How do I reset my password?",
  "How much is the Pro plan?",
  "How do I export my notes to PDF?",
  "How often do my notes sync?",
  "What does the Pro plan include?",
  "Can I force a sync?",
];
const DOCS = [
  "To reset your Nimbus Notes password, open Settings, choose Account, then click Reset password. We email you a reset link that is valid for 30 minutes.",
  "Nimbus Notes syncs your notes across devices every five minutes. You can force a sync from the menu with Sync now.",
  "The Pro plan costs 8 dollars per month and includes unlimited notebooks, offline mode and priority support.",
  "To export your notes, open File, choose Export, and pick Markdown or PDF. Exports include attachments up to 25 MB.",
];

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))];
};
const fmt = (xs) => `p50 ${pct(xs, 50).toFixed(1)} ms  p95 ${pct(xs, 95).toFixed(1)} ms  (n=${xs.length})`;

/**
 * @param {string} origin
 * @param {string} path
 * @param {{ method?: string, token?: string, body?: object }} [opts]
 */
async function json(origin, path, { method = "GET", token, body } = {}) {
  const r = await fetch(`${origin}${path}`, {
    method,
    headers: {
      ...(token && { authorization: `Bearer ${token}` }),
      ...(body && { "content-type": "application/json" }),
    },
    body: body && JSON.stringify(body),
  });
  const text = await r.text();
  if (!r.ok) throw new Error(`${method} ${path}: ${r.status} ${text}`);
  return JSON.parse(text);
}

async function streamOnce(origin, key, model, question) {
  const t0 = performance.now();
  const r = await fetch(`${origin}/v1/chat/completions`, {
    method: "POST",
    headers: { authorization: `Bearer ${key}`, "content-type": "application/json" },
    body: JSON.stringify({ model, stream: true, messages: [{ role: "user", content: question }] }),
  });
  if (!r.ok) throw new Error(`stream: ${r.status} ${await r.text()}`);
  const reader = /** @type {ReadableStream<Uint8Array>} */ (r.body).getReader();
  const dec = new TextDecoder();
  let buf = "";
  let ttft = null;
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buf += dec.decode(value, { stream: true });
    let i;
    while ((i = buf.indexOf("\n\n")) >= 0) {
      const frame = buf.slice(0, i).trim();
      buf = buf.slice(i + 2);
      if (!frame.startsWith("data: ") || frame === "data: [DONE]") continue;
      const c = JSON.parse(frame.slice(6));
      if (ttft === null && c.choices?.[0]?.delta?.content) ttft = performance.now() - t0;
    }
  }
  return { ttft, total: performance.now() - t0 };
}

async function main() {
  const persistTo = mkdtempSync(join(tmpdir(), "echo-voice-bench-"));
  const server = await startLocal({ port: PORT, persistTo, quiet: true });
  try {
    const { origin } = server;
    // seeded (startLocal seeds unless told not to)
    const demo = /** @type {NonNullable<typeof server.demo>} */ (server.demo);
    const src = await json(origin, "/api/knowledge/sources", {
      method: "POST",
      token: demo.token,
      body: { type: "text", title: "Nimbus Notes help", text: DOCS.join("\n\n") },
    });
    for (let i = 0; i < 200; i++) {
      const s = await json(origin, `/api/knowledge/sources/${src.id}`, { token: demo.token });
      if (s.status === "ready") break;
      await new Promise((r) => setTimeout(r, 100));
    }
    const key = (
      await json(origin, "/api/keys", {
        method: "POST",
        token: demo.token,
        body: { name: "bench", scopes: ["chat:completions", "bots:read"] },
      })
    ).secret;
    const model = demo.botId;
    const A_ttft = [],
      A_total = [],
      B = [],
      C = [],
      D = [];
    for (let i = 0; i < N + WARMUP; i++) {
      const q = QUESTIONS[i % QUESTIONS.length];
      const a = await streamOnce(origin, key, model, q);
      let t0 = performance.now();
      const b = await json(origin, "/v1/chat/completions", {
        method: "POST",
        token: key,
        body: { model, messages: [{ role: "user", content: q }] },
      });
      const bMs = performance.now() - t0;
      t0 = performance.now();
      const c = await json(origin, `/api/bots/${model}/ask`, { method: "POST", token: key, body: { question: q } });
      const cMs = performance.now() - t0;
      if (!b.choices?.[0]?.message?.content) throw new Error("empty /v1 answer");
      if (i < WARMUP) continue;
      if (a.ttft !== null) A_ttft.push(a.ttft);
      A_total.push(a.total);
      B.push(bMs);
      C.push(cMs);
      if (typeof c.timings?.totalMs === "number") D.push(c.timings.totalMs);
    }
    console.log(
      `\nbench:voice — embedded answerer, ${N} requests each (after ${WARMUP} warm-up), wrangler dev on ${origin}`,
    );
    console.log(`A  /v1/chat/completions stream   time to first token   ${fmt(A_ttft)}`);
    console.log(`A  /v1/chat/completions stream   time to [DONE]        ${fmt(A_total)}`);
    console.log(`B  /v1/chat/completions          full answer           ${fmt(B)}`);
    console.log(`C  /api/bots/:id/ask             full answer           ${fmt(C)}`);
    console.log(`D  answerer in-process (timings.totalMs from /ask)     ${fmt(D)}`);
    // paired per iteration (B and C run back to back on the same question), so shared-machine noise cancels better
    const diffs = B.map((b, i) => b - C[i]);
    console.log(
      `added latency of the OpenAI-compatible layer (B − C): p50 of the differences ${pct(diffs, 50).toFixed(1)} ms; p50(B) − p50(C) ${(pct(B, 50) - pct(C, 50)).toFixed(1)} ms`,
    );
    console.log(`HTTP + Worker overhead around the answerer (C − D):   p50 ${(pct(C, 50) - pct(D, 50)).toFixed(1)} ms`);
  } finally {
    await server.stop();
    rmSync(persistTo, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
