/** mulberry32: a small seeded PRNG (uniform in [0, 1)); the same sequence for the same seed. */
export declare function mulberry32(seed: number): () => number;
