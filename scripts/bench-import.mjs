// `npm run bench:import -- [--conversations 10000] [--days 60] [--port 8935]`
//
// Starts a fresh local Echo (scripts/local-server.mjs, the `npm start` path, demo tenant seeded),
// generates a deterministic CSV of past conversations (seeded PRNG; times on whole minutes over the
// `--days` days before today UTC, so the same day gives the same bytes): 3 messages each on average
// (visitor question; an AI or agent answer; sometimes a visitor follow-up and an agent reply), four
// channels, quoted fields with commas, quotes and line breaks. It imports the file in one
// `POST /api/imports?type=conversations` (multipart, as a person would), prints the time, rows/s and
// MB, then reads `GET /api/analytics/summary` for the range before and after and prints what the
// import added (conversations, by channel, agent and AI messages, resolutions). A second import of
// the same file shows it is idempotent (every conversation skipped, analytics unchanged).
// Figures only; nothing here asserts a time, but it exits non-zero when the analytics do not show
// the imported conversations.
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { mulberry32 } from "./knowledge-lib.mjs";
import { startLocal } from "./local-server.mjs";

const { values: args } = parseArgs({
  options: {
    conversations: { type: "string", default: "10000" },
    days: { type: "string", default: "60" },
    port: { type: "string", default: String(8935 + Number(process.env.ECHO_PORT_OFFSET ?? 0)) },
  },
});
const CONVERSATIONS = Number(args.conversations);
const DAYS = Number(args.days);
const PORT = Number(args.port);
const DAY = 86_400_000;

const QUESTIONS = [
  "How do I reset my password?",
  "Can I export my notes to PDF, or only to Markdown?",
  'The app says "sync failed" on my phone. What should I do?',
  "Where is my invoice for last month?",
  "Do you offer a discount for students?",
  "I was charged twice, can you check?",
  "How do I share a notebook with my team?",
  "Is there a dark mode?\nI work late and the white screen hurts.",
];
const ANSWERS = [
  "You can reset it from Settings > Account > Password; a link is emailed to you.",
  'Open the note, choose "Export", then pick PDF, Markdown or HTML.',
  "Sign out and back in, then pull to refresh; if it persists, send us the log.",
  "Invoices are under Billing > Invoices, one per month.",
  "Yes, 50 % off with a school email address.",
  "Sorry about that! I have refunded the duplicate charge; it shows in 3-5 days.",
];
const NAMES = ["Ada", "Grace", "Linus", "Margaret", "Ken", "Barbara", "Dennis", "Frances"];
const CHANNELS = ["chat", "chat", "chat", "chat", "chat", "chat", "email", "email", "whatsapp", "voice"];
const cell = (v) => (/[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);

/** The CSV, its message count and conversations per channel. */
function generate(n, days) {
  const rand = mulberry32(20_260_020); // the same CSV on every run of a day
  const pick = (xs) => xs[Math.floor(rand() * xs.length)];
  const end = Math.floor(Date.now() / DAY) * DAY; // today 00:00 UTC: the range ends yesterday
  const lines = ["conversation_id,created_at,role,text,channel,visitor_name,visitor_email,author_name"];
  const byChannel = {};
  let messages = 0;
  for (let i = 0; i < n; i++) {
    const id = `legacy-${String(i + 1).padStart(6, "0")}`;
    const channel = pick(CHANNELS);
    byChannel[channel] = (byChannel[channel] ?? 0) + 1;
    const name = pick(NAMES);
    const email = `${name.toLowerCase()}.${i}@customers.example`;
    let at = end - days * DAY + Math.floor((rand() * (days * DAY - 3 * 3_600_000)) / 60_000) * 60_000;
    const rows = [["visitor", pick(QUESTIONS), ""]];
    const human = rand() < 0.5;
    rows.push([human ? "agent" : "ai", pick(ANSWERS), human ? "Sam Support" : ""]);
    const more = rand();
    if (more < 0.6) rows.push(["visitor", "Thanks, that worked!", ""]);
    else if (more < 0.8)
      rows.push(["visitor", "That did not help, can a person look?", ""], ["agent", pick(ANSWERS), "Sam Support"]);
    for (const [role, text, author] of rows) {
      at += 60_000 + Math.floor(rand() * 20) * 60_000;
      lines.push([id, new Date(at).toISOString(), role, text, channel, name, email, author].map(cell).join(","));
      messages++;
    }
  }
  return { csv: `${lines.join("\r\n")}\r\n`, messages, byChannel, from: end - days * DAY, to: end - DAY };
}

const persist = mkdtempSync(join(tmpdir(), "echo-bench-import-"));
const server = await startLocal({ port: PORT, persistTo: persist, quiet: !process.env.BENCH_VERBOSE });
try {
  if (!server.demo) throw new Error("the local server seeded no demo tenant");
  const token = server.demo.token;
  const authed = (path, init = {}) =>
    fetch(`${server.origin}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, ...init.headers } });
  const t0 = performance.now();
  const gen = generate(CONVERSATIONS, DAYS);
  const genMs = performance.now() - t0;
  const bytes = Buffer.byteLength(gen.csv);
  const mb = bytes / 1e6;
  const day = (ms) => new Date(ms).toISOString().slice(0, 10);
  const summaryPath = `/api/analytics/summary?from=${day(gen.from)}&to=${day(gen.to)}&tz=UTC`;
  const summary = async () => {
    const r = await authed(summaryPath);
    if (r.status !== 200) throw new Error(`${summaryPath}: ${r.status} ${await r.text()}`);
    return r.json();
  };
  const importOnce = async () => {
    const form = new FormData();
    form.set("file", new Blob([gen.csv], { type: "text/csv" }), "conversations.csv");
    const t = performance.now();
    const r = await authed("/api/imports?type=conversations", { method: "POST", body: form });
    const body = await r.json();
    const ms = performance.now() - t;
    if (r.status !== 200) throw new Error(`import: ${r.status} ${JSON.stringify(body).slice(0, 500)}`);
    return { ms, body };
  };
  console.log(
    `CSV: ${CONVERSATIONS} conversations, ${gen.messages} messages, ${mb.toFixed(2)} MB over ${day(gen.from)}..${day(gen.to)} (generated in ${genMs.toFixed(0)} ms)`,
  );
  const before = await summary();
  const first = await importOnce();
  const after = await summary();
  const again = await importOnce();
  const afterAgain = await summary();
  const rows = first.body.rows;
  const s = first.ms / 1000;
  console.log(
    `import: ${rows} rows in ${s.toFixed(1)} s = ${(rows / s).toFixed(0)} rows/s, ${(CONVERSATIONS / s).toFixed(0)} conversations/s, ${(mb / s).toFixed(3)} MB/s; report ${JSON.stringify(first.body.conversations)}, messages ${first.body.messages}`,
  );
  console.log(
    `re-import: ${(again.ms / 1000).toFixed(1)} s, report ${JSON.stringify(again.body.conversations)}, messages ${again.body.messages}`,
  );
  const delta = (f) => f(after) - f(before);
  const channels = Object.keys(gen.byChannel).sort();
  const byChannel = channels.map((c) => `${c} ${delta((x) => x.volume.byChannel[c] ?? 0)}/${gen.byChannel[c]}`);
  console.log(
    `analytics ${summaryPath}: conversations ${before.conversations} → ${after.conversations} (+${delta((x) => x.conversations)}); by channel (added/in CSV) ${byChannel.join(", ")}; agent messages +${delta((x) => x.messages.agent)}, AI messages +${delta((x) => x.messages.ai)}, resolutions +${delta((x) => x.resolutions.total)}; after the re-import ${afterAgain.conversations}`,
  );
  const shown =
    delta((x) => x.conversations) === CONVERSATIONS &&
    afterAgain.conversations === after.conversations &&
    channels.every((c) => delta((x) => x.volume.byChannel[c] ?? 0) === gen.byChannel[c]);
  console.log(
    `RESULT bench:import conversations=${CONVERSATIONS} messages=${gen.messages} mb=${mb.toFixed(2)} seconds=${s.toFixed(1)} rows_per_s=${(rows / s).toFixed(0)} analytics_added=${delta((x) => x.conversations)} reimport_skipped=${again.body.conversations.skipped} shown=${shown}`,
  );
  if (!shown) process.exitCode = 1;
} finally {
  await server.stop();
  rmSync(persist, { recursive: true, force: true });
}
