import { cloudflareTest, readD1Migrations } from "@cloudflare/vitest-plugin";
import { defineConfig } from "vitest/config";
import { ensureDevVars } from "./scripts/dev-vars.mjs";
import { weakSecrets } from "./workers/lib/secret-strength";

// Two projects: "workers" runs inside workerd with real D1, R2, Queues and Durable Objects from
// wrangler.toml; "browser" drives Debian's Chromium through playwright-core against a local server.
// miniflare inside the workers pool would otherwise download `request.cf` data from
// workers.cloudflare.com; tests stay on this machine (children such as wrangler dev inherit this)
process.env.CLOUDFLARE_CF_FETCH_ENABLED = "false";
process.env.WRANGLER_SEND_METRICS = "false";

// Secrets come from the gitignored .dev.vars (created with random values when missing), handed to
// the workers pool explicitly so the tests never depend on how the plugin reads env files.
const devVars = ensureDevVars();
const weak = weakSecrets({ APP_SECRET: devVars.APP_SECRET, MASTER_KEY: devVars.MASTER_KEY });
if (weak.length > 0)
  throw new Error(`.dev.vars holds weak secrets (${weak.join(", ")}): delete it and a random one is made`);

export default defineConfig(async () => {
  const migrations = await readD1Migrations("./migrations");
  // Files that load the Anthropic SDK run in a project (and so a workers runtime) of their own: with
  // the SDK's modules in the graph, the pool's runner socket broke on the next file (workerd 1009
  // "Message is too large", then every later file failed to start).
  const SDK_FILES = ["workers/providers/answer/native.test.ts"];
  const workers = (name: string, include: string[], exclude: string[] = []) => ({
    plugins: [
      cloudflareTest({
        wrangler: { configPath: "./wrangler.toml" },
        miniflare: {
          bindings: {
            TEST_MIGRATIONS: migrations,
            APP_SECRET: devVars.APP_SECRET!,
            MASTER_KEY: devVars.MASTER_KEY!,
            // the WhatsApp channel's tests answer this host in-process (egress transport)
            WHATSAPP_API_BASE: "https://graph.whatsapp.test",
            // bots' Anthropic and Gemini links: answered in-process too (providers/answer/native.test.ts)
            ANTHROPIC_API_BASE: "https://api.anthropic.test",
            GEMINI_API_BASE: "https://gemini.googleapis.test",
          },
        },
      }),
    ],
    test: {
      name,
      // logs of passing tests are noise; a failing test still prints its logs
      silent: "passed-only",
      include,
      exclude,
      // a timeout is a safety net against a hang, not a speed check: a loaded machine must not
      // fail a correct test (vitest's default is 5 s)
      testTimeout: 60_000,
      hookTimeout: 60_000,
      setupFiles: ["./workers/test/apply-migrations.ts"],
    },
  });
  return {
    test: {
      projects: [
        workers("workers", ["workers/**/*.test.ts"], SDK_FILES),
        workers("workers-sdk", SDK_FILES),
        {
          test: {
            name: "browser",
            include: ["e2e/**/*.test.ts"],
            environment: "node",
            testTimeout: 120_000,
            hookTimeout: 180_000,
            fileParallelism: false,
          },
        },
      ],
    },
  };
});
