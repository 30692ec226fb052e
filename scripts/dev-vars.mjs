// Local secrets, the Cloudflare way: `wrangler dev` reads the gitignored `.dev.vars` beside
// wrangler.toml. `npm start`, the benchmarks and the tests call ensureDevVars() first, so a fresh
// clone gets random APP_SECRET and MASTER_KEY and nothing secret is ever committed.
import { randomBytes } from "node:crypto";
import { readFileSync, writeFileSync, appendFileSync, existsSync } from "node:fs";
import { resolve } from "node:path";

/**
 * Where wrangler dev will look: beside the wrangler.toml it finds from the working directory (the
 * evals and benches run wrangler from a frozen copy of the sources), else this checkout's root.
 */
export function devVarsPath(cwd = process.cwd()) {
  return existsSync(resolve(cwd, "wrangler.toml"))
    ? resolve(cwd, ".dev.vars")
    : new URL("../.dev.vars", import.meta.url).pathname;
}

/** The secrets the Worker needs (wrangler.toml `[secrets] required`), each 32 random bytes. */
export const REQUIRED_SECRETS = ["APP_SECRET", "MASTER_KEY"];

export const randomSecret = () => randomBytes(32).toString("base64url");

/** KEY=VALUE lines (dotenv subset: comments, blank lines, optional single or double quotes). */
export function parseDevVars(text) {
  const out = {};
  for (const line of text.split(/\r?\n/)) {
    const m = /^\s*(?:export\s+)?([A-Za-z_][A-Za-z0-9_]*)\s*=\s*(.*?)\s*$/.exec(line);
    if (!m) continue;
    let v = m[2];
    if ((v.startsWith('"') && v.endsWith('"')) || (v.startsWith("'") && v.endsWith("'"))) v = v.slice(1, -1);
    out[m[1]] = v;
  }
  return out;
}

/**
 * Creates `.dev.vars` (mode 0600) with random values when it is missing, or appends the required
 * secrets it lacks; values already there are kept. Returns the file's variables.
 */
export function ensureDevVars(path = devVarsPath()) {
  const created = !existsSync(path);
  if (created) {
    const lines = REQUIRED_SECRETS.map((name) => `${name}=${randomSecret()}`).join("\n");
    try {
      // "wx": if a concurrent process (two test runs) created it meanwhile, keep theirs
      writeFileSync(
        path,
        `# Local secrets for wrangler dev and the tests; generated, gitignored, never commit.\n${lines}\n`,
        { flag: "wx", mode: 0o600 },
      );
    } catch (err) {
      if (err.code !== "EEXIST") throw err;
    }
  }
  const vars = parseDevVars(readFileSync(path, "utf8"));
  const missing = REQUIRED_SECRETS.filter((name) => !vars[name]);
  if (missing.length > 0) {
    const lines = missing.map((name) => `${name}=${randomSecret()}`);
    const text = readFileSync(path, "utf8");
    appendFileSync(path, `${text.endsWith("\n") || text === "" ? "" : "\n"}${lines.join("\n")}\n`);
    return parseDevVars(readFileSync(path, "utf8"));
  }
  return vars;
}
