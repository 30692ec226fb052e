import { and, desc, eq, inArray, lt, ne, sql } from "drizzle-orm";
import type { Db } from "./db";
import {
  knowledgeChunks,
  knowledgeSources,
  knowledgeVectors,
  tenantSecrets,
  type KnowledgeSourceRow,
  type NewKnowledgeChunkRow,
  type NewKnowledgeSourceRow,
  type TenantSecretRow,
} from "./schema";
import { scopeOf } from "./search";

/** A drizzle query as a raw D1 statement, so drizzle builders and hand-written SQL share one `batch`. */
function stmtOf(db: Db, q: { toSQL(): { sql: string; params: unknown[] } }): D1PreparedStatement {
  const { sql: text, params } = q.toSQL();
  return db.$client.prepare(text).bind(...params);
}

/** Runs statements atomically (D1 has no BEGIN/COMMIT; a batch is one transaction). */
export async function runBatch(db: Db, stmts: D1PreparedStatement[]) {
  if (stmts.length) await db.$client.batch(stmts);
}

/** D1 allows at most 100 bound parameters per statement; a chunk row binds 7. */
const CHUNK_ROWS_PER_INSERT = 12;

/**
 * Sources and chunks of a tenant. Every method takes `tenantId` first and filters by it in the same
 * WHERE as the id, so another tenant's source is indistinguishable from a missing one.
 */
export const knowledgeRepo = (db: Db) => ({
  /** Runs the raw statements this repository builds (`clearIndexStmts`, chunk inserts) as one D1 batch. */
  runBatch: (stmts: D1PreparedStatement[]) => runBatch(db, stmts),
  get: (tenantId: string, id: string) =>
    db
      .select()
      .from(knowledgeSources)
      .where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id)))
      .get(),

  /** Newest first; `before` is an id cursor (ids sort by creation time). */
  list: (tenantId: string, opts: { limit: number; before?: string; botId?: string }) =>
    db
      .select()
      .from(knowledgeSources)
      .where(
        and(
          eq(knowledgeSources.tenantId, tenantId),
          opts.before ? lt(knowledgeSources.id, opts.before) : undefined,
          opts.botId
            ? sql`(${knowledgeSources.botId} IS NULL OR ${knowledgeSources.botId} = ${opts.botId})`
            : undefined,
        ),
      )
      .orderBy(desc(knowledgeSources.id))
      .limit(opts.limit)
      .all(),

  count: async (tenantId: string) =>
    (
      await db
        .select({ n: sql<number>`count(*)` })
        .from(knowledgeSources)
        .where(eq(knowledgeSources.tenantId, tenantId))
        .get()
    )?.n ?? 0,

  insert: (row: NewKnowledgeSourceRow) => db.insert(knowledgeSources).values(row).returning().get(),

  /** Which of `ids` are sources of the tenant (90 ids a query, under D1's parameter limit). */
  existingIds: async (tenantId: string, ids: string[]) => {
    const out = new Set<string>();
    for (let i = 0; i < ids.length; i += 90) {
      const rows = await db
        .select({ id: knowledgeSources.id })
        .from(knowledgeSources)
        .where(and(eq(knowledgeSources.tenantId, tenantId), inArray(knowledgeSources.id, ids.slice(i, i + 90))))
        .all();
      for (const r of rows) out.add(r.id);
    }
    return out;
  },

  update: (tenantId: string, id: string, patch: Partial<NewKnowledgeSourceRow>) =>
    db
      .update(knowledgeSources)
      .set(patch)
      .where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id)))
      .returning()
      .get(),

  updateStmt: (tenantId: string, id: string, patch: Partial<NewKnowledgeSourceRow>) =>
    stmtOf(
      db,
      db
        .update(knowledgeSources)
        .set(patch)
        .where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))),
    ),

  /** Older sources with the same dedupe key, which a newly ready source replaces. */
  others: (tenantId: string, dedupeKey: string, exceptId: string) =>
    db
      .select()
      .from(knowledgeSources)
      .where(
        and(
          eq(knowledgeSources.tenantId, tenantId),
          eq(knowledgeSources.dedupeKey, dedupeKey),
          ne(knowledgeSources.id, exceptId),
        ),
      )
      .all(),

  /** Statements that remove a source's index rows (FTS first: it is found through the chunks). */
  clearIndexStmts: (tenantId: string, sourceId: string) => [
    db.$client
      .prepare(
        "DELETE FROM knowledge_fts WHERE rowid IN (SELECT seq FROM knowledge_chunks WHERE tenant_id = ?1 AND source_id = ?2)",
      )
      .bind(tenantId, sourceId),
    stmtOf(
      db,
      db
        .delete(knowledgeVectors)
        .where(and(eq(knowledgeVectors.tenantId, tenantId), eq(knowledgeVectors.sourceId, sourceId))),
    ),
    stmtOf(
      db,
      db
        .delete(knowledgeChunks)
        .where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.sourceId, sourceId))),
    ),
  ],

  deleteSourceStmt: (tenantId: string, id: string) =>
    stmtOf(
      db,
      db.delete(knowledgeSources).where(and(eq(knowledgeSources.tenantId, tenantId), eq(knowledgeSources.id, id))),
    ),

  /** Chunk inserts (split to respect the bound-parameter limit) followed by one FTS insert for them all. */
  indexStmts: (
    tenantId: string,
    sourceId: string,
    botId: string | null,
    title: string,
    rows: NewKnowledgeChunkRow[],
  ) => {
    const stmts: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += CHUNK_ROWS_PER_INSERT) {
      stmts.push(stmtOf(db, db.insert(knowledgeChunks).values(rows.slice(i, i + CHUNK_ROWS_PER_INSERT))));
    }
    stmts.push(
      db.$client
        .prepare(
          "INSERT INTO knowledge_fts (rowid, title, heading, body, scope) SELECT seq, ?1, heading, text, ?2 FROM knowledge_chunks WHERE tenant_id = ?3 AND source_id = ?4",
        )
        .bind(title, scopeOf(tenantId, botId), tenantId, sourceId),
    );
    return stmts;
  },

  chunkSeqs: (tenantId: string, sourceId: string) =>
    db
      .select({ seq: knowledgeChunks.seq, id: knowledgeChunks.id, text: knowledgeChunks.text })
      .from(knowledgeChunks)
      .where(and(eq(knowledgeChunks.tenantId, tenantId), eq(knowledgeChunks.sourceId, sourceId)))
      .all(),

  chunksBySeq: (tenantId: string, seqs: number[]) =>
    seqs.length === 0
      ? Promise.resolve([])
      : db
          .select({
            seq: knowledgeChunks.seq,
            chunkId: knowledgeChunks.id,
            sourceId: knowledgeChunks.sourceId,
            botId: knowledgeChunks.botId,
            heading: knowledgeChunks.heading,
            text: knowledgeChunks.text,
            terms: knowledgeChunks.terms,
            title: knowledgeSources.title,
            url: knowledgeSources.url,
            externalId: knowledgeSources.externalId,
          })
          .from(knowledgeChunks)
          .innerJoin(knowledgeSources, eq(knowledgeSources.id, knowledgeChunks.sourceId))
          .where(
            and(
              eq(knowledgeChunks.tenantId, tenantId),
              sql`${knowledgeChunks.seq} IN (${sql.join(
                seqs.slice(0, 90).map((s) => sql`${s}`),
                sql`, `,
              )})`,
            ),
          )
          .all(),

  /** Local vector side: every stored vector of the tenant (brute-force search). */
  vectors: (tenantId: string) =>
    db
      .select({ seq: knowledgeVectors.seq, vector: knowledgeVectors.vector })
      .from(knowledgeVectors)
      .where(eq(knowledgeVectors.tenantId, tenantId))
      .all(),
  insertVectorsStmts: (rows: { seq: number; tenantId: string; sourceId: string; vector: string }[]) => {
    const stmts: D1PreparedStatement[] = [];
    for (let i = 0; i < rows.length; i += 20)
      stmts.push(stmtOf(db, db.insert(knowledgeVectors).values(rows.slice(i, i + 20))));
    return stmts;
  },
});

export type KnowledgeRepo = ReturnType<typeof knowledgeRepo>;
export type { KnowledgeSourceRow };

/** Provider settings in `tenant_secrets` (name = provider, e.g. "openai"): ciphertext + non-secret settings. */
export const providerSecretsRepo = (db: Db) => ({
  get: (tenantId: string, name: string) =>
    db
      .select()
      .from(tenantSecrets)
      .where(and(eq(tenantSecrets.tenantId, tenantId), eq(tenantSecrets.name, name)))
      .get(),
  upsert: (row: TenantSecretRow) =>
    db
      .insert(tenantSecrets)
      .values(row)
      .onConflictDoUpdate({
        target: [tenantSecrets.tenantId, tenantSecrets.name],
        set: { ciphertext: row.ciphertext, settings: row.settings, hint: row.hint, updatedAt: row.updatedAt },
      })
      .returning()
      .get(),
  delete: (tenantId: string, name: string) =>
    db
      .delete(tenantSecrets)
      .where(and(eq(tenantSecrets.tenantId, tenantId), eq(tenantSecrets.name, name)))
      .returning()
      .get(),
  /** Several named secrets of a tenant in one read (a bot's provider chain). */
  getMany: (tenantId: string, names: string[]) =>
    db
      .select()
      .from(tenantSecrets)
      .where(and(eq(tenantSecrets.tenantId, tenantId), inArray(tenantSecrets.name, names)))
      .all(),
  /** Statements for a batch that replaces named secrets at once. */
  deleteManyStmt: (tenantId: string, names: string[]) =>
    db.delete(tenantSecrets).where(and(eq(tenantSecrets.tenantId, tenantId), inArray(tenantSecrets.name, names))),
  insertStmt: (row: TenantSecretRow) => db.insert(tenantSecrets).values(row),
});
