import { env, runInDurableObject } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import type { IndexQuery, KnowledgeIndexPort } from "../contracts/knowledge-index";
import { d1KnowledgeIndex } from "../domain/knowledge/index-d1";
import { RETRIEVAL_TUNING } from "../domain/knowledge/retrieve";
import { ftsToken, synonymsOf } from "../providers/text";
import { createDb } from "../storage/db";
import { reposOf } from "../storage/repos";
import { addTextSource, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { knowledgeIndexPortOf, knowledgeIndexStub } from "./knowledge-index";

const SLOW = { timeout: 90_000 };
const objects = knowledgeIndexPortOf(env.KNOWLEDGE_INDEX);
const d1 = d1KnowledgeIndex(reposOf(createDb(env.DB)));

/** The query retrieval makes for these (already content) words: each with its synonyms. */
function queryOf(words: string[], extra: Partial<IndexQuery> = {}): IndexQuery {
  const terms = words.map((w) => [w, ...synonymsOf(w)].map(ftsToken));
  return {
    groups: terms.map((t) => `(${t.join(" OR ")})`),
    terms,
    limit: RETRIEVAL_TUNING.candidates,
    weights: RETRIEVAL_TUNING.weights,
    ...extra,
  };
}

const versionOf = async (tenantId: string) =>
  Number(
    (
      await env.DB.prepare("select version from knowledge_versions where tenant_id = ?")
        .bind(tenantId)
        .first<{ version: number }>()
    )?.version ?? 1,
  );

/** Chunks the tenant's object holds, and the version it holds them at. */
const held = (tenantId: string) =>
  runInDurableObject(knowledgeIndexStub(env.KNOWLEDGE_INDEX, tenantId), async (_o, state) => ({
    chunks: Number(state.storage.sql.exec("select count(*) n from chunks").one().n),
    version: Number(state.storage.sql.exec("select coalesce(max(v), 0) v from meta where k = 'version'").one().v),
  }));

const d1Chunks = async (tenantId: string) =>
  (await env.DB.prepare("select count(*) n from knowledge_chunks where tenant_id = ?")
    .bind(tenantId)
    .first<{ n: number }>())!.n;

const titles = (r: { hits: { title: string }[] }) => [...new Set(r.hits.map((h) => h.title))].sort();

describe("the per-tenant knowledge index object", () => {
  let a: TestTenant;
  let b: TestTenant;
  beforeAll(async () => {
    a = await makeTenant("IndexA");
    b = await makeTenant("IndexB");
    await addTextSource(
      a,
      "Parcels",
      "Parcels leave the warehouse every morning. Parcels are insured up to 500 euros.",
    );
    await addTextSource(a, "Returns", "Returns are free within 30 days. Print the label from your account.");
    await addTextSource(b, "Kites", "Our kites fly in winds from 10 to 40 km/h. Parcels of kites ship on Mondays.");
  }, 60_000);

  it("is brought up to date by the ingest and holds exactly the tenant's chunks", async () => {
    // the consumer's refresh runs after the message (waitUntil), without any search
    const want = { chunks: await d1Chunks(a.tenantId), version: await versionOf(a.tenantId) };
    expect(want.chunks).toBeGreaterThan(0);
    await eventually(
      () => held(a.tenantId),
      (h) => h.chunks === want.chunks && h.version === want.version,
    );
    const r = await objects.search(
      a.tenantId,
      queryOf(["parcels", "insured"], { knowledgeVersion: await versionOf(a.tenantId) }),
    );
    expect(titles(r)).toEqual(["Parcels"]);
    expect(r.df).toEqual([1, 1]);
    expect(r.total).toBe(await d1Chunks(a.tenantId));
  });

  it("gives the counts and the candidates D1's shared index gives", async () => {
    const version = await versionOf(a.tenantId);
    for (const words of [
      ["parcels"],
      ["returns", "label"],
      ["warehouse", "kites"],
      ["free", "days", "account"],
      ["bread"],
    ]) {
      const q = queryOf(words, { knowledgeVersion: version });
      const [mine, reference] = [await objects.search(a.tenantId, q), await d1.search(a.tenantId, q)];
      expect({ total: mine.total, df: mine.df, version: mine.version }).toEqual({
        total: reference.total,
        df: reference.df,
        version: reference.version,
      });
      expect(mine.hits.map((h) => h.chunkId).sort()).toEqual(reference.hits.map((h) => h.chunkId).sort());
      expect(mine.hits.map((h) => h.terms)).toEqual(
        mine.hits.map((h) => reference.hits.find((x) => x.chunkId === h.chunkId)!.terms),
      );
    }
  });

  it("never answers with another tenant's chunks, and refuses a call for another tenant", async () => {
    const r = await objects.search(b.tenantId, queryOf(["parcels", "insured"]));
    expect(titles(r)).toEqual(["Kites"]);
    const stub = knowledgeIndexStub(env.KNOWLEDGE_INDEX, a.tenantId);
    // a call naming another tenant (a wrong route to the object) finds nothing and copies nothing
    expect(await stub.search(b.tenantId, queryOf(["kites"]))).toEqual({ total: 0, df: [0], version: 0, hits: [] });
    await stub.refresh(b.tenantId);
    expect(await stub.erase(b.tenantId)).toEqual({ chunks: 0 });
    expect((await held(a.tenantId)).chunks).toBe(await d1Chunks(a.tenantId));
  });

  it("follows changes made in D1 behind its back, before it answers", SLOW, async () => {
    const t = await makeTenant("IndexBehind");
    const id = await addTextSource(t, "Pallets", "A pallet ships from the warehouse on Fridays.");
    await addTextSource(t, "Crates", "Crates are collected on Tuesdays.");
    expect(titles(await objects.search(t.tenantId, queryOf(["pallet"])))).toEqual(["Pallets"]);
    // rows deleted straight from D1 (no refresh): the next search at the new version drops them
    const repos = reposOf(createDb(env.DB));
    await repos.knowledge.runBatch([
      repos.knowledge.deleteSourceStmt(t.tenantId, id),
      ...repos.knowledge.clearIndexStmts(t.tenantId, id),
    ]);
    const version = await versionOf(t.tenantId);
    expect((await held(t.tenantId)).version).toBeLessThan(version);
    const after = await objects.search(t.tenantId, queryOf(["pallet", "crates"], { knowledgeVersion: version }));
    expect(after.df).toEqual([0, 1]);
    expect(titles(after)).toEqual(["Crates"]);
    expect(await held(t.tenantId)).toEqual({ chunks: await d1Chunks(t.tenantId), version });
    // a lost copy is rebuilt from D1 on the next search
    expect(await objects.erase(t.tenantId)).toEqual({ chunks: await d1Chunks(t.tenantId) });
    expect((await held(t.tenantId)).chunks).toBe(0);
    expect(titles(await objects.search(t.tenantId, queryOf(["crates"], { knowledgeVersion: version })))).toEqual([
      "Crates",
    ]);
    expect(await held(t.tenantId)).toEqual({ chunks: await d1Chunks(t.tenantId), version });
  });

  it("answers a visitor question through the API from the object", SLOW, async () => {
    const ask = async (question: string) =>
      expectJson(call(`/api/bots/${a.botId}/ask`, { method: "POST", token: a.token, json: { question } }), 200);
    const r = await ask("are parcels insured?");
    expect(r.handoff).toBe(false);
    expect(r.answer).toContain("500 euros");
    expect(r.sources.map((s: { title: string }) => s.title)).toEqual(["Parcels"]);
  });
});
