import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { createRoomStore, type MessageRecord, type RoomStore } from "./room-store";

/**
 * The store keeps the last messages in memory (room-store.ts `TAIL`): every read must give what
 * SQLite holds, whether it is served from memory or from SQL, before and after the tail is loaded,
 * past its size, and after `forget` (privacy erasure).
 */

const msg = (seq: number): MessageRecord => ({
  seq,
  id: `msg_${seq}`,
  cid: seq % 3 === 0 ? null : `c${seq}`,
  role: seq % 2 ? "visitor" : "ai",
  text: `message ${seq}`,
  sources: seq % 2 ? null : [{ sourceId: `src_${seq}`, title: `Doc ${seq}`, url: null, snippet: "s" }],
  attachments: null,
  author: null,
  meta: seq % 2 ? null : { confidence: seq / 100 },
  createdAt: 1_700_000_000_000 + seq,
});

/** A fresh room object's storage (each test names its own, so none shares a tail). */
function withStore<T>(name: string, fn: (store: RoomStore, sql: SqlStorage) => T) {
  const stub = env.CONVERSATION_ROOM.get(env.CONVERSATION_ROOM.idFromName(`store-test:${name}`));
  return runInDurableObject(stub, async (_o, state) => {
    const sql = state.storage.sql;
    const store = createRoomStore(sql);
    store.migrate();
    return fn(store, sql);
  });
}

/** What SQLite itself holds, read with a store that has nothing in memory. */
const fromSql = (sql: SqlStorage) => createRoomStore(sql);

const plain = (ms: readonly MessageRecord[]) => JSON.parse(JSON.stringify(ms)) as MessageRecord[];

describe("room store: the messages kept in memory", () => {
  it("reads the same as SQLite before, while and after the tail fills, and past its size", async () => {
    await withStore("same", (store, sql) => {
      for (let seq = 1; seq <= 150; seq++) {
        store.insertMessageAt(msg(seq), seq % 3 ? `visitor:c${seq}` : null);
        // a read at some points loads the tail mid-way; later inserts must keep it exact
        if (seq === 1 || seq === 40 || seq === 100 || seq === 150) {
          const cold = fromSql(sql);
          for (const n of [1, 5, 30, 64])
            expect(plain(store.recentMessages(n)), `recent ${n} at ${seq}`).toEqual(plain(cold.recentMessages(n)));
          for (const after of [0, seq - 70, seq - 64, seq - 63, seq - 10, seq - 1, seq])
            expect(plain(store.messagesAfter(after, 200)), `after ${after} at ${seq}`).toEqual(
              plain(cold.messagesAfter(after, 200)),
            );
          expect(plain([store.lastMessage()!]), `last at ${seq}`).toEqual(plain([cold.lastMessage()!]));
        }
      }
      // past the tail's size, reads go to SQL and still see everything
      expect(store.recentMessages(100).map((m) => m.seq)).toEqual(Array.from({ length: 100 }, (_, i) => 51 + i));
      expect(store.messagesAfter(0, 1000)).toHaveLength(150);
      expect(store.messagesAfter(10, 3).map((m) => m.seq)).toEqual([11, 12, 13]);
      expect(store.messagesAfter(140, 3).map((m) => m.seq)).toEqual([141, 142, 143]);
      expect(store.recentMessages(0)).toEqual([]);
    });
  });

  it("an empty room has no messages, and the first one is seen at once", async () => {
    await withStore("empty", (store) => {
      expect(store.recentMessages(30)).toEqual([]);
      expect(store.messagesAfter(0, 10)).toEqual([]);
      expect(store.lastMessage()).toBeUndefined();
      store.insertMessageAt(msg(1), "visitor:c1");
      expect(store.recentMessages(30).map((m) => m.id)).toEqual(["msg_1"]);
      expect(store.lastMessage()?.text).toBe("message 1");
    });
  });

  it("a message kept in memory cannot be changed by a reader, nor through the record its writer holds", async () => {
    await withStore("frozen", (store) => {
      store.recentMessages(1); // tail loaded: the next insert goes into memory
      const written = store.insertMessageAt(msg(1), null);
      const mine = { ...msg(2) };
      store.insertMessageAt(mine, null);
      // the writer's own objects stay its own (the store keeps a copy)
      mine.sources![0]!.title = "changed by the writer";
      written.text = "changed by the writer";
      const [first, second] = store.recentMessages(2);
      expect(first!.text).toBe("message 1");
      expect(second!.sources![0]!.title).toBe("Doc 2");
      expect(() => ((first as { text: string }).text = "x")).toThrow(TypeError);
      expect(() => (second!.sources as unknown[]).push({})).toThrow(TypeError);
    });
  });

  it("forget (privacy erasure) drops the kept messages with the storage", async () => {
    await withStore("forget", async (store, sql) => {
      for (let seq = 1; seq <= 5; seq++) store.insertMessageAt(msg(seq), null);
      expect(store.recentMessages(30)).toHaveLength(5);
      sql.exec("DELETE FROM messages");
      store.forget();
      expect(store.recentMessages(30)).toEqual([]);
      expect(store.lastMessage()).toBeUndefined();
    });
  });
});
