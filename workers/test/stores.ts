import { env, runInDurableObject } from "cloudflare:test";
import { eventually } from "./fixtures";

/** Waits until the room's D1 copy holds at least one message of the conversation (it flushes ~1 s late). */
export const messagesInD1 = (conversationId: string) =>
  eventually(
    () =>
      env.DB.prepare("select count(*) n from messages where conversation_id = ?")
        .bind(conversationId)
        .first<{ n: number }>(),
    (r) => (r?.n ?? 0) >= 1,
  );

/** Rows in a Durable Object's SQLite storage, its internal tables aside. */
export function durableObjectRows(stub: DurableObjectStub) {
  return runInDurableObject(stub, async (_o, state) => {
    const tables = state.storage.sql
      .exec(
        "select name from sqlite_master where type = 'table' and name not like '\\_cf%' escape '\\' and name not like 'sqlite%'",
      )
      .toArray()
      .map((r) => String(r.name));
    let rows = 0;
    for (const name of tables) rows += Number(state.storage.sql.exec(`select count(*) n from "${name}"`).one().n);
    return rows;
  });
}
