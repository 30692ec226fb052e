/**
 * The D1 binding as rooms use it. Tests may wrap it (setRoomD1WrapperForTesting) to count round
 * trips from inside a room: the Workers test pool runs rooms in the test's isolate, like the
 * answerer override in room-ctx.ts.
 */
let wrapper: ((db: D1Database, conversationId: string) => D1Database) | undefined;

export const roomD1 = (db: D1Database, conversationId: string): D1Database =>
  wrapper ? wrapper(db, conversationId) : db;

/**
 * Tests only: wraps the D1 binding rooms in this isolate use from now on (test files share the
 * isolate that runs Durable Objects, so the wrapper is told which conversation's room asks); pass
 * nothing to restore.
 */
export function setRoomD1WrapperForTesting(fn?: (db: D1Database, conversationId: string) => D1Database) {
  wrapper = fn;
}
