import { fromBase64, toBase64 } from "../../lib/crypto";
import type { Repos } from "../../storage/repos";
import { cosine, type VectorIndex } from "./port";

/**
 * Vectors stored in D1 and searched by brute force: fine for a tenant's few thousand chunks, and
 * what the vector side uses when an embedder exists but no Vectorize index is bound.
 */
export function d1VectorIndex(repos: Pick<Repos, "knowledge">): VectorIndex {
  const repo = repos.knowledge;
  return {
    name: "d1",
    async upsert(tenantId, items) {
      const stmts = repo.insertVectorsStmts(
        items.map((x) => ({ seq: x.seq, tenantId, sourceId: x.sourceId, vector: encodeVector(x.vector) })),
      );
      await repo.runBatch(stmts);
    },
    async query(tenantId, vector, topK) {
      const rows = await repo.vectors(tenantId);
      return rows
        .map((r) => ({ seq: r.seq, score: cosine(vector, decodeVector(r.vector)) }))
        .sort((a, b) => b.score - a.score)
        .slice(0, topK);
    },
    async remove() {
      // rows go with the source's other index rows (knowledgeRepo.clearIndexStmts)
    },
  };
}

export const encodeVector = (v: Float32Array) => toBase64(new Uint8Array(v.buffer, v.byteOffset, v.byteLength));
export const decodeVector = (s: string) => {
  const bytes = fromBase64(s);
  return new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
};
