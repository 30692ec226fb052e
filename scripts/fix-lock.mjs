// The npm mirror this project is built against serves only the Linux builds of workerd, so
// `npm install` leaves the other platforms' optional packages out of package-lock.json and a
// later `npm ci` refuses the lock as out of sync. Declaring them here (optional, with their
// os/cpu) keeps the lock complete; npm skips them on Linux and installs them elsewhere.
import { readFileSync, writeFileSync } from "node:fs";
const lock = JSON.parse(readFileSync("package-lock.json", "utf8"));
const plat = {
  "darwin-64": ["darwin", "x64"],
  "darwin-arm64": ["darwin", "arm64"],
  "windows-64": ["win32", "x64"],
  "linux-64": ["linux", "x64"],
  "linux-arm64": ["linux", "arm64"],
};
for (const [path, pkg] of Object.entries(lock.packages)) {
  if (!path.endsWith("node_modules/workerd")) continue;
  for (const [dep, version] of Object.entries(pkg.optionalDependencies ?? {})) {
    const key = path.replace(/workerd$/, dep);
    if (lock.packages[key]) continue;
    const [os, cpu] = plat[dep.split("workerd-")[1]];
    lock.packages[key] = {
      version,
      dev: pkg.dev,
      license: "Apache-2.0",
      optional: true,
      os: [os],
      cpu: [cpu],
      engines: { node: ">=16" },
    };
    console.log("declared", key);
  }
}
writeFileSync("package-lock.json", JSON.stringify(lock, null, 2) + "\n");
