// Builds the widget into dist/public: the loader at /widget.js (stable URL, short cache) and the
// content-hashed bundle and its lazy voice chunk under /w/ (immutable, long cache). Writes
// dist/widget-manifest.json, which bench:widget and the size-budget test read.
import { build, transform } from "esbuild";
import { mkdirSync, rmSync, writeFileSync, readFileSync } from "node:fs";
import { basename, relative } from "node:path";

const root = new URL("..", import.meta.url).pathname;
const pub = root + "dist/public";
const outW = pub + "/w";
rmSync(outW, { recursive: true, force: true });
mkdirSync(outW, { recursive: true });

/** CSS is imported as minified text and put in the shadow root: one file, no extra request. */
const cssText = {
  name: "css-text",
  setup(b) {
    b.onLoad({ filter: /\.css$/ }, async (a) => {
      const { code } = await transform(readFileSync(a.path, "utf8"), {
        loader: "css",
        minify: true,
        target: "chrome100",
      });
      return { contents: code.trim(), loader: "text" };
    });
  },
};

const common = {
  bundle: true,
  minify: true,
  target: "es2020",
  legalComments: "none",
  logLevel: "warning",
  define: { "process.env.NODE_ENV": '"production"' },
};

const app = await build({
  ...common,
  entryPoints: { widget: root + "widget/src/main.tsx" },
  outdir: outW,
  format: "esm",
  splitting: true,
  entryNames: "[name].[hash]",
  chunkNames: "[name].[hash]",
  jsx: "automatic",
  jsxImportSource: "preact",
  metafile: true,
  plugins: [cssText],
});

const outs = app.metafile.outputs;
const rel = (p) => relative(pub, root + p);
const entry = Object.keys(outs).find((p) => outs[p].entryPoint?.endsWith("widget/src/main.tsx"));
/** What the page must fetch before the first message can be sent: the entry and its static imports. */
const initial = new Set([entry]);
for (const p of initial) for (const i of outs[p].imports) if (i.kind === "import-statement") initial.add(i.path);
const later = Object.keys(outs).filter((p) => p.endsWith(".js") && !initial.has(p));
/** A visitor also needs the strings of their language (English is built in; others are chunks). */
const lang = later.filter((p) => outs[p].entryPoint?.includes("widget/src/lang/"));
/** The 3D avatar (three.js and its glTF loader): fetched only for bots with an uploaded model. */
const threeD = later.filter((p) =>
  Object.keys(outs[p].inputs).some((i) => i.includes("node_modules/three/") || i.endsWith("widget/src/avatar3d.ts")),
);
const lazy = later.filter((p) => !lang.includes(p) && !threeD.includes(p));

await build({
  ...common,
  entryPoints: [root + "widget/src/loader.ts"],
  outfile: pub + "/widget.js",
  format: "iife",
  define: { ...common.define, __BUNDLE__: JSON.stringify(rel(entry)) },
});

// Workers static assets honour _headers. The loader may change at any deploy, so it is cached
// briefly; hashed files never change. Both are fetched cross-origin by customer sites. /assets/*
// holds the dashboard's content-hashed files (dashboard/build.mjs), immutable as well.
writeFileSync(
  pub + "/_headers",
  `/widget.js
  Cache-Control: public, max-age=300, stale-while-revalidate=86400
  Access-Control-Allow-Origin: *
/w/*
  Cache-Control: public, max-age=31536000, immutable
  Access-Control-Allow-Origin: *
/assets/*
  Cache-Control: public, max-age=31536000, immutable
`,
);

const manifest = {
  loader: "widget.js",
  initial: [...initial].map(rel),
  lang: lang.map(rel),
  lazy: lazy.map(rel),
  avatar3d: threeD.map(rel),
};
writeFileSync(root + "dist/widget-manifest.json", JSON.stringify(manifest, null, 2) + "\n");
console.log(
  `widget: ${manifest.loader}, ${manifest.initial.map((p) => basename(p)).join(", ")} (+ lazy ${manifest.lazy.map((p) => basename(p)).join(", ")}; 3D avatar ${manifest.avatar3d.map((p) => basename(p)).join(", ")})`,
);
