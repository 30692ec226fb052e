/**
 * CSV imports of past conversations (seed 004) through the public API: POST /api/imports with a
 * multipart `file`. Imported conversations must list in the inbox as closed history, be found by
 * the message search and counted by analytics; a bad file changes nothing; a re-import is a no-op.
 */
import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

type Report = {
  rows: number;
  dryRun: boolean;
  conversations: { imported: number; skipped: number; refused: number };
  messages: number;
  refusedRows: number;
  errors: { row: number; column: string | null; message: string }[];
  ignoredColumns: string[];
};

function upload(t: { token: string }, csv: string | Uint8Array<ArrayBuffer>, query = "") {
  const form = new FormData();
  form.set("file", new File([csv], "history.csv", { type: "text/csv" }));
  return call(`/api/imports${query}`, { method: "POST", token: t.token, body: form });
}

const countOf = async (tenantId: string, table: "conversations" | "messages" | "conversation_events") =>
  (await env.DB.prepare(`select count(*) n from ${table} where tenant_id = ?`).bind(tenantId).first<{ n: number }>())!
    .n;

// a BOM, CRLF line ends, a quoted field with a comma, doubled quotes and a line break, an unknown column
const GOOD =
  "\uFEFFconversation_id,created_at,role,text,channel,visitor_name,visitor_email,author_name,legacy_tag\r\n" +
  'zd-1001,2025-03-01T09:00:00Z,customer,"My parcel never came, order #4411",email,Ann Lee,ann@example.com,,vip\r\n' +
  'zd-1001,2025-03-01T09:30:00Z,agent,"Sorry Ann! It shipped with ""PostNord"".\r\nTracking: PN123",email,,,Bob,\r\n' +
  "zd-1001,2025-03-01T10:00:00+01:00,visitor,Thanks — got the quokkaphone today,email,,,,\r\n" +
  "zd-1002,2025-03-02 08:00:00,visitor,Do you ship to Iceland?,chat,Gunnar,,,\r\n" +
  "zd-1002,2025-03-02 08:00:05,bot,Yes: we ship to Iceland in 5 days.,chat,,,,\r\n" +
  "zd-1003,2025-03-03T12:00:00Z,user,Cancel my subscription please,,,,,\r\n";

describe("POST /api/imports (conversations)", () => {
  let t: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Importer");
    other = await makeTenant("Bystander");
  });

  it("imports closed history the inbox lists, the search finds and analytics count", async () => {
    const report = await expectJson<Report>(upload(t, GOOD), 200);
    expect(report).toEqual({
      type: "conversations",
      dryRun: false,
      rows: 6,
      conversations: { imported: 3, skipped: 0, refused: 0 },
      messages: 6,
      refusedRows: 0,
      errors: [],
      ignoredColumns: ["legacy_tag"],
    });
    const list = await expectJson<{ data: { id: string; status: string; channel: string; visitor: unknown }[] }>(
      call("/api/conversations?status=closed", { token: t.token }),
      200,
    );
    expect(list.data).toHaveLength(3);
    expect(list.data.every((c) => c.status === "closed")).toBe(true);
    const found = await expectJson<{ data: { id: string; channel: string; visitor: { email?: string } }[] }>(
      call("/api/conversations?q=quokkaphone", { token: t.token }),
      200,
    );
    expect(found.data).toHaveLength(1);
    expect(found.data[0]).toMatchObject({ channel: "email", visitor: { email: "ann@example.com" } });
    const msgs = await expectJson<{ data: { seq: number; role: string; text: string }[] }>(
      call(`/api/conversations/${found.data[0]!.id}/messages`, { token: t.token }),
      200,
    );
    // by time: 10:00+01:00 is 09:00Z, before the agent's 09:30Z; equal instants keep the file order
    expect(msgs.data.map((m) => [m.seq, m.role])).toEqual([
      [1, "visitor"],
      [2, "visitor"],
      [3, "agent"],
    ]);
    expect(msgs.data[2]!.text).toBe('Sorry Ann! It shipped with "PostNord".\r\nTracking: PN123');
    // another workspace sees none of it
    await expectJson(call(`/api/conversations/${found.data[0]!.id}`, { token: other.token }), 404);
    const theirs = await expectJson<{ data: unknown[] }>(
      call("/api/conversations?q=quokkaphone", { token: other.token }),
      200,
    );
    expect(theirs.data).toEqual([]);
    // analytics: each conversation opened and resolved once
    const kinds = await env.DB.prepare(
      "select kind, count(*) n from conversation_events where tenant_id = ? group by kind order by kind",
    )
      .bind(t.tenantId)
      .all<{ kind: string; n: number }>();
    expect(kinds.results).toEqual([
      { kind: "agent_first_reply", n: 1 },
      { kind: "agent_reply", n: 1 },
      { kind: "ai_answered", n: 1 },
      { kind: "opened", n: 3 },
      { kind: "resolved", n: 3 },
    ]);
  });

  it("re-importing the same file changes nothing", async () => {
    const before = await Promise.all([
      countOf(t.tenantId, "conversations"),
      countOf(t.tenantId, "messages"),
      countOf(t.tenantId, "conversation_events"),
    ]);
    const again = await expectJson<Report>(upload(t, GOOD), 200);
    expect(again.conversations).toEqual({ imported: 0, skipped: 3, refused: 0 });
    expect(
      await Promise.all([
        countOf(t.tenantId, "conversations"),
        countOf(t.tenantId, "messages"),
        countOf(t.tenantId, "conversation_events"),
      ]),
    ).toEqual(before);
  });

  const BAD =
    "conversation_id,created_at,role,text\n" +
    "a-1,2025-01-01T10:00:00Z,visitor,hello\n" +
    "a-1,yesterday,visitor,again\n" + // row 3: bad date
    "a-2,2025-01-01T10:00:00Z,wizard,hi\n" + // row 4: bad role
    "a-3,2025-01-01T10:00:00Z,visitor,fine\n" +
    ",2025-01-01T10:00:00Z,visitor,\n"; // row 6: no id, no text

  it("refuses a file with bad rows whole, naming every bad row, and writes nothing", async () => {
    const fresh = await makeTenant("Strict");
    const res = await expectJson(upload(fresh, BAD), 400);
    expect(res.code).toBe("INVALID_REQUEST");
    expect(res.errors.map((e: { path: string }) => e.path)).toEqual([
      "rows[3].created_at",
      "rows[4].role",
      "rows[6].conversation_id",
      "rows[6].text",
    ]);
    expect(await countOf(fresh.tenantId, "conversations")).toBe(0);
    expect(await countOf(fresh.tenantId, "messages")).toBe(0);
  });

  it("with partial=true skips the conversations holding a bad row and imports the rest", async () => {
    const fresh = await makeTenant("Lenient");
    const r = await expectJson<Report>(upload(fresh, BAD, "?partial=true"), 200);
    expect(r.conversations).toEqual({ imported: 1, skipped: 0, refused: 2 });
    expect(r.refusedRows).toBe(3);
    expect(r.errors.map((e) => [e.row, e.column])).toEqual([
      [3, "created_at"],
      [4, "role"],
      [6, "conversation_id"],
      [6, "text"],
    ]);
    const rows = await env.DB.prepare("select meta from conversations where tenant_id = ?")
      .bind(fresh.tenantId)
      .all<{ meta: string }>();
    expect(rows.results.map((x) => JSON.parse(x.meta).imported.externalId)).toEqual(["a-3"]);
  });

  it("refuses broken files: missing columns, malformed quoting, not UTF-8, empty, too large", async () => {
    const fresh = await makeTenant("Broken");
    const missing = await expectJson(upload(fresh, "conversation_id,role,text\nx,visitor,hi\n"), 400);
    expect(missing.errors).toEqual([{ path: "file", message: 'required column "created_at" is missing' }]);
    const quoting = await expectJson(
      upload(fresh, 'conversation_id,created_at,role,text\nx,2025-01-01T00:00:00Z,visitor,"open\n'),
      400,
    );
    expect(quoting.errors[0].path).toBe("rows[2]");
    await expectJson(upload(fresh, new Uint8Array([0x63, 0x2c, 0xff, 0xfe, 0x0a])), 400);
    await expectJson(upload(fresh, "conversation_id,created_at,role,text\n"), 400);
    const big = "conversation_id,created_at,role,text\n" + "x".repeat(20 * 1024 * 1024);
    expect((await expectJson(upload(fresh, big), 413)).code).toBe("PAYLOAD_TOO_LARGE");
    const wrongType = await call("/api/imports", { method: "POST", token: fresh.token, json: { csv: "a" } });
    expect(wrongType.status).toBe(400);
    expect(await countOf(fresh.tenantId, "conversations")).toBe(0);
  });

  it("dryRun reports without writing; another tenant's bot is 404; agents and viewers are 403", async () => {
    const fresh = await makeTenant("Careful");
    const dry = await expectJson<Report>(upload(fresh, GOOD, "?dryRun=true"), 200);
    expect(dry).toMatchObject({ dryRun: true, conversations: { imported: 3 } });
    expect(await countOf(fresh.tenantId, "conversations")).toBe(0);
    await expectJson(upload(fresh, GOOD, `?botId=${other.botId}`), 404);
    for (const role of ["agent", "viewer"] as const) {
      const m = await addMember(fresh, role);
      await expectJson(upload(m, GOOD), 403);
    }
    await expectJson(call("/api/imports", { method: "POST", body: new FormData() }), 401);
    expect(await countOf(fresh.tenantId, "conversations")).toBe(0);
    // the same external ids in another workspace are that workspace's own conversations
    const r = await expectJson<Report>(upload(fresh, GOOD, `?botId=${fresh.botId}`), 200);
    expect(r.conversations.imported).toBe(3);
  });
});

describe("POST /api/imports?type=qa (knowledge question/answer pairs)", () => {
  type QaReport = {
    type: "qa";
    rows: number;
    dryRun: boolean;
    pairs: { imported: number; updated: number; skipped: number };
    sourceIds: string[];
    refusedRows: number;
    errors: { row: number; column: string | null; message: string }[];
    ignoredColumns: string[];
  };
  const qa = (t: { token: string }, csv: string, query = "") => upload(t, csv, `?type=qa${query ? `&${query}` : ""}`);
  const sources = async (t: TestTenant) =>
    (
      await env.DB.prepare(
        "select id, type, title, bot_id, external_id, status from knowledge_sources where tenant_id = ? order by created_at",
      )
        .bind(t.tenantId)
        .all<{
          id: string;
          type: string;
          title: string;
          bot_id: string | null;
          external_id: string | null;
          status: string;
        }>()
    ).results;
  const ready = (t: TestTenant, ids: string[]) =>
    eventually(
      () => sources(t),
      (rows) => ids.every((id) => rows.some((r) => r.id === id && r.status === "ready")),
      45_000,
    );
  const ask = (t: TestTenant, question: string) =>
    expectJson(call(`/api/bots/${t.botId}/ask`, { method: "POST", token: t.token, json: { question } }), 200);

  const PAIRS =
    "id,question,answer,legacy_views\r\n" +
    'kb-1,How long does shipping to Iceland take?,"Parcels to Iceland arrive in **9 working days**, tracked.",120\r\n' +
    "kb-2,Can I pay with a gift card?,Yes: gift cards are accepted at checkout and never expire.,40\r\n" +
    ",What is the warranty on the quokkaphone?,The quokkaphone has a 3-year warranty covering battery faults.,7\r\n";

  it("makes one cited source per pair, answers from them, and a re-import changes nothing", async () => {
    const t = await makeTenant("QaImporter");
    const r = await expectJson<QaReport>(qa(t, PAIRS), 200);
    expect(r).toMatchObject({ type: "qa", rows: 3, pairs: { imported: 3, updated: 0, skipped: 0 }, refusedRows: 0 });
    expect(r.ignoredColumns).toEqual(["legacy_views"]);
    expect(r.sourceIds).toHaveLength(3);
    const rows = await ready(t, r.sourceIds);
    const mine = rows.filter((x) => r.sourceIds.includes(x.id));
    expect(mine.map((x) => [x.type, x.title, x.external_id, x.bot_id])).toEqual([
      ["qa", "How long does shipping to Iceland take?", "kb-1", null],
      ["qa", "Can I pay with a gift card?", "kb-2", null],
      ["qa", "What is the warranty on the quokkaphone?", null, null],
    ]);
    const a = await ask(t, "how many days does shipping to iceland take?");
    expect(a.answer).toMatch(/9 working days/);
    expect(a.sources.map((s: { title: string }) => s.title)).toContain("How long does shipping to Iceland take?");
    // the same file again: every pair skipped, no new source
    const again = await expectJson<QaReport>(qa(t, PAIRS), 200);
    expect(again.pairs).toEqual({ imported: 0, updated: 0, skipped: 3 });
    expect(again.sourceIds).toEqual([]);
    expect((await sources(t)).filter((x) => x.type === "qa")).toHaveLength(3);
  });

  it("updates a changed answer in place of the old one, and re-imports a pair whose source was deleted", async () => {
    const t = await makeTenant("QaUpdater");
    const first = await expectJson<QaReport>(qa(t, PAIRS), 200);
    await ready(t, first.sourceIds);
    await expectJson(call(`/api/knowledge/sources/${first.sourceIds[1]}`, { method: "DELETE", token: t.token }), 204);
    const edited = PAIRS.replace("9 working days", "6 working days");
    const r = await expectJson<QaReport>(qa(t, edited), 200);
    expect(r.pairs).toEqual({ imported: 1, updated: 1, skipped: 1 });
    await ready(t, r.sourceIds);
    // the edited pair replaced the old source once indexed: one Iceland source, with the new answer
    const iceland = await eventually(
      async () => (await sources(t)).filter((x) => x.external_id === "kb-1"),
      (xs) => xs.length === 1,
    );
    expect(r.sourceIds).toContain(iceland[0]!.id);
    expect((await ask(t, "how many days does shipping to iceland take?")).answer).toMatch(/6 working days/);
    expect((await sources(t)).filter((x) => x.external_id === "kb-2")).toHaveLength(1);
  });

  it("validates every row: refuses the file naming each bad row, or with partial=true imports the rest", async () => {
    const t = await makeTenant("QaStrict");
    const other = await makeTenant("QaOther");
    const bad =
      "question,answer,bot_id\r\n" +
      "Where is my order?,Check the tracking link in your confirmation mail.,\r\n" +
      ",An answer without a question,\r\n" +
      "A question without an answer,,\r\n" +
      `Do you ship abroad?,Yes to 40 countries.,${other.botId}\r\n` +
      `Where is my order?,A second answer to the same question.,\r\n` +
      `Is there a student discount?,"Yes, 50% with a student email.",${t.botId}\r\n` +
      `${"x".repeat(10_001)},too long,\r\n`;
    const refused = await expectJson(qa(t, bad), 400);
    expect(refused.errors.map((e: { path: string }) => e.path)).toEqual([
      "rows[3].question",
      "rows[4].answer",
      "rows[5].bot_id",
      "rows[6].question",
      "rows[8].question",
    ]);
    expect(await sources(t)).toEqual([]);
    const part = await expectJson<QaReport>(qa(t, bad, "partial=true"), 200);
    expect(part).toMatchObject({ rows: 7, pairs: { imported: 2 }, refusedRows: 5 });
    expect(part.errors.find((e) => e.row === 6)?.message).toMatch(/row 2/);
    const rows = await ready(t, part.sourceIds);
    expect(rows.map((x) => [x.title, x.bot_id])).toEqual([
      ["Where is my order?", null],
      ["Is there a student discount?", t.botId],
    ]);
    // nothing landed in the other workspace whose bot id was named
    expect(await sources(other)).toEqual([]);
  });

  it("needs knowledge:write (a viewer is 403); dryRun writes nothing; a bad header is 400; an unknown bot 404", async () => {
    const t = await makeTenant("QaPerms");
    const viewer = await addMember(t, "viewer");
    await expectJson(qa(viewer, PAIRS), 403);
    const dry = await expectJson<QaReport>(qa(t, PAIRS, "dryRun=true"), 200);
    expect(dry).toMatchObject({ dryRun: true, pairs: { imported: 3 }, sourceIds: [] });
    const header = await expectJson(qa(t, "q,a\r\nHi,Hello\r\n"), 400);
    expect(header.errors.map((e: { message: string }) => e.message)).toContain('required column "question" is missing');
    await expectJson(qa(t, PAIRS, `botId=bot_${"0".repeat(26)}`), 404);
    expect(await sources(t)).toEqual([]);
  });
});
