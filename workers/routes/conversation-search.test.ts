import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { joinVisitor, newSession } from "../rooms/test-client";
import { messageMatch, searchTerms } from "../storage/message-search";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

type Page = { data: { id: string }[]; nextCursor: string | null };

/** Starts a conversation whose visitor writes `texts`, and waits for the D1 copy to hold them. */
async function conversationWith(t: TestTenant, texts: string[]) {
  const s = await newSession(t);
  const v = await joinVisitor(s);
  for (const [i, text] of texts.entries()) {
    v.send({ type: "msg", cid: `c${i}`, text });
    await v.waitFor((f) => f.type === "msg" && f.cid === `c${i}`);
  }
  v.close();
  await eventually(
    () =>
      env.DB.prepare("select count(*) as n from messages where conversation_id = ? and role = 'visitor'")
        .bind(s.conversationId)
        .first<{ n: number }>(),
    (r) => r?.n === texts.length,
  );
  return s.conversationId;
}

const search = async (t: TestTenant, q: string, extra = "") =>
  (await expectJson(call(`/api/conversations?q=${encodeURIComponent(q)}${extra}`, { token: t.token }), 200)) as Page;
const ids = async (t: TestTenant, q: string) => (await search(t, q)).data.map((c) => c.id).sort();

describe("GET /api/conversations?q= (full-text search over message bodies)", async () => {
  const t = await makeTenant();
  const other = await makeTenant("Other");
  const parcel = await conversationWith(t, ["Hello there", "My parcel zanzibar has not arrived yet"]);
  const password = await conversationWith(t, ["How do I reset the quokka password?"]);
  const both = await conversationWith(t, ["quokka and zanzibar in one message"]);
  const theirs = await conversationWith(other, ["Where is my zanzibar parcel?"]);

  it("finds conversations by a word inside any message, not only the last one", async () => {
    expect(await ids(t, "parcel")).toEqual([parcel]);
    expect(await ids(t, "quokka")).toEqual([both, password].sort());
    // case, stemming and prefixes: "ARRIVE" finds "arrived", "zanzi" finds "zanzibar"
    expect(await ids(t, "ARRIVE")).toEqual([parcel]);
    expect(await ids(t, "zanzi")).toEqual([both, parcel].sort());
    // every word must be in one message
    expect(await ids(t, "zanzibar quokka")).toEqual([both]);
  });

  it("is tenant-scoped: another workspace's messages are never found", async () => {
    expect(await ids(other, "zanzibar")).toEqual([theirs]);
    expect(await ids(other, "quokka")).toEqual([]);
    expect(await ids(t, "where")).toEqual([]);
  });

  it("pages with the list's cursor and combines with the other filters", async () => {
    const first = await search(t, "zanzibar", "&limit=1");
    expect(first.data).toHaveLength(1);
    expect(first.nextCursor).toBeTruthy();
    const second = await search(t, "zanzibar", `&limit=1&cursor=${first.nextCursor}`);
    expect(second.data).toHaveLength(1);
    expect(second.nextCursor).toBeNull();
    expect([first.data[0]!.id, second.data[0]!.id].sort()).toEqual([both, parcel].sort());
    expect((await search(t, "zanzibar", "&status=closed")).data).toEqual([]);
  });

  it("answers no match as an empty page; FTS5 syntax in the query is just words", async () => {
    expect(await search(t, "nothing-like-this-anywhere")).toEqual({ data: [], nextCursor: null });
    expect(await search(t, '"*)(: NEAR OR')).toEqual({ data: [], nextCursor: null });
    expect(await ids(t, 'parcel" OR "quokka')).toEqual([]);
    expect(await search(t, "!!!")).toEqual({ data: [], nextCursor: null });
  });

  it("refuses an empty or overlong query with a problem", async () => {
    const bad = await expectJson(call("/api/conversations?q=%20%20", { token: t.token }), 400);
    expect(bad.code).toBe("INVALID_REQUEST");
    await expectJson(call(`/api/conversations?q=${"a".repeat(201)}`, { token: t.token }), 400);
  });
});

describe("message search terms", () => {
  it("keeps letters and digits of any script, quoted, within the tenant scope", () => {
    expect(searchTerms("Order #1042 — Ünïcode, order!")).toEqual(["order", "1042", "ünïcode"]);
    expect(messageMatch("tnt_ABC", 'a" OR b')).toBe('scope:ttntabc AND body:("a"* AND "or"* AND "b"*)');
    expect(messageMatch("tnt_x", "?!")).toBeUndefined();
  });
});
