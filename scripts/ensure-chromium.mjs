// The browser the e2e suites drive: $CHROMIUM_PATH, else Debian's `chromium`. `npm test` runs this
// first: when there is none it installs Debian's package (as root with apt-get), or stops at once
// with one line saying what to run. e2e/harness.ts resolves the path with the same function.
import { accessSync, constants } from "node:fs";
import { spawnSync } from "node:child_process";
import { pathToFileURL } from "node:url";

const CANDIDATES = ["/usr/bin/chromium", "/usr/bin/chromium-browser"];

const executable = (p) => {
  try {
    accessSync(p, constants.X_OK);
    return true;
  } catch {
    return false;
  }
};

/** The Chromium to launch, or null. CHROMIUM_PATH wins; it must exist when it is set. */
export function findChromium(env = process.env) {
  if (env.CHROMIUM_PATH) return executable(env.CHROMIUM_PATH) ? env.CHROMIUM_PATH : null;
  return CANDIDATES.find(executable) ?? null;
}

/** Finds Chromium, installing Debian's package when possible; exits 1 with one line otherwise. */
export function ensureChromium() {
  const found = findChromium();
  if (found) return found;
  if (process.env.CHROMIUM_PATH) {
    console.error(`npm test: CHROMIUM_PATH=${process.env.CHROMIUM_PATH} is not an executable; fix or unset it.`);
    process.exit(1);
  }
  const isRoot = process.getuid?.() === 0;
  const hasApt = spawnSync("sh", ["-c", "command -v apt-get"], { stdio: "ignore" }).status === 0;
  if (!isRoot || !hasApt) {
    console.error(
      hasApt
        ? "npm test needs Chromium for the browser suites: run `sudo apt-get install -y chromium` (or set CHROMIUM_PATH)."
        : "npm test needs Chromium for the browser suites: install Chromium and set CHROMIUM_PATH to its executable.",
    );
    process.exit(1);
  }
  console.log("npm test: Chromium not found; installing Debian's chromium package (apt-get)…");
  const install = spawnSync("sh", ["-c", "apt-get update -qq && apt-get install -y -qq chromium >/dev/null"], {
    stdio: "inherit",
    env: { ...process.env, DEBIAN_FRONTEND: "noninteractive" },
  });
  const after = findChromium();
  if (install.status !== 0 || !after) {
    console.error(
      "npm test: installing chromium failed; run `apt-get update && apt-get install -y chromium` and retry.",
    );
    process.exit(1);
  }
  return after;
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) {
  console.log(`Chromium: ${ensureChromium()}`);
}
