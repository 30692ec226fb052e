import { describe, expect, it } from "vitest";
import { chooseRetrievalProviders } from "..";
import { vectorizeIndex } from "./vectorize";
import { workersAiEmbedder } from "./workers-ai";

const repos = {} as never;

describe("embedding providers", () => {
  it("exist only when the AI binding does; Vectorize when bound, else the D1 table", () => {
    expect(chooseRetrievalProviders({ repos })).toBeNull();
    const ai = { run: async () => ({ data: [[1, 0]] }) } as never;
    expect(chooseRetrievalProviders({ repos, ai })?.index.name).toBe("d1");
    expect(chooseRetrievalProviders({ repos, ai, vectors: {} as never })?.index.name).toBe("vectorize");
  });

  it("embeds through the AI binding in batches of 100", async () => {
    const calls: { model: string; n: number }[] = [];
    const ai = {
      run: async (model: string, input: { text: string[] }) => (
        calls.push({ model, n: input.text.length }),
        { data: input.text.map(() => [0.5, 0.5]) }
      ),
    };
    const out = await workersAiEmbedder(ai as never).embed(Array.from({ length: 150 }, (_, i) => `t${i}`));
    expect(out).toHaveLength(150);
    expect(calls.map((c) => c.n)).toEqual([100, 50]);
    expect(out[0]).toBeInstanceOf(Float32Array);
  });

  it("keeps each tenant in its own Vectorize namespace", async () => {
    const upserts: unknown[] = [];
    const queries: unknown[] = [];
    const index = vectorizeIndex({
      upsert: async (v: unknown) => (upserts.push(v), { mutationId: "m" }),
      query: async (_v: unknown, opts: unknown) => (
        queries.push(opts),
        { count: 1, matches: [{ id: "42", score: 0.9 }] }
      ),
      deleteByIds: async () => ({ mutationId: "m" }),
    } as never);
    await index.upsert("tnt_a", [{ seq: 42, sourceId: "doc_1", vector: new Float32Array([1, 0]) }]);
    expect(upserts[0]).toEqual([{ id: "42", values: [1, 0], namespace: "tnt_a", metadata: { sourceId: "doc_1" } }]);
    expect(await index.query("tnt_a", new Float32Array([1, 0]), 5)).toEqual([{ seq: 42, score: 0.9 }]);
    expect(queries[0]).toMatchObject({ namespace: "tnt_a", topK: 5 });
  });
});
