import { and, desc, eq, lt, ne, sql } from "drizzle-orm";
import type { Db } from "./db";
import { knowledgeChunks, knowledgeSources, knowledgeVectors, type KnowledgeSourceRow, type NewKnowledgeChunkRow, type NewKnowledgeSourceRow } from "./schema";
import { scopeToken } from "./search";

/** D1 allows at most 100 bound parameters per statement; a chunk row binds 7. */
const CHUNK_ROWS_PER_INSERT = 12;

/**
 * Sources and chunks of a tenant. Every method takes `tenantId` first and filters by it in the same
 * WHERE as the id, so another tenant's source is indistinguishable from a missing one.
 */
export const knowledgeRepo = (db: Db) => ({
  get: (tenantId: string, id: string) =>
    db.select().from(knowledgeSources).where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))).get(),

  /** Newest first; `before` is an id cursor (ids sort by creation time). */
  list: (tenantId: string, opts: { limit: number; before?: string; botId?: string }) =>
    db
      .select()
      .from(knowledgeSources)
      .where(
        and(
          eq(knowledgeSources.tenantId, tenantId),
          opts.before ? lt(knowledgeSources.id, opts.before) : undefined,
          opts.botId ? sql`(${knowledgeSources.botId} IS NULL OR ${knowledgeSources.botId} = ${opts.botId})` : undefined,
        ),
      )
      .orderBy(desc(knowledgeSources.id))
      .limit(opts.limit)
      .all(),

  count: async (tenantId: string) =>
    (await db.select({ n: sql<number>`count(*)` }).from(knowledgeSources).where(eq(knowledgeSources.tenantId, tenantId)).get())?.n ?? 0,

  insert: (row: NewKnowledgeSourceRow) => db.insert(knowledgeSources).values(row).returning().get(),

  update: (tenantId: string, id: string, patch: Partial<NewKnowledgeSourceRow>) =>
    db.update(knowledgeSources).set(patch).where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))).returning().get(),

  updateStmt: (tenantId: string, id: string, patch: Partial<NewKnowledgeSourceRow>) =>
    db.update(knowledgeSources).set(patch).where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))),

  /** Older sources with the same dedupe key, which a newly ready source replaces. */
  others: (tenantId: string, dedupeKey: string, exceptId: string) =>
    db
      .select()
      .from(knowledgeSources)
      .where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.dedupeKey, dedupeKey), ne(knowledgeSources.id, exceptId)))
      .all(),

  /** Statements that remove a source's index rows (FTS first: it is found through the chunks). */
  clearIndexStmts: (tenantId: string, sourceId: string) => [
    db.run(sql`DELETE FROM knowledge_fts WHERE rowid IN (SELECT seq FROM knowledge_chunks WHERE tenant_id = ${tenantId} AND source_id = ${sourceId})`),
    db.delete(knowledgeVectors).where(and(eq(knowledgeVectors.tenantId, tenantId), eq(knowledgeVectors.sourceId, sourceId))),
    db.delete(knowledgeChunks).where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.sourceId, sourceId))),
  ],

  deleteSourceStmt: (tenantId: string, id: string) =>
    db.delete(knowledgeSources).where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))),

  /** Chunk inserts (split to respect the bound-parameter limit) followed by one FTS insert for them all. */
  indexStmts: (tenantId: string, sourceId: string, title: string, rows: NewKnowledgeChunkRow[]) => {
    const stmts = [];
    for (let i = 0; i < rows.length; i += CHUNK_ROWS_PER_INSERT) {
      stmts.push(db.insert(knowledgeChunks).values(rows.slice(i, i + CHUNK_ROWS_PER_INSERT)));
    }
    stmts.push(
      db.run(sql`INSERT INTO knowledge_fts (rowid, title, heading, body, scope)
                 SELECT seq, ${title}, heading, text, ${scopeToken(tenantId)} FROM knowledge_chunks
                  WHERE tenant_id = ${tenantId} AND source_id = ${sourceId}`),
    );
    return stmts;
  },

  chunkSeqs: (tenantId: string, sourceId: string) =>
    db.select({ seq: knowledgeChunks.seq, id: knowledgeChunks.id, text: knowledgeChunks.text }).from(knowledgeChunks).where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.sourceId, sourceId))).all(),

  chunksBySeq: (tenantId: string, seqs: number[]) =>
    seqs.length === 0
      ? Promise.resolve([])
      : db
          .select({ seq: knowledgeChunks.seq, chunkId: knowledgeChunks.id, sourceId: knowledgeChunks.sourceId, botId: knowledgeChunks.botId, heading: knowledgeChunks.heading, text: knowledgeChunks.text, title: knowledgeSources.title, url: knowledgeSources.url, externalId: knowledgeSources.externalId })
          .from(knowledgeChunks)
          .innerJoin(knowledgeSources, eq(knowledgeSources.id, knowledgeChunks.sourceId))
          .where(and(eq(knowledgeChunks.tenantId, tenantId), sql`${knowledgeChunks.seq} IN (${sql.join(seqs.slice(0, 90).map((s) => sql`${s}`), sql`, `)})`))
          .all(),

  /** Local vector side: every stored vector of the tenant (brute-force search). */
  vectors: (tenantId: string) => db.select({ seq: knowledgeVectors.seq, vector: knowledgeVectors.vector }).from(knowledgeVectors).where(eq(knowledgeVectors.tenantId, tenantId)).all(),
  insertVectorsStmts: (rows: { seq: number; tenantId: string; sourceId: string; vector: string }[]) => {
    const stmts = [];
    for (let i = 0; i < rows.length; i += 20) stmts.push(db.insert(knowledgeVectors).values(rows.slice(i, i + 20)));
    return stmts;
  },
});

export type KnowledgeRepo = ReturnType<typeof knowledgeRepo>;
export type { KnowledgeSourceRow };
