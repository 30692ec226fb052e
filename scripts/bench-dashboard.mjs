// `npm run bench:dashboard`: prints the gzipped size of the dashboard's JS and CSS, then the inbox's
// time to interactive in headless Chromium against the local server (scripts/local-server.mjs,
// the `npm start` path). "Interactive" is the app's own performance mark `echo:inbox-interactive`:
// the first conversation list is rendered and the live inbox socket is open, so it includes
// downloading and running the bundle, the silent session refresh, the list request and the socket.
// Figures only; nothing here asserts a time.
import { spawnSync } from "node:child_process";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { loadavg, tmpdir } from "node:os";
import { join } from "node:path";
import { brotliCompressSync, gzipSync } from "node:zlib";
import { chromium } from "playwright-core";
import { startLocal } from "./local-server.mjs";

const root = new URL("..", import.meta.url).pathname;
const PORT = Number(process.env.BENCH_PORT ?? 8842);
const RUNS = Number(process.env.BENCH_RUNS ?? 10);
const CONVERSATIONS = Number(process.env.BENCH_CONVERSATIONS ?? 30);

const build = spawnSync(process.execPath, [join(root, "dashboard/build.mjs")], { stdio: "inherit" });
if (build.status !== 0) process.exit(build.status ?? 1);
const manifest = JSON.parse(readFileSync(join(root, "dist/dashboard-manifest.json"), "utf8"));

const kib = (n) => `${(n / 1024).toFixed(1)} KiB`;
console.log("\nDashboard bundle (what /app loads):");
// each file is compressed on its own, as a server sends it
const sizes = (files) =>
  files.reduce(
    (a, f) => {
      const bytes = readFileSync(join(root, "dist/public", f));
      return {
        raw: a.raw + bytes.length,
        gz: a.gz + gzipSync(bytes, { level: 9 }).length,
        br: a.br + brotliCompressSync(bytes).length,
      };
    },
    { raw: 0, gz: 0, br: 0 },
  );
for (const [label, files] of [
  [`JS  first screen (${manifest.initial.length} files: entry + shared chunks)`, manifest.initial],
  ["CSS", [manifest.css]],
  [`JS  other screens, loaded on first visit (${manifest.lazy.length} files)`, manifest.lazy],
]) {
  const s = sizes(files);
  console.log(`  ${label}: ${kib(s.raw)} raw, ${kib(s.gz)} gzip, ${kib(s.br)} brotli`);
}

const persistTo = mkdtempSync(join(tmpdir(), "echo-dash-bench-"));
const server = await startLocal({ port: PORT, persistTo, quiet: true });
const { origin } = server;
// seeded (startLocal seeds unless told not to)
const demo = /** @type {NonNullable<typeof server.demo>} */ (server.demo);
let browser;
try {
  // a realistic inbox: conversations started through the widget protocol, each with a message
  for (let i = 0; i < CONVERSATIONS; i++) {
    const r = await fetch(`${origin}/api/widget/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ botKey: demo.botKey, visitor: { name: `Bench visitor ${i + 1}` } }),
    });
    const s = await r.json();
    if (!r.ok) throw new Error(`widget session failed: ${r.status} ${JSON.stringify(s)}`);
    const ws = new WebSocket(s.wsUrl);
    await new Promise((res, rej) => ((ws.onopen = res), (ws.onerror = () => rej(new Error("visitor socket failed")))));
    ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
    ws.send(JSON.stringify({ type: "msg", cid: `bench-${i}`, text: `Question number ${i + 1} about my account` }));
    await new Promise((res) =>
      ws.addEventListener("message", (e) => String(e.data).includes(`bench-${i}`) && res(undefined)),
    );
    ws.close();
  }

  browser = await chromium.launch({
    executablePath: process.env.CHROMIUM_PATH ?? "/usr/bin/chromium",
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
  // one sign-in (logins are rate limited per email), then each run hands the rotated refresh token
  // on to the next: refresh tokens work once and a replayed one revokes its family
  const login = await fetch(`${origin}/api/auth/login`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email: demo.email, password: demo.password }),
  });
  const s = await login.json();
  if (!login.ok) throw new Error(`login failed: ${login.status} ${JSON.stringify(s)}`);
  let stored = JSON.stringify({ refreshToken: s.refreshToken, user: s.user, tenant: s.tenant, role: s.role });
  const measure = async (cold) => {
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    // only when absent: a reload must keep the rotated token, replaying the old one signs out
    await context.addInitScript(
      (v) => localStorage.getItem("echo.session") || localStorage.setItem("echo.session", v),
      stored,
    );
    const page = await context.newPage();
    const logs = [];
    page.on("console", (m) => logs.push(`${m.type()}: ${m.text()}`));
    const interactive = () =>
      page
        .waitForFunction(() => performance.getEntriesByName("echo:inbox-interactive").length > 0, null, {
          timeout: 30_000,
        })
        .catch(async (err) => {
          throw new Error(
            `${err.message}\nat ${page.url()}\n${(await page.innerText("body")).slice(0, 500)}\n${logs.join("\n")}`,
          );
        });
    if (!cold) {
      await page.goto(`${origin}/app/inbox`);
      await interactive();
      await page.goto("about:blank");
    }
    await page.goto(`${origin}/app/inbox`);
    await interactive();
    const t = await page.evaluate(() => {
      const nav = /** @type {PerformanceNavigationTiming | undefined} */ (
        performance.getEntriesByType("navigation")[0]
      );
      const end = (part) =>
        /** @type {PerformanceResourceTiming | undefined} */ (
          performance.getEntriesByType("resource").find((r) => r.name.includes(part))
        )?.responseEnd ?? 0;
      return {
        tti: /** @type {PerformanceEntry} */ (performance.getEntriesByName("echo:inbox-interactive")[0]).startTime,
        dcl: nav?.domContentLoadedEventEnd ?? 0,
        refresh: end("/api/auth/refresh"),
        list: end("/api/conversations"),
        rows: document.querySelectorAll("li.conv").length,
      };
    });
    stored = await page.evaluate(() => localStorage.getItem("echo.session"));
    await context.close();
    return t;
  };
  const stats = (xs) => {
    const s = [...xs].sort((a, b) => a - b);
    const q = (p) => s[Math.min(s.length - 1, Math.floor(p * s.length))];
    return `median ${q(0.5).toFixed(0)} ms, p90 ${q(0.9).toFixed(0)} ms, min ${s[0].toFixed(0)} ms, max ${s[s.length - 1].toFixed(0)} ms`;
  };
  await measure(true); // warm the server's isolate and D1 once; not counted
  for (const cold of [true, false]) {
    const runs = [];
    for (let i = 0; i < RUNS; i++) runs.push(await measure(cold));
    console.log(
      `\nInbox time to interactive, ${cold ? "empty browser cache" : "warm browser cache"} (${RUNS} runs, ${runs[0].rows} conversations listed, 1280x800):`,
    );
    console.log(`  ${stats(runs.map((r) => r.tti))}`);
    console.log(`  where: DOMContentLoaded ${stats(runs.map((r) => r.dcl))}`);
    console.log(`         session refresh done ${stats(runs.map((r) => r.refresh))}`);
    console.log(`         first list done ${stats(runs.map((r) => r.list))}`);
  }
  console.log(
    `\nServer: wrangler dev (workerd) on ${origin}, local D1; Chromium ${browser.version()}; machine load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(" ")}.`,
  );
} finally {
  await browser?.close();
  await server.stop();
  rmSync(persistTo, { recursive: true, force: true });
}
