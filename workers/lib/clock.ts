import type { Clock } from "../contracts/ports";

export type { Clock };
/** The real time; tests pass a fixed Clock through ctx. */
export const systemClock: Clock = { now: () => Date.now() };
