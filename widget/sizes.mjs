// Size budgets of the widget and how they are measured; shared by `npm run bench:widget` and the
// size-budget test (e2e/widget-size.test.ts). Sizes are of the built files in dist/public, each
// compressed on its own as a separate HTTP response would be: gzip level 9 (node zlib, the same
// deflate as `gzip -9 -n`, ±a few bytes) and brotli quality 11.
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { brotliCompressSync, constants, gzipSync } from "node:zlib";

const root = new URL("..", import.meta.url).pathname;

/** Hard limits in gzipped bytes (issue 5). */
export const BUDGETS = {
  /** The pasted script. */
  loader: 1024,
  /** JS + CSS downloaded before the first message can be sent: the bundle, its static imports and
   *  the largest language chunk (a visitor whose language is not English loads one). */
  initial: 16 * 1024,
  /** Lazily loaded parts (voice, upload, email capture and rating) together. */
  lazy: 8 * 1024,
  /** The 3D avatar: three.js and its glTF loader, fetched only for bots with an uploaded model,
   *  after the widget is interactive (issue 19). A ceiling, so it cannot grow unnoticed. */
  avatar3d: 192 * 1024,
};

export function buildWidget() {
  const r = spawnSync(process.execPath, [root + "widget/build.mjs"], { encoding: "utf8" });
  if (r.status !== 0) throw new Error(`widget build failed:\n${r.stdout}\n${r.stderr}`);
}

function measure(path) {
  const buf = readFileSync(root + "dist/public/" + path);
  return {
    path,
    raw: buf.length,
    gzip: gzipSync(buf, { level: 9 }).length,
    brotli: brotliCompressSync(buf, {
      params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_MODE]: constants.BROTLI_MODE_TEXT },
    }).length,
  };
}

const sum = (files) =>
  files.reduce((a, f) => ({ raw: a.raw + f.raw, gzip: a.gzip + f.gzip, brotli: a.brotli + f.brotli }), {
    raw: 0,
    gzip: 0,
    brotli: 0,
  });

/** Reads dist/widget-manifest.json (written by the build) and measures every group. */
export function widgetSizes() {
  const m = JSON.parse(readFileSync(root + "dist/widget-manifest.json", "utf8"));
  const loader = measure(m.loader);
  const initialFiles = m.initial.map(measure);
  const langFiles = m.lang.map(measure);
  const largestLang = langFiles.sort((a, b) => b.gzip - a.gzip)[0];
  const lazyFiles = m.lazy.map(measure);
  const avatar3dFiles = (m.avatar3d ?? []).map(measure);
  return {
    loader: { ...loader, files: [loader] },
    initial: {
      ...sum([...initialFiles, ...(largestLang ? [largestLang] : [])]),
      files: [...initialFiles, ...(largestLang ? [largestLang] : [])],
    },
    initialEnglish: { ...sum(initialFiles), files: initialFiles },
    lazy: { ...sum(lazyFiles), files: lazyFiles },
    avatar3d: { ...sum(avatar3dFiles), files: avatar3dFiles },
    languages: langFiles,
  };
}
