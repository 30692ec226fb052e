// `npm run bench:analytics -- [--messages 1000000] [--runs 20] [--port 8870]`
//
// Seeds one tenant of a fresh local Echo (scripts/local-server.mjs, the `npm start` path) with
// `--messages` messages spread over 30 days in conversations of 10 messages (5 visitor, 4 AI, 1
// agent), and the conversation events those conversations would have produced (opened, 4 AI
// answers, a hand-off, a person joining, first reply, reply, resolution and a rating in some),
// written straight into the local D1 file with sqlite3 while the server is stopped (the rollup
// triggers of migration 0031 fire as they would for a room's copy; half the conversations carry one of
// three categories, each a first question). Then it times
// each analytics report over HTTP (`--runs` each, after one warm-up) and prints p50/p95 per report.
// Figures only; nothing here asserts a time. BENCH_VERBOSE=1 shows the server's log while the reports run.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startLocal } from "./local-server.mjs";
import { DEMO } from "./seed.mjs";

const { values: args } = parseArgs({
  options: {
    messages: { type: "string", default: "1000000" },
    runs: { type: "string", default: "20" },
    port: { type: "string", default: String(8870 + Number(process.env.ECHO_PORT_OFFSET ?? 0)) },
  },
});
const MESSAGES = Number(args.messages);
const RUNS = Number(args.runs);
const PORT = Number(args.port);
const CONVERSATIONS = Math.max(1, Math.floor(MESSAGES / 10));
const DAY = 86_400_000;

const persist = mkdtempSync(join(tmpdir(), "echo-bench-analytics-"));
const sqlite = (db, sql) => {
  const r = spawnSync("sqlite3", [db], { input: sql, encoding: "utf8", maxBuffer: 1 << 26 });
  if (r.status !== 0) throw new Error(`sqlite3: ${r.stderr}`);
  return r.stdout.trim();
};
function d1File() {
  const dir = join(persist, "v3/d1/miniflare-D1DatabaseObject");
  const f = readdirSync(dir).find((n) => n.endsWith(".sqlite") && n !== "metadata.sqlite");
  if (!f) throw new Error(`no D1 file under ${dir}`);
  return join(dir, f);
}

let server = await startLocal({ port: PORT, persistTo: persist, quiet: true });
if (!server.demo) throw new Error("the local server seeded no demo tenant");
const botId = server.demo.botId;
await server.stop();
const db = d1File();
const [tenantId] = sqlite(db, `SELECT tenant_id FROM bots WHERE id = '${botId}';`).split("\n");
const userId = sqlite(db, `SELECT user_id FROM memberships WHERE tenant_id = '${tenantId}' LIMIT 1;`) || "usr_bench";
const now = Date.now();
console.log(`seeding ${CONVERSATIONS} conversations, ${CONVERSATIONS * 10} messages into ${db}`);
const t0 = performance.now();
// conversation i opens at `start`, spread over 30 days; every 3rd is handed off, every 5th rated
sqlite(
  db,
  `
PRAGMA journal_mode = WAL;
BEGIN;
CREATE TEMP TABLE c AS WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i + 1 < ${CONVERSATIONS})
  SELECT i, 'conv_bench' || printf('%010d', i) AS id, ${now} - (i * 2654435761 % ${30 * DAY}) AS start FROM n;
INSERT INTO conversations (id, tenant_id, bot_id, channel, status, mode, visitor, message_count, meta, created_at, updated_at)
  SELECT id, '${tenantId}', '${botId}', CASE WHEN i % 10 = 0 THEN 'voice' ELSE 'chat' END, 'closed', 'closed', '{}', 10, '{}', start, start + 600000 FROM c;
INSERT INTO messages (id, tenant_id, conversation_id, seq, role, text, internal, created_at)
  SELECT 'msg_bench' || printf('%010d', c.i) || printf('%02d', s.k), '${tenantId}', c.id, s.k + 1,
    CASE WHEN s.k = 9 THEN 'agent' WHEN s.k % 2 = 0 THEN 'visitor' ELSE 'ai' END,
    'How do I export my notes number ' || (c.i % 50) || '?', 0, c.start + s.k * 20000
  FROM c, (WITH RECURSIVE k(k) AS (SELECT 0 UNION ALL SELECT k + 1 FROM k WHERE k < 9) SELECT k FROM k) s;
INSERT INTO categories (id, tenant_id, name, created_at, updated_at)
  SELECT 'cat_bench_' || k, '${tenantId}', 'Bench ' || k, ${now}, ${now} FROM (SELECT 0 k UNION ALL SELECT 1 UNION ALL SELECT 2);
INSERT INTO conversation_triage (tenant_id, conversation_id, bot_id, category_id, first_visitor_text, frustration_last,
    frustration_trend, frustration_max, negative_streak, low_confidence_streak, visitor_messages, updated_at)
  SELECT '${tenantId}', id, '${botId}', CASE WHEN i % 2 = 0 THEN 'cat_bench_' || (i % 3) END,
    CASE i % 4 WHEN 0 THEN 'How do I export my notes number ' WHEN 1 THEN 'Where is my order ' WHEN 2 THEN 'Can I get a refund for invoice '
      ELSE 'Why does sync fail on device ' END || (i % 5000) || '?', 0, 0, 0, 0, 0, 5, start FROM c;
INSERT INTO conversation_events (id, tenant_id, conversation_id, bot_id, channel, kind, actor, actor_id, at, value_ms, data)
  SELECT id || ':opened', '${tenantId}', id, '${botId}', CASE WHEN i % 10 = 0 THEN 'voice' ELSE 'chat' END, 'opened', 'visitor', NULL, start, 0, NULL FROM c;
INSERT INTO conversation_events (id, tenant_id, conversation_id, bot_id, channel, kind, actor, actor_id, at, value_ms, data)
  SELECT c.id || ':ai:' || s.k, '${tenantId}', c.id, '${botId}', 'chat', 'ai_answered', 'ai', NULL, c.start + (2 * s.k + 1) * 20000, NULL,
    json_object('confidence', 0.8, 'abstained', json(CASE WHEN c.i % 3 = 0 AND s.k = 3 THEN 'true' ELSE 'false' END),
      'question', 'How do I export my notes number ' || (c.i % 50) || '?')
  FROM c, (SELECT 0 k UNION ALL SELECT 1 UNION ALL SELECT 2 UNION ALL SELECT 3) s;
INSERT INTO conversation_events (id, tenant_id, conversation_id, bot_id, channel, kind, actor, actor_id, at, value_ms, data)
  SELECT id || ':' || k.kind, '${tenantId}', id, '${botId}', 'chat', k.kind, 'agent', '${userId}', start + k.off, k.val,
    CASE k.kind WHEN 'handed_off' THEN json_object('reason', 'low_confidence', 'question', 'How do I export my notes number ' || (i % 5000) || '?')
      WHEN 'resolved' THEN json_object('by', 'agent', 'reason', 'closed') ELSE NULL END
  FROM c, (SELECT 'handed_off' kind, 160000 off, NULL val UNION ALL SELECT 'agent_joined', 220000, 60000
    UNION ALL SELECT 'agent_first_reply', 340000, 180000 UNION ALL SELECT 'agent_reply', 340000, 180000
    UNION ALL SELECT 'resolved', 600000, 600000) k
  WHERE i % 3 = 0;
INSERT INTO conversation_events (id, tenant_id, conversation_id, bot_id, channel, kind, actor, actor_id, at, value_ms, data)
  SELECT id || ':rated:1', '${tenantId}', id, '${botId}', 'chat', 'rated', 'visitor', NULL, start + 700000, NULL, json_object('score', 1 + i % 5)
  FROM c WHERE i % 5 = 0;
COMMIT;
`,
);
const counts = sqlite(
  db,
  `SELECT (SELECT count(*) FROM messages WHERE tenant_id = '${tenantId}'), (SELECT count(*) FROM conversation_events WHERE tenant_id = '${tenantId}'),
     (SELECT count(*) FROM analytics_rollup WHERE tenant_id = '${tenantId}'), (SELECT count(*) FROM analytics_rollup_day WHERE tenant_id = '${tenantId}');`,
);
console.log(
  `seeded in ${((performance.now() - t0) / 1000).toFixed(1)} s (rollups built by the triggers as events were inserted): messages|events|quarter-hour rollup rows|day rollup rows = ${counts}`,
);

server = await startLocal({ port: PORT, persistTo: persist, quiet: !process.env.BENCH_VERBOSE, seed: false });
const login = await fetch(`${server.origin}/api/auth/login`, {
  method: "POST",
  headers: { "content-type": "application/json" },
  body: JSON.stringify({ email: DEMO.email, password: DEMO.password }),
});
const token = (await login.json()).accessToken;
const today = new Date(now).toISOString().slice(0, 10);
const from = new Date(now - 29 * DAY).toISOString().slice(0, 10);
const week = new Date(now - 6 * DAY).toISOString().slice(0, 10);
/** @type {([string, string] | [() => Promise<void>])[]} */
const reports = [
  ["baseline: GET /api/account (auth, one read)", "/api/account"],
  ["summary, 30 days", `/api/analytics/summary?from=${from}&to=${today}`],
  ["summary, 7 days", `/api/analytics/summary?from=${week}&to=${today}`],
  ["summary, 30 days, Asia/Kolkata (UTC+5:30)", `/api/analytics/summary?from=${from}&to=${today}&tz=Asia/Kolkata`],
  ["summary, 30 days, one bot, chat", `/api/analytics/summary?from=${from}&to=${today}&botId=${botId}&channel=chat`],
  ["timeseries conversations/day, 30 days", `/api/analytics/timeseries?metric=conversations&from=${from}&to=${today}`],
  [
    "timeseries first_response_p50/week",
    `/api/analytics/timeseries?metric=first_response_p50&interval=week&from=${from}&to=${today}`,
  ],
  ["questions, 7 days", `/api/analytics/questions?from=${week}&to=${today}`],
  ["questions, 30 days", `/api/analytics/questions?from=${from}&to=${today}`],
];
const pct = (xs, p) => xs[Math.max(0, Math.ceil(p * xs.length) - 1)];
const authed = (path, init = {}) =>
  fetch(`${server.origin}${path}`, {
    ...init,
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers },
  });
// then the same summaries with business hours set (Mon–Fri 09:00–17:00, Berlin): their twins read
// the duration events (a sample past 2,000 per kind) instead of the histograms
const setHours = async () => {
  const intervals = ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, start: "09:00", end: "17:00" }));
  const r = await authed("/api/settings/business-hours", {
    method: "PUT",
    body: JSON.stringify({ timezone: "Europe/Berlin", intervals, holidays: [] }),
  });
  if (r.status !== 200) throw new Error(`business hours: ${r.status} ${await r.text()}`);
};
reports.push(
  [setHours],
  ["summary, 30 days, business hours set", `/api/analytics/summary?from=${from}&to=${today}`],
  ["summary, 7 days, business hours set", `/api/analytics/summary?from=${week}&to=${today}`],
);
console.log(`\n${CONVERSATIONS * 10} messages, ${RUNS} runs each (after one warm-up), local wrangler dev:`);
try {
  for (const [label, path] of reports) {
    if (typeof label === "function") {
      await label();
      continue;
    }
    const times = [];
    for (let i = 0; i <= RUNS; i++) {
      const t = performance.now();
      const r = await authed(path);
      await r.text();
      if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
      if (i > 0) times.push(performance.now() - t);
    }
    times.sort((a, b) => a - b);
    console.log(
      `  ${String(label).padEnd(42)} p50 ${pct(times, 0.5).toFixed(0).padStart(6)} ms   p95 ${pct(times, 0.95).toFixed(0).padStart(6)} ms`,
    );
  }
} finally {
  await server.stop();
  rmSync(persist, { recursive: true, force: true });
}
