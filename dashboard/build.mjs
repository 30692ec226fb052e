// Builds the operator dashboard into dist/public: the JS and CSS at content-hashed paths under
// /assets (cached forever by browsers) and the HTML shell at dist/public/app.html, which the Worker
// serves for GET /app and /app/* (workers/routes/app-shell.ts). `--watch` is not offered on purpose:
// the machine is shared, rebuild with `node dashboard/build.mjs`.
import { build } from "esbuild";
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
  // screens other than the inbox are loaded on first visit (dynamic imports in main.tsx)
  splitting: true,
  metafile: true,
  entryNames: "app.[hash]",
  chunkNames: "app-chunk.[hash]",
  loader: { ".css": "css" },
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
});

// drop this build's older outputs only (app.<hash>.* and app-chunk.<hash>.*): other front ends share dist/public/assets
for (const f of readdirSync(assetsDir))
  if (/^app(-chunk)?\.[A-Za-z0-9]+\.(js|css)$/.test(f)) rmSync(`${assetsDir}/${f}`);
for (const file of result.outputFiles) writeFileSync(file.path, file.contents);

// esbuild names files by content hash; the manifest says which ones the first screen needs
const url = (p) => `/assets/${p.split("/").pop()}`;
const outputs = result.metafile.outputs;
// dynamically imported screens are entry points in the metafile too: the app is the one from main.tsx
const entry = Object.keys(outputs).find(
  (p) => outputs[p].entryPoint?.endsWith("dashboard/src/main.tsx") && p.endsWith(".js"),
);
const staticImports = (p, seen = new Set()) => {
  for (const i of outputs[p].imports)
    if (i.kind === "import-statement" && !seen.has(i.path)) staticImports(i.path, seen.add(i.path));
  return seen;
};
const initial = [entry, ...staticImports(entry)];
const names = {
  js: url(entry),
  css: outputs[entry].cssBundle ? url(outputs[entry].cssBundle) : undefined,
  /** Everything the first screen loads (the entry and the chunks it imports statically). */
  initial: initial.map(url),
  /** Screens loaded on first visit. */
  lazy: Object.keys(outputs)
    .filter((p) => p.endsWith(".js") && !initial.includes(p))
    .map(url),
};

const shell = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Echo</title>
<link rel="icon" type="image/svg+xml" href="data:image/svg+xml,${encodeURIComponent(
  "<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='8' fill='#4f46e5'/><path d='M13 7a9 9 0 0 1 0 18z' fill='#fff'/></svg>",
)}">
${names.css ? `<link rel="stylesheet" href="${names.css}">` : ""}
${names.initial
  .slice(1)
  .map((u) => `<link rel="modulepreload" href="${u}">`)
  .join("\n")}
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
