// Size budgets of issue 5, enforced on every test run: sizes are deterministic for a given source,
// so this is a plain test. Measurement lives in widget/sizes.mjs (also used by bench:widget).
import { beforeAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS module without types
import { BUDGETS, buildWidget, widgetSizes } from "../widget/sizes.mjs";

type Size = { raw: number; gzip: number; brotli: number; files: { path: string }[] };
let sizes: { loader: Size; initial: Size; lazy: Size; avatar3d: Size };

describe("widget size budget", () => {
  beforeAll(() => {
    buildWidget();
    sizes = widgetSizes();
  });

  it("keeps the loader at most 1,024 bytes gzipped", () => {
    expect(sizes.loader.gzip, JSON.stringify(sizes.loader)).toBeLessThanOrEqual(BUDGETS.loader);
  });

  it("keeps what loads before the first message at most 16 KiB gzipped", () => {
    expect(sizes.initial.files.length).toBeGreaterThan(0);
    expect(sizes.initial.gzip, JSON.stringify(sizes.initial)).toBeLessThanOrEqual(BUDGETS.initial);
  });

  it("keeps the lazy parts (voice, upload) at most 8 KiB more", () => {
    expect(sizes.lazy.files.map((f) => f.path).join(" ")).toMatch(/voice\./);
    expect(sizes.lazy.gzip, JSON.stringify(sizes.lazy)).toBeLessThanOrEqual(BUDGETS.lazy);
  });

  it("keeps three.js out of every other part: only the 3D avatar group holds it, within its ceiling", () => {
    expect(sizes.avatar3d.files.map((f) => f.path).join(" ")).toMatch(/avatar3d\./);
    for (const part of [sizes.initial, sizes.lazy])
      expect(part.files.map((f) => f.path).join(" ")).not.toMatch(/avatar3d|three/);
    expect(sizes.avatar3d.gzip, JSON.stringify(sizes.avatar3d)).toBeLessThanOrEqual(BUDGETS.avatar3d);
  });
});
