// Starts the bench:chat yardstick, the bare Durable Object echo room in ./echo-room (its own Worker
// and wrangler.toml, never part of the product Worker), with `wrangler dev` on 127.0.0.1:`port`.
import { spawn } from "node:child_process";
import { mkdtempSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { assertPortFree, OFFLINE_ENV, waitForHealth } from "../local-server.mjs";

const WRANGLER = new URL("../../node_modules/wrangler/bin/wrangler.js", import.meta.url).pathname;
const CONFIG = new URL("./echo-room/wrangler.toml", import.meta.url).pathname;

/** @param {{ port: number }} opts */
export async function startEchoRoom({ port }) {
  await assertPortFree(port);
  const persistTo = mkdtempSync(join(tmpdir(), "echo-bench-room-"));
  const child = spawn(
    process.execPath,
    [
      WRANGLER,
      "dev",
      "--config",
      CONFIG,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--show-interactive-dev-session=false",
      "--inspector-port",
      "0",
      "--persist-to",
      persistTo,
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, ...OFFLINE_ENV, BROWSER: "none" } },
  );
  let output = "";
  child.stdout?.on("data", (d) => (output += d));
  child.stderr?.on("data", (d) => (output += d));
  const origin = `http://127.0.0.1:${port}`;
  try {
    await waitForHealth(origin, 120_000, child);
  } catch (err) {
    child.kill("SIGTERM");
    throw new Error(`echo room: ${/** @type {Error} */ (err).message}\n${output.slice(-2000)}`);
  }
  const stop = () =>
    /** @type {Promise<void>} */ (
      new Promise((resolve) => {
        if (child.exitCode !== null) return resolve();
        child.once("exit", () => resolve());
        child.kill("SIGTERM");
        setTimeout(() => child.kill("SIGKILL"), 5000).unref();
      })
    );
  return { origin, stop, child };
}
