/**
 * Embeddings and vector index ports. Production: Workers AI embeddings + Vectorize. Locally there is
 * no embedder (lexical retrieval alone); the D1-stored vector table (`d1-index.ts`) is the vector
 * index when an embedder exists but no Vectorize binding does. Vector ids are chunk `seq` numbers.
 */
export type { Embedder, VectorIndex, VectorMatch } from "../../contracts/providers";

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
