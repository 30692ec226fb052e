// Starts Echo locally exactly as `npm start` does: local D1 migrations, `wrangler dev` on
// 127.0.0.1, then the idempotent demo seed through the public API. Used by `npm start`, the
// browser tests and the benchmarks, so all three exercise the same path.
import { spawn, spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from "node:fs";
import { connect } from "node:net";
import { seedDemo } from "./seed.mjs";
import { ensureDevVars } from "./dev-vars.mjs";

const WRANGLER = new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;

/**
 * Keeps wrangler on this machine: no `request.cf` download from workers.cloudflare.com (a built-in
 * fallback is used), no usage metrics, no update check.
 *
 * It also turns off wrangler dev's local trace store unless the environment sets
 * X_LOCAL_OBSERVABILITY=true (then traces show in wrangler's local explorer). That store is on by
 * default (`[observability] enabled` in wrangler.toml): it tails the Worker and writes every span
 * (each D1 statement, each Durable Object call) to a SQLite file, with fsyncs, on the workerd thread
 * that runs Echo. `npm run bench:chat -- --realistic` (issue 14), runs alternated: 52.7 and 62.8 AI
 * turns/s and 371 and 418 plain chat msg/s with it on; 71.4 and 86.8, 658 and 647 with it off.
 * Production is unaffected: Workers Logs are collected outside the isolate.
 */
export const OFFLINE_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
  X_LOCAL_OBSERVABILITY: process.env.X_LOCAL_OBSERVABILITY === "true" ? "true" : "false",
};

/**
 * Variables `npm start` (and everything else that starts Echo through startLocal) hands from its own
 * environment to the Worker, as `wrangler dev --var NAME:VALUE`. This is the one list; a name set
 * neither in the environment nor in `.dev.vars` is not passed, and the Worker's default applies.
 * `.dev.vars` holds APP_SECRET and MASTER_KEY; because wrangler.toml declares `[secrets] required`,
 * wrangler dev reads only those from it, so the names below are also taken from `.dev.vars` when the
 * environment lacks them (e.g. MASTER_KEY_PREVIOUS while rehearsing a rotation).
 */
export const PASS_THROUGH_VARS = [
  // answers: "offline" (default), "openai" or "workers-ai", and the server-wide OpenAI settings
  "ANSWER_PROVIDER",
  "OPENAI_API_KEY",
  "OPENAI_BASE_URL",
  "OPENAI_MODEL",
  // bots' native providers: the Anthropic and Gemini API origins (local fakes in tests)
  "ANTHROPIC_API_BASE",
  "GEMINI_API_BASE",
  // billing
  "STRIPE_SECRET_KEY",
  "STRIPE_WEBHOOK_SECRET",
  "STRIPE_API_BASE",
  // channels and integrations: provider API origins, pointed at local fakes in tests
  "WHATSAPP_API_BASE",
  "WHATSAPP_API_VERSION",
  // the email channel: workspaces receive mail at <slug>@EMAIL_INBOUND_DOMAIN
  "EMAIL_INBOUND_DOMAIN",
  "SHOPIFY_API_BASE",
  "SHOPIFY_API_KEY",
  "SHOPIFY_API_SECRET",
  // how long an answer-cache entry is served (seconds; default one day)
  "ANSWER_CACHE_TTL_SECONDS",
  // days between DELETE /api/workspace and the purge (default 7)
  "WORKSPACE_DELETION_GRACE_DAYS",
  "RETRIEVAL_INDEX",
  // the one switch that lets the Worker fetch loopback/private addresses (tests against local servers)
  "ALLOW_PRIVATE_EGRESS",
  // MASTER_KEY rotation (see README): the new key's version and the previous key beside it
  "MASTER_KEY_VERSION",
  "MASTER_KEY_PREVIOUS",
  "MASTER_KEY_PREVIOUS_VERSION",
];

/** `--var NAME:VALUE` arguments for PASS_THROUGH_VARS (wrangler splits on the first colon). */
export function passThroughArgs(env = process.env, devVars = {}) {
  const args = [];
  for (const name of PASS_THROUGH_VARS) {
    const value = env[name] ?? devVars[name];
    if (value !== undefined && value !== "") args.push("--var", `${name}:${value}`);
  }
  return args;
}

export async function waitForHealth(origin, timeoutMs = 90_000, child) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (child && child.exitCode !== null) throw new Error(`wrangler dev exited with ${child.exitCode}`);
    try {
      const r = await fetch(`${origin}/health`);
      if (r.ok) return;
    } catch {}
    await new Promise((r) => setTimeout(r, 250));
  }
  throw new Error(`${origin}/health did not answer within ${timeoutMs} ms`);
}

/** Whether something accepts TCP connections on 127.0.0.1:`port`. */
export function portInUse(port) {
  return new Promise((resolve) => {
    const sock = connect({ host: "127.0.0.1", port });
    sock.once("connect", () => {
      sock.destroy();
      resolve(true);
    });
    sock.once("error", () => resolve(false));
  });
}

/**
 * Refuses a port that already answers. Without this, a server left running by an earlier run (one
 * whose suite failed before it could stop it) answered /health in place of the new one, which could
 * not bind: the new run then tested the old server and its old data (e.g. its waiting conversations).
 */
export async function assertPortFree(port) {
  if (await portInUse(port))
    throw new Error(
      `port ${port} is already in use (a server left from an earlier run? find it with \`ss -ltnp | grep :${port}\`, stop it, or set ECHO_PORT_OFFSET)`,
    );
}

/**
 * `vars`: PASS_THROUGH_VARS for this server on top of the environment (a test pointing the Worker at
 * its local Stripe or store server), as `npm start` passes them from its own environment.
 * @param {{port?: number, persistTo?: string, quiet?: boolean, seed?: boolean, vars?: Record<string, string>}} opts
 * @returns {Promise<{origin: string, demo: {email: string, password: string, botKey: string, botId: string, token: string} | null, child: import("node:child_process").ChildProcess, stop: () => Promise<void>, output: () => string}>}
 */
export async function startLocal({ port = 8787, persistTo, quiet = false, seed = true, vars = {} } = {}) {
  await assertPortFree(port);
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  // a fresh clone has no .dev.vars: create it with random secrets before wrangler dev reads it
  const devVars = ensureDevVars();
  // a fresh store (the tests' and benches' temporary dirs) starts from a copy of a migrated one
  if (persistTo && isEmptyDir(persistTo)) cpSync(migratedTemplate(quiet), persistTo, { recursive: true });
  else migrate(persist, quiet);
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--show-interactive-dev-session=false",
      "--inspector-port",
      process.env.ECHO_INSPECTOR_PORT ?? "0",
      ...persist,
      ...passThroughArgs({ ...process.env, ...vars }, devVars),
    ],
    {
      stdio: quiet ? ["ignore", "pipe", "pipe"] : ["ignore", "inherit", "inherit"],
      env: { ...process.env, ...OFFLINE_ENV, BROWSER: "none" },
    },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(origin, 120_000, child);
  } catch (err) {
    child.kill("SIGTERM");
    throw new Error(`${/** @type {Error} */ (err).message}\n${output.slice(-4000)}`);
  }
  const demo = seed ? await seedDemo(origin) : null;
  const stop = () =>
    /** @type {Promise<void>} */ (
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      })
    );
  return { origin, demo, child, stop, output: () => output };
}

/** Applies the D1 migrations to a local store (`wrangler d1 migrations apply --local`). */
function migrate(persist, quiet) {
  const mig = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", ...persist], {
    stdio: quiet ? "pipe" : "inherit",
    env: { ...process.env, ...OFFLINE_ENV, CI: "1" },
  });
  if (mig.status !== 0) throw new Error(`migrations failed: ${mig.stderr?.toString() ?? ""}`);
}

const isEmptyDir = (dir) => !existsSync(dir) || readdirSync(dir).length === 0;

/**
 * A local store with every migration applied, made once per set of migrations and wrangler version
 * (under node_modules/.cache) and copied into each fresh store. Applying the migrations is a
 * wrangler run of about 11 s here, and the browser tests start about thirty fresh servers; the copy
 * is the same SQLite the migrations wrote. Built in a temporary dir and renamed into place, so
 * concurrent starts never see half a template.
 */
function migratedTemplate(quiet) {
  const root = new URL("..", import.meta.url).pathname;
  const hash = createHash("sha256");
  hash.update(JSON.parse(readFileSync(`${root}node_modules/wrangler/package.json`, "utf8")).version);
  hash.update(readFileSync(`${root}wrangler.toml`));
  const dir = `${root}migrations`;
  for (const f of readdirSync(dir).sort()) hash.update(f).update(readFileSync(`${dir}/${f}`));
  const cache = `${root}node_modules/.cache/echo-migrated-store`;
  const target = `${cache}/${hash.digest("hex").slice(0, 16)}`;
  // the target only ever appears whole (renamed from a finished temporary dir)
  if (existsSync(target)) return target;
  mkdirSync(cache, { recursive: true });
  const tmp = mkdtempSync(`${cache}/tmp-`);
  migrate(["--persist-to", tmp], quiet);
  try {
    renameSync(tmp, target);
  } catch {
    // another start made it first
    rmSync(tmp, { recursive: true, force: true });
  }
  return target;
}

export async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = /** @type {import("node:net").AddressInfo} */ (srv.address());
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}
