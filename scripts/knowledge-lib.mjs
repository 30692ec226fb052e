// Shared by the knowledge eval, bench and demo seed: a small client for Echo's public knowledge API
// (retries 429 with its retry-after, bounded concurrency) and a throwaway workspace with an sk_ key.

export { mulberry32 } from "../workers/lib/prng.mjs";

export function client(origin, token) {
  async function request(method, path, body, { okStatuses = [200, 201, 202, 204] } = {}) {
    for (let attempt = 0; ; attempt++) {
      const isForm = typeof FormData !== "undefined" && body instanceof FormData;
      const r = await fetch(`${origin}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body && !isForm ? { "content-type": "application/json" } : {}),
        },
        body: body ? (isForm ? body : JSON.stringify(body)) : undefined,
      });
      if (r.status === 429 && attempt < 30) {
        await sleep(1000 * Number(r.headers.get("retry-after") ?? 1));
        continue;
      }
      const text = await r.text();
      if (!okStatuses.includes(r.status)) throw new Error(`${method} ${path} -> ${r.status} ${text.slice(0, 500)}`);
      return text ? JSON.parse(text) : null;
    }
  }
  return {
    request,
    get: (path) => request("GET", path),
    post: (path, body) => request("POST", path, body),
    del: (path) => request("DELETE", path),
    /** Every source of the workspace (all pages). */
    async allSources() {
      const out = [];
      let before = "";
      for (;;) {
        const page = await request("GET", `/api/knowledge/sources?limit=200${before ? `&before=${before}` : ""}`);
        out.push(...page.data);
        if (!page.nextBefore) return out;
        before = page.nextBefore;
      }
    },
    /**
     * Polls until no source is queued or processing; returns the final list.
     * @param {{ timeoutMs?: number, onProgress?: (done: number, all: number) => void }} [opts]
     */
    async waitSettled({ timeoutMs = 30 * 60_000, onProgress } = {}) {
      const deadline = Date.now() + timeoutMs;
      for (;;) {
        const all = await this.allSources();
        const pending = all.filter((s) => s.status === "queued" || s.status === "processing").length;
        onProgress?.(all.length - pending, all.length);
        if (pending === 0) return all;
        if (Date.now() > deadline) throw new Error(`${pending} sources still pending after ${timeoutMs} ms`);
        await sleep(500);
      }
    },
  };
}

/** Signs up a fresh workspace and makes a server key with the given scopes. */
export async function makeWorkspace(origin, scopes = ["knowledge:read", "knowledge:write", "bots:read", "bots:write"]) {
  const email = `eval-${Date.now()}-${Math.random().toString(36).slice(2, 8)}@echo.local`;
  const r = await fetch(`${origin}/api/auth/signup`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ email, password: "evaluation password 123", company: "Eval" }),
  });
  const pending = await r.json();
  // signup mails a confirmation link (202); a development server echoes its token as devToken
  if (r.status !== 202 || !pending.devToken) throw new Error(`signup failed: ${r.status} ${JSON.stringify(pending)}`);
  const v = await fetch(`${origin}/api/auth/verify-email`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ token: pending.devToken }),
  });
  const s = await v.json();
  if (v.status !== 201) throw new Error(`verify-email failed: ${v.status} ${JSON.stringify(s)}`);
  const key = await client(origin, s.accessToken).post("/api/keys", { name: "eval", scopes });
  const api = client(origin, key.secret);
  const bots = await api.get("/api/bots");
  return { api, tenantId: s.tenant.id, botId: bots.data[0].id, key: key.secret };
}

/** Runs `fn` over `items` with at most `n` in flight. */
export async function pool(items, n, fn) {
  const results = new Array(items.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(n, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        results[i] = await fn(items[i], i);
      }
    }),
  );
  return results;
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

export function percentile(sorted, p) {
  if (!sorted.length) return 0;
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

export function parseArgs(argv) {
  const out = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (!a.startsWith("--")) continue;
    const [k, v] = a.slice(2).split("=");
    out[k] = v ?? (argv[i + 1] && !argv[i + 1].startsWith("--") ? argv[++i] : "true");
  }
  return out;
}

/**
 * Copies the Worker's sources into a fresh directory and returns it. `wrangler dev` watches its
 * sources and reloads on every change, which drops in-flight local queue messages; several people
 * edit this checkout at once, so evals and benches run from a frozen copy (node_modules linked).
 */
export async function snapshotRepo(prefix = "/tmp/echo-knowledge-snap-") {
  const { cpSync, mkdtempSync, symlinkSync, mkdirSync, existsSync } = await import("node:fs");
  const root = new URL("..", import.meta.url).pathname;
  const dir = mkdtempSync(prefix);
  for (const p of [
    "workers",
    "migrations",
    "wrangler.toml",
    "package.json",
    "tsconfig.json",
    "worker-configuration.d.ts",
    ".dev.vars",
  ]) {
    if (existsSync(`${root}/${p}`)) cpSync(`${root}/${p}`, `${dir}/${p}`, { recursive: true });
  }
  symlinkSync(`${root}/node_modules`, `${dir}/node_modules`);
  mkdirSync(`${dir}/dist/public`, { recursive: true });
  return dir;
}
