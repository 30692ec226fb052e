// Builds the operator dashboard into dist/public: the JS and CSS at content-hashed paths under
// /assets (cached forever by browsers) and the HTML shell at dist/public/app.html, which the Worker
// serves for GET /app and /app/* (workers/routes/app-shell.ts). `--watch` is not offered on purpose:
// the machine is shared, rebuild with `node dashboard/build.mjs`.
import { build } from "esbuild";
import { createHash } from "node:crypto";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";

const root = new URL("..", import.meta.url).pathname;
const outDir = `${root}dist/public`;
const assetsDir = `${outDir}/assets`;
mkdirSync(assetsDir, { recursive: true });

const result = await build({
  entryPoints: [`${root}dashboard/src/main.tsx`],
  bundle: true,
  write: false,
  minify: true,
  format: "esm",
  target: ["es2020", "chrome100", "firefox100", "safari15"],
  jsx: "automatic",
  jsxImportSource: "preact",
  legalComments: "none",
  outdir: assetsDir,
  entryNames: "app",
  loader: { ".css": "css" },
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});

const hash = (bytes) => createHash("sha256").update(bytes).digest("hex").slice(0, 10);
// drop this build's older outputs only (app.<hash>.js/css): other front ends share dist/public/assets
for (const f of readdirSync(assetsDir)) if (/^app\.[0-9a-f]{10}\.(js|css)$/.test(f)) rmSync(`${assetsDir}/${f}`);

const names = {};
for (const file of result.outputFiles) {
  const ext = file.path.endsWith(".css") ? "css" : "js";
  const name = `app.${hash(file.contents)}.${ext}`;
  writeFileSync(`${assetsDir}/${name}`, file.contents);
  names[ext] = `/assets/${name}`;
}

const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Echo</title>
<link rel="icon" href="data:,">
${names.css ? `<link rel="stylesheet" href="${names.css}">` : ""}
<script type="module" src="${names.js}"></script>
</head>
<body>
<div id="app"><p class="boot">Loading Echo…</p></div>
<noscript>The Echo dashboard needs JavaScript.</noscript>
</body>
</html>
`;
writeFileSync(`${outDir}/app.html`, shell);
writeFileSync(`${root}dist/dashboard-manifest.json`, JSON.stringify(names, null, 2));
console.log(`dashboard: ${names.js} ${names.css ?? ""}`);
