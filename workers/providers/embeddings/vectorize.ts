import type { VectorIndex } from "./port";

/** Vectorize adapter: one namespace per tenant, so a query can never return another tenant's vectors. */
export function vectorizeIndex(index: Pick<VectorizeIndex, "upsert" | "query" | "deleteByIds">): VectorIndex {
  return {
    name: "vectorize",
    async upsert(tenantId, items) {
      for (let i = 0; i < items.length; i += 500) {
        await index.upsert(
          items.slice(i, i + 500).map((x) => ({
            id: String(x.seq),
            values: Array.from(x.vector),
            namespace: tenantId,
            metadata: { sourceId: x.sourceId },
          })),
        );
      }
    },
    async query(tenantId, vector, topK) {
      const res = await index.query(Array.from(vector), { topK, namespace: tenantId, returnValues: false });
      return res.matches.map((m) => ({ seq: Number(m.id), score: m.score }));
    },
    async remove(_tenantId, _sourceId, seqs) {
      for (let i = 0; i < seqs.length; i += 500) await index.deleteByIds(seqs.slice(i, i + 500).map(String));
    },
  };
}
