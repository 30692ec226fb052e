import { conversationEvents, type NewConversationEventRow } from "./schema";
import type { Db } from "./db";

/** 11 bound columns per row, D1 allows 100 parameters per statement. */
const EVENT_ROWS_PER_STMT = 9;

/** Conversation events (issue 16): written by rooms through their batched copy, read by the reports. */
export const analyticsRepo = (db: Db) => ({
  /** Insert-or-ignore by id, chunked: a repeated copy stores each event once. */
  insertIgnoreStmts: (rows: NewConversationEventRow[]) => {
    const out = [];
    for (let i = 0; i < rows.length; i += EVENT_ROWS_PER_STMT)
      out.push(
        db
          .insert(conversationEvents)
          .values(rows.slice(i, i + EVENT_ROWS_PER_STMT))
          .onConflictDoNothing(),
      );
    return out;
  },
});
