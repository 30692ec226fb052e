import { env } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";

type Page = {
  data: { id: string; status: string; mode: string; botId: string; assigneeId: string | null }[];
  nextCursor: string | null;
};

async function rowsOf(tenantId: string) {
  const conv = await env.DB.prepare("select * from conversations where tenant_id = ? order by id").bind(tenantId).all();
  const msgs = await env.DB.prepare("select * from messages where tenant_id = ? order by id").bind(tenantId).all();
  return { conv: conv.results, msgs: msgs.results };
}

describe("conversations REST (from the D1 copy)", async () => {
  const t = await makeTenant();
  const other = await makeTenant("Other");
  const viewer = await addMember(t, "viewer");
  // a: handed to a person; b: taken over by the owner and answered; c: untouched; d: another bot
  const a = await newSession(t);
  const b = await newSession(t);
  const c = await newSession(t);
  const bot2 = await expectJson(call("/api/bots", { method: "POST", token: t.token, json: { name: "Second" } }), 201);
  const d = await expectJson(
    call("/api/widget/sessions", { method: "POST", json: { botKey: bot2.publishableKey } }),
    200,
  );
  const va = await joinVisitor(a);
  va.send({ type: "human" });
  await va.waitFor((f) => f.type === "mode");
  const vb = await joinVisitor(b);
  const ob = await joinOperator(b.conversationId, t.token);
  ob.send({ type: "takeover" });
  await vb.waitFor((f) => f.type === "mode");
  vb.send({ type: "msg", cid: "b1", text: "My export fails with error 42" });
  await ob.waitFor((f) => f.type === "msg" && f.cid === "b1");
  ob.send({ type: "msg", cid: "b2", text: "Thanks, looking into it." });
  await vb.waitFor((f) => f.type === "msg" && f.cid === "b2");
  ob.send({ type: "note", text: "probably the PDF renderer" });
  await ob.waitFor((f) => f.type === "note");
  for (const s of [va, vb, ob]) s.close();
  // the D1 copy catches up within seconds
  await eventually(
    () => expectJson(call(`/api/conversations/${b.conversationId}/messages`, { token: t.token }), 200),
    (p: { data: unknown[] }) => p.data.length === 4,
  );
  await eventually(
    () => expectJson(call(`/api/conversations?status=waiting`, { token: t.token }), 200),
    (p: Page) => p.data.length === 1,
  );

  it("lists with filters: status, mode, botId, assignee (me, none, id)", async () => {
    const ids = async (q: string) =>
      ((await expectJson(call(`/api/conversations${q}`, { token: t.token }), 200)) as Page).data
        .map((x) => x.id)
        .sort();
    expect(await ids("?status=waiting")).toEqual([a.conversationId]);
    // c and d were opened but nobody wrote: hidden unless asked for
    expect(await ids("?mode=ai")).toEqual([]);
    expect(await ids("?mode=ai&includeEmpty=true")).toEqual([c.conversationId, d.conversationId].sort());
    expect(await ids(`?botId=${bot2.id}`)).toEqual([]);
    expect(await ids(`?botId=${bot2.id}&includeEmpty=true`)).toEqual([d.conversationId]);
    expect(await ids("?assignee=me")).toEqual([b.conversationId]);
    expect(await ids(`?assignee=${t.userId}`)).toEqual([b.conversationId]);
    expect(await ids("?assignee=none")).toEqual([a.conversationId]);
    expect(await ids("?assignee=none&includeEmpty=true")).toEqual(
      [a.conversationId, c.conversationId, d.conversationId].sort(),
    );
    await expectJson(call("/api/conversations?includeEmpty=yes", { token: t.token }), 400);
    expect(await ids("?status=open&mode=human")).toEqual([b.conversationId]);
    const row = (await expectJson(
      call(`/api/conversations/${b.conversationId}`, { token: viewer.token }),
      200,
    )) as Record<string, unknown>;
    expect(row).toMatchObject({
      status: "open",
      mode: "human",
      assigneeId: t.userId,
      messageCount: 3,
      lastSeq: 3,
      lastMessagePreview: "Thanks, looking into it.",
    });
  });

  it("paginates by cursor without repeats or gaps", async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const page: Page = await expectJson(
        call(`/api/conversations?limit=1&includeEmpty=true${cursor ? `&cursor=${cursor}` : ""}`, { token: t.token }),
        200,
      );
      seen.push(...page.data.map((x) => x.id));
      cursor = page.nextCursor;
    } while (cursor);
    expect(seen.sort()).toEqual([a, b, c, d].map((x) => x.conversationId).sort());
  });

  it("returns messages in seq order with notes flagged, and pages them", async () => {
    const p = await expectJson(call(`/api/conversations/${b.conversationId}/messages`, { token: t.token }), 200);
    expect(p.data.map((m: { role: string; internal: boolean }) => `${m.role}${m.internal ? ":note" : ""}`)).toEqual([
      "system",
      "visitor",
      "agent",
      "agent:note",
    ]);
    expect(p.data[1]).toMatchObject({
      seq: 2,
      cid: "b1",
      text: "My export fails with error 42",
      at: expect.any(String),
      internal: false,
    });
    const first = await expectJson(
      call(`/api/conversations/${b.conversationId}/messages?limit=2`, { token: t.token }),
      200,
    );
    expect(first.data.map((m: { seq: number }) => m.seq)).toEqual([1, 2]);
    const rest = await expectJson(
      call(`/api/conversations/${b.conversationId}/messages?cursor=${first.nextCursor}`, { token: t.token }),
      200,
    );
    expect(rest.data.map((m: { seq: number }) => m.seq)).toEqual([3, 3]);
  });

  it("exports the transcript as JSON and as text", async () => {
    const json = await expectJson(call(`/api/conversations/${b.conversationId}/export`, { token: t.token }), 200);
    expect(json.conversation.id).toBe(b.conversationId);
    expect(json.messages).toHaveLength(3);
    const res = await call(`/api/conversations/${b.conversationId}/export?format=text&includeNotes=true`, {
      token: t.token,
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/plain");
    expect(res.headers.get("content-disposition")).toContain(`${b.conversationId}.txt`);
    const text = await res.text();
    expect(text).toMatch(/\] Visitor: My export fails with error 42\n/);
    expect(text).toMatch(/\] Agent \(.+\): Thanks, looking into it\./);
    expect(text).toMatch(/\] Note \(.+\): probably the PDF renderer/);
  });

  it("answers 400 with field errors for bad queries", async () => {
    for (const q of ["?status=maybe", "?limit=0", "?limit=9999", "?cursor=%%%", "?bogus=1"]) {
      const body = await expectJson(call(`/api/conversations${q}`, { token: t.token }), 400);
      expect(body.code, q).toBe("INVALID_REQUEST");
    }
    await expectJson(call(`/api/conversations/${b.conversationId}/export?format=pdf`, { token: t.token }), 400);
    await expectJson(call(`/api/conversations/${b.conversationId}/messages?limit=-1`, { token: t.token }), 400);
  });

  it("answers 401 without credentials and 403 for a key without the scope", async () => {
    await expectJson(call("/api/conversations"), 401);
    await expectJson(call(`/api/conversations/${b.conversationId}/messages`), 401);
    const key = await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "bots only", scopes: ["bots:read"] } }),
      201,
    );
    await expectJson(call("/api/conversations", { token: key.secret }), 403);
    await expectJson(call(`/api/conversations/${b.conversationId}/export`, { token: key.secret }), 403);
  });

  it("documents the routes in the OpenAPI document", async () => {
    const doc = await expectJson(call("/api/openapi.json"), 200);
    for (const path of [
      "/api/conversations",
      "/api/conversations/{id}/messages",
      "/api/conversations/{id}/ws",
      "/api/widget/sessions",
      "/api/inbox/ws",
    ])
      expect(Object.keys(doc.paths)).toContain(path);
  });

  it("answers 404 for another tenant's conversation on every route, and changes nothing", async () => {
    const before = await rowsOf(t.tenantId);
    for (const path of [
      "",
      "/messages",
      "/export",
      "/export?format=text",
      "/attachments/att_00000000000000000000000000",
    ]) {
      const body = await expectJson(call(`/api/conversations/${b.conversationId}${path}`, { token: other.token }), 404);
      expect(body.code).toBe("NOT_FOUND");
    }
    const list: Page = await expectJson(call("/api/conversations", { token: other.token }), 200);
    expect(list.data).toEqual([]);
    expect(await rowsOf(t.tenantId)).toEqual(before);
  });
});
