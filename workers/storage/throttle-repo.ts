import { eq, sql } from "drizzle-orm";
import type { Db } from "./db";
import { authThrottle } from "./schema";

/**
 * Fixed-window counters in D1. `bump` is one atomic UPSERT (D1 runs statements one at a time), so
 * parallel requests cannot all read "0 so far": each gets its own count back.
 */
export const throttleRepo = (db: Db) => ({
  get: (key: string) => db.select().from(authThrottle).where(eq(authThrottle.key, key)).get(),
  /** Adds one to `key` in the window that started after `now - windowMs` (a stale window restarts at 1). */
  bump: (key: string, now: number, windowMs: number) => {
    const cut = now - windowMs;
    return db
      .insert(authThrottle)
      .values({ key, count: 1, windowStart: new Date(now), lockedUntil: null })
      .onConflictDoUpdate({
        target: authThrottle.key,
        set: {
          count: sql`CASE WHEN ${authThrottle.windowStart} <= ${cut} THEN 1 ELSE ${authThrottle.count} + 1 END`,
          windowStart: sql`CASE WHEN ${authThrottle.windowStart} <= ${cut} THEN ${now} ELSE ${authThrottle.windowStart} END`,
        },
      })
      .returning()
      .get();
  },
  /** Locks `key` until `until` and starts a fresh window, so the bucket is whole again afterwards. */
  lock: (key: string, now: number, until: number) =>
    db
      .update(authThrottle)
      .set({ count: 0, windowStart: new Date(now), lockedUntil: new Date(until) })
      .where(eq(authThrottle.key, key))
      .run(),
  clear: (key: string) => db.delete(authThrottle).where(eq(authThrottle.key, key)).run(),
});
