/**
 * The D1 binding as rooms use it. Tests may wrap it (setRoomD1WrapperForTesting) to count round
 * trips from inside a room: the Workers test pool runs rooms in the test's isolate, like the
 * answerer override in room-ctx.ts.
 */
let wrapper: ((db: D1Database) => D1Database) | undefined;

export const roomD1 = (db: D1Database): D1Database => (wrapper ? wrapper(db) : db);

/** Tests only: wraps the D1 binding every room in this isolate uses from now on; pass nothing to restore. */
export function setRoomD1WrapperForTesting(fn?: (db: D1Database) => D1Database) {
  wrapper = fn;
}
