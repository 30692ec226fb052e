/**
 * Embeddings and vector index ports. Production: Workers AI embeddings + Vectorize. Locally there is
 * no embedder (lexical retrieval alone); the D1-stored vector table (`d1-index.ts`) is the vector
 * index when an embedder exists but no Vectorize binding does. Vector ids are chunk `seq` numbers.
 */
export interface Embedder {
  readonly name: string;
  /** One vector per text, same order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type VectorMatch = { seq: number; score: number };

export interface VectorIndex {
  readonly name: string;
  upsert(tenantId: string, items: { seq: number; sourceId: string; vector: Float32Array }[]): Promise<void>;
  /** Nearest chunks of the tenant by cosine similarity, best first. */
  query(tenantId: string, vector: Float32Array, topK: number): Promise<VectorMatch[]>;
  remove(tenantId: string, sourceId: string, seqs: number[]): Promise<void>;
}

export function cosine(a: Float32Array, b: Float32Array): number {
  let dot = 0;
  let na = 0;
  let nb = 0;
  for (let i = 0; i < a.length && i < b.length; i++) {
    dot += a[i]! * b[i]!;
    na += a[i]! * a[i]!;
    nb += b[i]! * b[i]!;
  }
  return na && nb ? dot / Math.sqrt(na * nb) : 0;
}
