// Plain JavaScript so the Worker (TypeScript) and the Node scripts (benches, generators) share one
// implementation; types in prng.d.mts.

/**
 * mulberry32: a small seeded PRNG (uniform in [0, 1)), so generated data, shuffles and fold splits
 * are the same on every run.
 * @param {number} seed
 * @returns {() => number}
 */
export function mulberry32(seed) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
