import type { FtsHit, FtsWeights } from "../storage/search";

/**
 * The retrieval index of one tenant's knowledge, as the answerer reads it (`ctx.knowledge`). One
 * call per question: the document frequencies of the question's words, then the BM25 candidates
 * for its selective words, so an answer costs one round trip to the index.
 *
 * Two implementations, chosen in the composition root (`RETRIEVAL_INDEX`): a Durable Object per
 * tenant holding a copy of the tenant's chunks in its own SQLite with FTS5 (rooms/knowledge-index.ts,
 * the default), and D1's shared `knowledge_fts` (domain/knowledge/index-d1.ts). D1 stays the record:
 * the object's copy follows the tenant's knowledge version and catches up before it answers.
 */
export type IndexQuery = {
  /** FTS-quoted groups to count: one per question word (`(word OR synonym)`), then any names. */
  groups: string[];
  /** FTS-quoted tokens of each question word (the word and its synonyms), in the order of `groups`. */
  terms: string[][];
  botId?: string;
  /** Candidates wanted. */
  limit: number;
  weights: FtsWeights;
  /** The tenant's knowledge version the caller read in this request, when it read one. */
  knowledgeVersion?: number;
};

export type IndexResult = {
  /** The tenant's chunk count. */
  total: number;
  /** Chunks matching each of `groups`. */
  df: number[];
  /** The knowledge version the counts and hits hold for. */
  version: number;
  /** Best BM25 first. */
  hits: FtsHit[];
};

export interface KnowledgeIndexPort {
  search(tenantId: string, q: IndexQuery): Promise<IndexResult>;
  /** Catches the index up with the tenant's knowledge now (after an ingest), so no visitor's question waits for it. */
  refresh(tenantId: string): Promise<void>;
  /** Workspace purge: drops the tenant's copy (D1's rows are purged by the caller). */
  erase(tenantId: string): Promise<{ chunks: number }>;
}
