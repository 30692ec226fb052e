/** Time source passed through ctx so tests can fix it. */
export type Clock = { now(): number };
export const systemClock: Clock = { now: () => Date.now() };
