// Starts Echo locally exactly as `npm start` does: local D1 migrations, `wrangler dev` on
// 127.0.0.1, then the idempotent demo seed through the public API. Used by `npm start`, the
// browser tests and the benchmarks, so all three exercise the same path.
import { spawn, spawnSync } from "node:child_process";
import { seedDemo } from "./seed.mjs";

const WRANGLER = new URL("../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;

/**
 * Keeps wrangler on this machine: no `request.cf` download from workers.cloudflare.com (a built-in
 * fallback is used), no usage metrics, no update check.
 */
export const OFFLINE_ENV = {
  CLOUDFLARE_CF_FETCH_ENABLED: "false",
  WRANGLER_SEND_METRICS: "false",
  WRANGLER_HIDE_BANNER: "true",
};

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

/**
 * @param {{port?: number, persistTo?: string, quiet?: boolean, seed?: boolean}} opts
 * @returns {Promise<{origin: string, demo: {email: string, password: string, botKey: string, botId: string} | null, child: import("node:child_process").ChildProcess, stop: () => Promise<void>}>}
 */
export async function startLocal({ port = 8787, persistTo, quiet = false, seed = true } = {}) {
  const persist = persistTo ? ["--persist-to", persistTo] : [];
  const mig = spawnSync(process.execPath, [WRANGLER, "d1", "migrations", "apply", "DB", "--local", ...persist], {
    stdio: quiet ? "pipe" : "inherit",
    env: { ...process.env, ...OFFLINE_ENV, CI: "1" },
  });
  if (mig.status !== 0) throw new Error(`migrations failed: ${mig.stderr?.toString() ?? ""}`);
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
      "0",
      ...persist,
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
    throw new Error(`${err.message}\n${output.slice(-4000)}`);
  }
  const demo = seed ? await seedDemo(origin) : null;
  const stop = () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5000).unref();
    });
  return { origin, demo, child, stop, output: () => output };
}

export async function freePort() {
  const net = await import("node:net");
  return new Promise((resolve, reject) => {
    const srv = net.createServer();
    srv.listen(0, "127.0.0.1", () => {
      const { port } = srv.address();
      srv.close(() => resolve(port));
    });
    srv.on("error", reject);
  });
}
