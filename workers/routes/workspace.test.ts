import { env, runInDurableObject } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import { purgeDueWorkspaces, workspacePrefixes } from "../domain/workspace";
import { createLog } from "../lib/log";
import { roomStub } from "../rooms/room-stub";
import { hubPortOf, roomsPortOf } from "../rooms/room-port";
import { hubStub } from "../rooms/tenant-hub";
import { knowledgeIndexPortOf, knowledgeIndexStub } from "../rooms/knowledge-index";
import { joinVisitor, newSession } from "../rooms/test-client";
import { runWorkspacePurge } from "../scheduled";
import { createDb } from "../storage/db";
import { reposOf } from "../storage/repos";
import { scopeToken } from "../storage/search";
import { TENANT_TABLES } from "../storage/workspace-repo";
import type { VectorIndex } from "../contracts/providers";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { durableObjectRows, messagesInD1 } from "../test/stores";

const DAY = 24 * 3600 * 1000;
const SLOW = { timeout: 90_000 };

/** The tables D1 really has with a `tenant_id` column, read from sqlite_master (never from our list). */
async function tenantTablesInD1(): Promise<string[]> {
  const { results } = await env.DB.prepare(
    "select name from sqlite_master where type = 'table' and name not like 'sqlite%' and name not like '\\_cf%' escape '\\' order by name",
  ).all<{ name: string }>();
  const out: string[] = [];
  for (const { name } of results) {
    // D1 refuses the pragma_table_info() function but allows the PRAGMA statement
    const cols = await env.DB.prepare(`pragma table_info("${name}")`).all<{ name: string }>();
    if (cols.results.some((c) => c.name === "tenant_id")) out.push(name);
  }
  return out;
}

/** Rows with this tenant_id in every D1 table that has the column. */
async function rowsByTable(tenantId: string) {
  const out: Record<string, number> = {};
  for (const table of await tenantTablesInD1()) {
    const r = await env.DB.prepare(`select count(*) n from "${table}" where tenant_id = ?`).bind(tenantId).first<{
      n: number;
    }>();
    out[table] = r!.n;
  }
  return out;
}
const total = (rows: Record<string, number>) => Object.values(rows).reduce((a, b) => a + b, 0);

async function objectsUnder(tenantId: string) {
  let n = 0;
  for (const prefix of workspacePrefixes(tenantId)) n += (await env.FILES.list({ prefix })).objects.length;
  return n;
}

/** Chunks held by the tenant's retrieval index object (rooms/knowledge-index.ts). */
const indexChunks = (tenantId: string) =>
  runInDurableObject(knowledgeIndexStub(env.KNOWLEDGE_INDEX, tenantId), async (_o, state) =>
    Number(state.storage.sql.exec("select count(*) n from chunks").one().n),
  );

const ftsRows = async (table: "knowledge_fts" | "messages_fts", tenantId: string) =>
  (await env.DB.prepare(`select count(*) n from ${table} where ${table} match ?`)
    .bind(`scope:${scopeToken(tenantId)}`)
    .first<{ n: number }>())!.n;

/** A workspace with data in every store: a conversation (room, D1, FTS), a ticket, knowledge (R2, FTS), a recording, a commerce archive. */
async function fill(t: TestTenant) {
  const s = await newSession(t, { visitor: { name: "Alice", email: "alice@example.test" } });
  const v = await joinVisitor(s);
  v.send({ type: "msg", cid: "m1", text: "Hello, my parcel 1234 never arrived" });
  await v.waitFor((f) => f.type === "msg" && f.cid === "m1");
  v.close();
  await messagesInD1(s.conversationId);
  // a low-confidence answer may already have escalated into a ticket (409); either way one exists
  const ticket = await call("/api/tickets", {
    method: "POST",
    token: t.token,
    json: { conversationId: s.conversationId },
  });
  expect([201, 409], await ticket.text()).toContain(ticket.status);
  const form = new FormData();
  form.append("file", new File(["Parcels arrive within five days. Refunds take two weeks."], "faq.txt"));
  const src = await expectJson(call("/api/knowledge/sources", { method: "POST", token: t.token, body: form }), 202);
  await eventually(
    () => expectJson(call(`/api/knowledge/sources/${src.id}`, { token: t.token }), 200),
    (x) => x.status === "ready",
    45_000,
  );
  await env.FILES.put(`voice/${t.tenantId}/call_x/recording.mp3`, new Uint8Array([1, 2, 3]));
  await env.FILES.put(`commerce/${t.tenantId}/conn_x/data-requests/r1.json`, "{}");
  return s.conversationId;
}

const sweepCtx = (now: number, vectors: VectorIndex | null = null) => ({
  repos: reposOf(createDb(env.DB)),
  log: createLog({ test: "workspace-purge" }),
  services: { files: env.FILES },
  rooms: roomsPortOf(env.CONVERSATION_ROOM),
  hub: hubPortOf(env.TENANT_HUB),
  knowledge: knowledgeIndexPortOf(env.KNOWLEDGE_INDEX),
  clock: { now: () => now },
  requestId: "req_purge",
  providers: { externalVectorIndex: () => vectors },
});

/**
 * An external vector index as production's Vectorize is seen through the port (ids are chunk
 * seqs): it records what it is told to remove, or fails like an unreachable index.
 */
function externalIndex(fail = false) {
  const removed: number[] = [];
  const index: VectorIndex = {
    name: "external-test",
    upsert: async () => {},
    query: async () => [],
    remove: async (_tenantId, _sourceId, seqs) => {
      if (fail) throw new Error("vector index unreachable");
      removed.push(...seqs);
    },
  };
  return { index, removed };
}
const chunkSeqsOf = async (tenantId: string) =>
  (
    await env.DB.prepare("select seq from knowledge_chunks where tenant_id = ? order by seq")
      .bind(tenantId)
      .all<{ seq: number }>()
  ).results.map((r) => r.seq);

const del = (token: string, json?: unknown) => call("/api/workspace", { method: "DELETE", token, json });
const login = (t: TestTenant) =>
  call("/api/auth/login", { method: "POST", json: { email: t.email, password: t.password } });

describe("TENANT_TABLES", () => {
  it("lists exactly the D1 tables that have a tenant_id column (a new tenant table must be purged)", async () => {
    expect([...TENANT_TABLES].sort()).toEqual(await tenantTablesInD1());
  });
});

describe("workspace deletion with a grace period, then the purge", async () => {
  const t = await makeTenant("Doomed");
  const other = await makeTenant("Survivor");
  const admin = await addMember(t, "admin");
  const viewer = await addMember(t, "viewer");
  const conv = await fill(t);
  const otherConv = await fill(other);
  const conv2 = (await newSession(t)).conversationId;
  const name = (await expectJson(call("/api/workspace", { token: t.token }), 200)).name as string;

  it("GET /api/workspace shows the workspace, no deletion scheduled", async () => {
    const w = await expectJson(call("/api/workspace", { token: viewer.token }), 200);
    expect(w).toMatchObject({ id: t.tenantId, name, deletionScheduledAt: null });
  });

  it("refuses a wrong or missing confirmation (400) and non-owners (403); nothing changes", async () => {
    for (const body of [{ confirm: "Doomed" }, { confirm: name.toUpperCase() }, { confirm: `${name} ` }, {}, undefined])
      await expectJson(del(t.token, body), 400);
    await expectJson(del(admin.token, { confirm: name }), 403);
    await expectJson(del(viewer.token, { confirm: name }), 403);
    // keys never delete a workspace: the scope cannot be granted, and a broad key is refused
    await expectJson(
      call("/api/keys", { method: "POST", token: t.token, json: { name: "k", scopes: ["workspace:delete"] } }),
      400,
    );
    const key = await expectJson(
      call("/api/keys", {
        method: "POST",
        token: t.token,
        json: { name: "k", scopes: ["team:read", "settings:write", "billing:write"] },
      }),
      201,
    );
    await expectJson(del(key.secret, { confirm: name }), 403);
    await expectJson(call("/api/workspace/restore", { method: "POST", token: key.secret }), 403);
    // another workspace's name deletes nothing there either
    await expectJson(del(other.token, { confirm: name }), 400);
    expect((await expectJson(call("/api/workspace", { token: t.token }), 200)).deletionScheduledAt).toBeNull();
    expect((await expectJson(call("/api/workspace", { token: other.token }), 200)).deletionScheduledAt).toBeNull();
    const audit = await expectJson(call("/api/audit?action=workspace.deletion_scheduled", { token: t.token }), 200);
    expect(audit.data).toHaveLength(0);
  });

  it("refuses (409) while a paid subscription still renews, and allows it once set to end", async () => {
    const paying = await makeTenant("Paying");
    const payingName = (await expectJson(call("/api/workspace", { token: paying.token }), 200)).name;
    const setAccount = (cancelAtPeriodEnd: number) =>
      env.DB.prepare(
        `INSERT INTO billing_accounts (tenant_id, plan, status, stripe_customer_id, stripe_subscription_id, period_end, cancel_at_period_end, updated_at)
         VALUES (?, 'pro', 'active', ?, 'sub_test', ?, ?, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET cancel_at_period_end = excluded.cancel_at_period_end`,
      )
        .bind(paying.tenantId, `cus_${paying.tenantId}`, Date.now() + 20 * DAY, cancelAtPeriodEnd, Date.now())
        .run();
    await setAccount(0);
    const refused = await expectJson(del(paying.token, { confirm: payingName }), 409);
    expect(refused.detail).toMatch(/cancel it in Billing/);
    expect((await expectJson(call("/api/workspace", { token: paying.token }), 200)).deletionScheduledAt).toBeNull();
    await setAccount(1);
    await expectJson(del(paying.token, { confirm: payingName }), 202);
  });

  it("schedules after 7 days (202), audited, owners mailed; the workspace keeps working; restore cancels", async () => {
    const before = Date.now();
    const res = await expectJson(del(t.token, { confirm: name }), 202);
    const at = Date.parse(res.deletionScheduledAt);
    expect(at).toBeGreaterThanOrEqual(before + 7 * DAY);
    expect(at).toBeLessThanOrEqual(Date.now() + 7 * DAY);
    const w = await expectJson(call("/api/workspace", { token: viewer.token }), 200);
    expect(w).toMatchObject({ deletionScheduledAt: res.deletionScheduledAt, deletionRequestedBy: t.userId });
    await expectJson(del(t.token, { confirm: name }), 409);
    const audit = await expectJson(call("/api/audit?action=workspace.deletion_scheduled", { token: t.token }), 200);
    expect(audit.data).toHaveLength(1);
    expect(audit.data[0]).toMatchObject({ actor: { type: "user", id: t.userId }, metadata: { graceDays: 7 } });
    const mails = (await expectJson(call("/api/outbox", { token: t.token }), 200)).data as {
      to: string;
      subject: string;
    }[];
    expect(mails.filter((m) => m.subject.includes("scheduled for deletion")).map((m) => m.to)).toEqual([t.email]);
    // while scheduled: members sign in and read, the widget still opens sessions
    await expectJson(login(t), 200);
    await expectJson(call("/api/conversations", { token: viewer.token }), 200);
    await expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey } }), 200);
    // the purge before the grace period has passed does nothing
    expect(await purgeDueWorkspaces(sweepCtx(at - 1000))).toEqual([]);
    // restore: owners only, audited; a second restore has nothing to cancel
    await expectJson(call("/api/workspace/restore", { method: "POST", token: admin.token }), 403);
    const restored = await expectJson(call("/api/workspace/restore", { method: "POST", token: t.token }), 200);
    expect(restored.deletionScheduledAt).toBeNull();
    await expectJson(call("/api/workspace/restore", { method: "POST", token: t.token }), 409);
    const audit2 = await expectJson(call("/api/audit?action=workspace.deletion_restored", { token: t.token }), 200);
    expect(audit2.data).toHaveLength(1);
    // long after the would-be date, a restored workspace is not purged
    expect((await purgeDueWorkspaces(sweepCtx(at + 30 * DAY))).find((r) => r.tenantId === t.tenantId)).toBeUndefined();
    expect(total(await rowsByTable(t.tenantId))).toBeGreaterThan(0);
  });

  it(
    "after the grace period the job purges every store, resumably, and leaves the other workspace intact",
    SLOW,
    async () => {
      const res = await expectJson(del(t.token, { confirm: name }), 202);
      const after = Date.parse(res.deletionScheduledAt) + 1000;
      const otherRows = await rowsByTable(other.tenantId);
      const otherObjects = await objectsUnder(other.tenantId);
      const otherRoom = await durableObjectRows(roomStub(env.CONVERSATION_ROOM, other.tenantId, otherConv));
      const otherFts = [await ftsRows("knowledge_fts", other.tenantId), await ftsRows("messages_fts", other.tenantId)];
      expect(await objectsUnder(t.tenantId)).toBeGreaterThanOrEqual(3);
      expect(await ftsRows("knowledge_fts", t.tenantId)).toBeGreaterThan(0);
      // the ingest brought the tenant's index object up to date
      const chunks = (await chunkSeqsOf(t.tenantId)).length;
      await eventually(
        () => indexChunks(t.tenantId),
        (n) => n === chunks,
      );
      const otherIndex = await indexChunks(other.tenantId);
      expect(await durableObjectRows(roomStub(env.CONVERSATION_ROOM, t.tenantId, conv))).toBeGreaterThan(0);
      expect(await durableObjectRows(hubStub(env.TENANT_HUB, t.tenantId))).toBeGreaterThan(0);

      const seqs = await chunkSeqsOf(t.tenantId);
      const otherSeqs = await chunkSeqsOf(other.tenantId);
      expect(seqs.length).toBeGreaterThan(0);
      const vectors = externalIndex();
      // a run cut short (one conversation allowed) leaves the tenant row; the next one finishes
      const first = await purgeDueWorkspaces(sweepCtx(after, vectors.index), { maxConversations: 1 });
      expect(first.find((r) => r.tenantId === t.tenantId)).toMatchObject({ done: false, conversations: 1 });
      expect(
        (await env.DB.prepare("select count(*) n from tenants where id = ?").bind(t.tenantId).first<{ n: number }>())!
          .n,
      ).toBe(1);
      await expectJson(login(t), 401); // access went first
      // an external vector index that fails holds the purge back: the chunk rows (its only map of
      // the vector ids) stay, and the workspace is due again
      const failed = await purgeDueWorkspaces(sweepCtx(after, externalIndex(true).index));
      expect(failed.find((r) => r.tenantId === t.tenantId)).toBeUndefined();
      expect(await chunkSeqsOf(t.tenantId)).toEqual(seqs);
      const second = await purgeDueWorkspaces(sweepCtx(after, vectors.index));
      expect(second.find((r) => r.tenantId === t.tenantId)).toMatchObject({ done: true, vectors: seqs.length });
      // every vector of the workspace was removed from the external index, and none of the other's
      expect(vectors.removed.sort((a, b) => a - b)).toEqual(seqs);
      expect(vectors.removed.filter((x) => otherSeqs.includes(x))).toEqual([]);
      expect(await purgeDueWorkspaces(sweepCtx(after))).toEqual([]);

      // nothing left: every tenant_id table (from sqlite_master), the tenant row, R2, FTS, rooms, hub
      const left = await rowsByTable(t.tenantId);
      expect(Object.entries(left).filter(([, n]) => n > 0)).toEqual([]);
      expect(
        (await env.DB.prepare("select count(*) n from tenants where id = ?").bind(t.tenantId).first<{ n: number }>())!
          .n,
      ).toBe(0);
      expect(await objectsUnder(t.tenantId)).toBe(0);
      expect(await ftsRows("knowledge_fts", t.tenantId)).toBe(0);
      expect(await ftsRows("messages_fts", t.tenantId)).toBe(0);
      expect(await indexChunks(t.tenantId)).toBe(0);
      for (const id of [conv, conv2])
        expect(await durableObjectRows(roomStub(env.CONVERSATION_ROOM, t.tenantId, id))).toBe(0);
      expect(
        await runInDurableObject(hubStub(env.TENANT_HUB, t.tenantId), async (_o, state) =>
          Number(state.storage.sql.exec("select (select count(*) from events) + (select count(*) from kv) n").one().n),
        ),
      ).toBe(0);

      // the owner's sign-in no longer lands there; old tokens are refused
      await expectJson(login(t), 401);
      await expectJson(call("/api/workspace", { token: t.token }), 401);
      await expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey } }), 401); // unknown bot key

      // the other workspace is untouched, row for row
      expect(await rowsByTable(other.tenantId)).toEqual(otherRows);
      expect(await objectsUnder(other.tenantId)).toBe(otherObjects);
      expect(await durableObjectRows(roomStub(env.CONVERSATION_ROOM, other.tenantId, otherConv))).toBe(otherRoom);
      expect(await indexChunks(other.tenantId)).toBe(otherIndex);
      expect([await ftsRows("knowledge_fts", other.tenantId), await ftsRows("messages_fts", other.tenantId)]).toEqual(
        otherFts,
      );
      await expectJson(login(other), 200);
      const w = await expectJson(call("/api/workspace", { token: other.token }), 200);
      expect(w).toMatchObject({ id: other.tenantId, deletionScheduledAt: null });
    },
  );

  it("the hourly cron job purges a workspace whose grace period has passed", async () => {
    const t3 = await makeTenant("Cron");
    await newSession(t3);
    await env.DB.prepare("update tenants set deletion_scheduled_at = ? where id = ?")
      .bind(Date.now() - 1000, t3.tenantId)
      .run();
    await runWorkspacePurge(env);
    expect(total(await rowsByTable(t3.tenantId))).toBe(0);
    expect(
      (await env.DB.prepare("select count(*) n from tenants where id = ?").bind(t3.tenantId).first<{ n: number }>())!.n,
    ).toBe(0);
  });
});
