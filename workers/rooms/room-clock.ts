/**
 * The time rooms decide with (facts.now, a conversation's start). Tests may shift it
 * (setRoomClockForTesting) to play a conversation whose steps are minutes or days apart without
 * waiting: the Workers test pool runs rooms in the test's isolate, like the answerer override in
 * room-ctx.ts. Alarms and token expiry keep the real clock.
 */
let override: (() => number) | undefined;

export const roomNow = (): number => (override ? override() : Date.now());

/** Tests only: the clock rooms in this isolate decide with from now on; pass nothing to restore. */
export function setRoomClockForTesting(now?: () => number) {
  override = now;
}
