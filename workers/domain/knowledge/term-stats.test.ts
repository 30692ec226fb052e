import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { requestCtx } from "../../compose";
import { ftsToken } from "../../providers/text";
import { addTextSource, call, makeTenant, type TestTenant } from "../../test/fixtures";
import type { AnswerCtx } from "./answer-types";
import { retrieve } from "./retrieve";
import { termStatsOf } from "./term-stats";

const group = (w: string) => `(${ftsToken(w)})`;

async function deleteSource(t: TestTenant, id: string) {
  const res = await call(`/api/knowledge/sources/${id}`, { method: "DELETE", token: t.token });
  expect(res.status).toBeLessThan(300);
}

describe("word counts remembered per knowledge version", () => {
  let a: TestTenant;
  let b: TestTenant;
  let ctxA: AnswerCtx;
  let ctxB: AnswerCtx;
  beforeAll(async () => {
    a = await makeTenant("TermStatsA");
    b = await makeTenant("TermStatsB");
    await addTextSource(a, "Parcels", "Parcels leave the warehouse every morning. Parcels are insured.");
    ctxA = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: a.tenantId };
    ctxB = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: b.tenantId };
  }, 60_000);

  it("serves counts from memory only at the version the caller read, and recounts after any change", async () => {
    const first = await termStatsOf(ctxA, [group("warehouse"), group("pallet")]);
    expect(first.cached).toBe(false);
    expect(first.df).toEqual([1, 0]);
    expect(first.total).toBeGreaterThan(0);
    // the same words at the version just read: no D1 read
    const again = await termStatsOf(ctxA, [group("pallet"), group("warehouse")], first.version);
    expect(again).toMatchObject({ cached: true, df: [0, 1], version: first.version });

    // a new source bumps the version: a caller at the new version gets fresh counts
    const pallets = await addTextSource(a, "Pallets", "A pallet ships from the warehouse on Fridays.");
    const now = await termStatsOf(ctxA, [group("warehouse")]);
    expect(now.version).toBeGreaterThan(first.version);
    const after = await termStatsOf(ctxA, [group("warehouse"), group("pallet")], now.version);
    expect(after.df).toEqual([2, 1]);
    expect(after.total).toBeGreaterThan(first.total);

    // a caller holding the old version is never served the remembered counts of another version
    const stale = await termStatsOf(ctxA, [group("warehouse"), group("pallet")], first.version);
    expect(stale).toMatchObject({ cached: false, df: [2, 1], version: now.version });

    // deleting a source is a change too
    await deleteSource(a, pallets);
    const gone = await termStatsOf(ctxA, [group("pallet")]);
    expect(gone.version).toBeGreaterThan(now.version);
    expect(gone.df).toEqual([0]);
  }, 90_000);

  it("keeps each tenant's counts to itself", async () => {
    const mine = await termStatsOf(ctxA, [group("parcels")]);
    expect(mine.df).toEqual([1]);
    const theirs = await termStatsOf(ctxB, [group("parcels")], mine.version);
    expect(theirs.cached).toBe(false);
    expect(theirs.df).toEqual([0]);
    expect(theirs.total).toBe(0);
  });

  it("retrieves the same with and without the caller's version", async () => {
    const { version } = await termStatsOf(ctxA, [group("parcels")]);
    const plain = await retrieve(ctxA, { question: "are parcels insured?", vector: null });
    const known = await retrieve(ctxA, { question: "are parcels insured?", vector: null, knowledgeVersion: version });
    expect(known.terms).toEqual(plain.terms);
    expect(known.sources.map((s) => s.sourceId)).toEqual(plain.sources.map((s) => s.sourceId));
    expect(known.confidence).toBe(plain.confidence);
    expect(plain.sources.length).toBeGreaterThan(0);
  });
});

describe("question words the knowledge never uses", () => {
  let help: AnswerCtx;
  let forum: AnswerCtx;
  beforeAll(async () => {
    const h = await makeTenant("StubsHelpCentre");
    const f = await makeTenant("StubsForum");
    await addTextSource(h, "Sync", "Sync not working on your phone? Sign out and sign in again to restart sync.");
    await addTextSource(f, "Sync", "Sync isn't working on my phone. Sign out and sign in again to restart sync.");
    help = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: h.tenantId };
    forum = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: f.tenantId };
  }, 60_000);

  it("do not count the stub of a negated auxiliary ('isn' of isn't) against the answer", async () => {
    const q = "Sync isn't working on my phone";
    const r = await retrieve(help, { question: q, vector: null });
    expect(r.terms.map((t) => t.term)).toEqual(["sync", "isn", "working", "phone"]);
    expect(r.terms.find((t) => t.term === "isn")!.weight).toBe(0);
    expect(r.features.unknown).toBe(0);
    expect(r.features.coverage).toBe(1);
    // where the knowledge does say "isn't", the stub is a word like any other
    const f = await retrieve(forum, { question: q, vector: null });
    expect(f.terms.find((t) => t.term === "isn")!.weight).toBeGreaterThan(0);
    // a real word the knowledge never uses still weighs, and more than the rest
    const fax = await retrieve(help, { question: "Sync isn't working on my fax", vector: null });
    expect(fax.features.unknown).toBeGreaterThan(0.3);
    expect(fax.confidence).toBeLessThan(r.confidence);
  });
});
