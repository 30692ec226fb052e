// Builds the static front ends into dist/public (served by the Worker's assets binding).
// Each front end owns its build script; this runs whichever exist.
import { existsSync, mkdirSync } from "node:fs";
import { spawnSync } from "node:child_process";

mkdirSync(new URL("../dist/public", import.meta.url), { recursive: true });
for (const part of ["widget", "dashboard", "demo"]) {
  const script = new URL(`../${part}/build.mjs`, import.meta.url).pathname;
  if (!existsSync(script)) continue;
  const r = spawnSync(process.execPath, [script], { stdio: "inherit" });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
