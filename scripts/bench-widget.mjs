// `npm run bench:widget`: builds the widget and prints its sizes (raw, gzip -9, brotli 11) against
// the budgets of issue 5. Exits 1 when a budget is exceeded.
import { BUDGETS, buildWidget, widgetSizes } from "../widget/sizes.mjs";

buildWidget();
const s = widgetSizes();
const row = (name, v, budget) =>
  `${name.padEnd(44)} ${String(v.raw).padStart(7)} ${String(v.gzip).padStart(7)} ${String(v.brotli).padStart(7)}  ${budget ? `${String(budget).padStart(6)} ${v.gzip <= budget ? "ok" : "OVER"}` : ""}`;
console.log(`${"part".padEnd(44)} ${"raw B".padStart(7)} ${"gzip B".padStart(7)} ${"br B".padStart(7)}  budget (gzip)`);
console.log(row("loader  /widget.js", s.loader, BUDGETS.loader));
console.log(row("widget before first message (worst language)", s.initial, BUDGETS.initial));
for (const f of s.initial.files) console.log(row("  " + f.path, f));
console.log(row("widget before first message (English)", s.initialEnglish));
console.log(row("lazy parts (voice, upload, email/rating)", s.lazy, BUDGETS.lazy));
for (const f of s.lazy.files) console.log(row("  " + f.path, f));
console.log(row("3D avatar (three.js; bots with a model only)", s.avatar3d, BUDGETS.avatar3d));
for (const f of s.avatar3d.files) console.log(row("  " + f.path, f));
for (const f of s.languages) console.log(row("  language " + f.path, f));
const total = {
  raw: s.loader.raw + s.initial.raw,
  gzip: s.loader.gzip + s.initial.gzip,
  brotli: s.loader.brotli + s.initial.brotli,
};
console.log(row("first load total (loader + widget)", total));
const over =
  s.loader.gzip > BUDGETS.loader ||
  s.initial.gzip > BUDGETS.initial ||
  s.lazy.gzip > BUDGETS.lazy ||
  s.avatar3d.gzip > BUDGETS.avatar3d;
if (over) {
  console.error("a widget size budget is exceeded");
  process.exit(1);
}
