import type { Db } from "./db";

/**
 * FTS5 queries over `knowledge_fts` (see migrations/0002_knowledge.sql). The tenant is part of the
 * MATCH expression (`scope:` token), so the full-text index never returns another tenant's rows; the
 * join re-checks tenant and applies the bot filter (a chunk with no bot serves every bot).
 */

/** bm25() column weights: title, heading, body (scope is weighted 0). */
export type FtsWeights = { title: number; heading: number; body: number };

export type FtsHit = {
  seq: number;
  chunkId: string;
  sourceId: string;
  heading: string;
  text: string;
  title: string;
  url: string | null;
  externalId: string | null;
  /** The chunk's prepared word list (`passageTerms` of heading + text, space separated); null: not prepared. */
  terms: string | null;
  /** bm25() as FTS5 returns it: lower (more negative) is better. */
  bm25: number;
};

/** The scope token stored with every FTS row of a tenant: "t" + id without separators. */
export function scopeToken(tenantId: string): string {
  return `t${tenantId.replace(/[^0-9a-zA-Z]/g, "").toLowerCase()}`;
}

/**
 * The bot token stored in the same `scope` column: "b" + bot id without separators for a source of
 * one bot, `ALL_BOTS` for a source every bot serves (migrations/0018_speed.sql).
 */
export function botToken(botId: string | null): string {
  return botId ? `b${botId.replace(/[^0-9a-zA-Z]/g, "").toLowerCase()}` : ALL_BOTS;
}
const ALL_BOTS = "ball";

/** The `scope` column of a chunk's FTS row: tenant token and bot token. */
export function scopeOf(tenantId: string, botId: string | null): string {
  return `${scopeToken(tenantId)} ${botToken(botId)}`;
}

/**
 * `tokens` must already be FTS-quoted; they are OR-ed inside the text columns. With a bot, only
 * chunks that bot serves match (its own and the ones every bot serves), so MATCH alone decides the
 * candidate set and the top-k can be taken inside the FTS query.
 */
export function ftsMatch(tenantId: string, tokens: string[], botId?: string): string {
  const bot = botId ? ` AND scope:(${ALL_BOTS} OR ${botToken(botId)})` : "";
  return `scope:${scopeToken(tenantId)}${bot} AND {title heading body}:(${tokens.join(" OR ")})`;
}

export async function ftsSearch(
  db: Db,
  tenantId: string,
  q: { tokens: string[]; botId?: string; limit: number; weights: FtsWeights },
): Promise<FtsHit[]> {
  if (q.tokens.length === 0) return [];
  // the top `limit` rows are picked inside the FTS subquery (bm25 only), so the joins read `limit`
  // rows instead of every match; the tenant is re-checked on the join
  const stmt = db.$client
    .prepare(
      `SELECT c.seq AS seq, c.id AS chunkId, c.source_id AS sourceId, c.heading AS heading, c.text AS text,
              c.terms AS terms, s.title AS title, s.url AS url, s.external_id AS externalId, f.bm25 AS bm25
         FROM (SELECT rowid, bm25(knowledge_fts, ?3, ?4, ?5, 0.0) AS bm25 FROM knowledge_fts
                WHERE knowledge_fts MATCH ?1 ORDER BY bm25 LIMIT ?6) f
         JOIN knowledge_chunks c ON c.seq = f.rowid
         JOIN knowledge_sources s ON s.id = c.source_id
        WHERE c.tenant_id = ?2
        ORDER BY f.bm25`,
    )
    .bind(ftsMatch(tenantId, q.tokens, q.botId), tenantId, q.weights.title, q.weights.heading, q.weights.body, q.limit);
  const { results } = await stmt.all<FtsHit>();
  return results;
}

/**
 * Document frequency of each (FTS-quoted) token among the tenant's chunks, plus the tenant's chunk
 * count and knowledge version (bumped by triggers on every chunk write, migration 0018), in one
 * batch: the IDF weights for confidence and sentence selection, and the version they hold for.
 */
export async function termStats(
  db: Db,
  tenantId: string,
  tokens: string[],
): Promise<{ total: number; df: number[]; version: number }> {
  const scope = scopeToken(tenantId);
  const stmts = [
    db.$client
      .prepare(
        `SELECT count(*) AS n, COALESCE((SELECT version FROM knowledge_versions WHERE tenant_id = ?1), 1) AS version
           FROM knowledge_chunks WHERE tenant_id = ?1`,
      )
      .bind(tenantId),
    ...tokens.map((t) =>
      db.$client
        .prepare("SELECT count(*) AS n, 0 AS version FROM knowledge_fts WHERE knowledge_fts MATCH ?1")
        .bind(`scope:${scope} AND {title heading body}:${t}`),
    ),
  ];
  const res = await db.$client.batch<{ n: number; version: number }>(stmts);
  const counts = res.map((r) => Number(r.results[0]?.n ?? 0));
  return { total: counts[0] ?? 0, df: counts.slice(1), version: Number(res[0]?.results[0]?.version ?? 1) };
}

/**
 * A chunk as the per-tenant index copy keeps it, with its source's display fields (what a hit shows).
 * A source's title, url and external id change only when its chunks are written again (the ingest
 * writes both in one batch), so copying them with the chunks keeps them current.
 */
export type IndexChunk = {
  seq: number;
  id: string;
  sourceId: string;
  botId: string | null;
  heading: string;
  text: string;
  terms: string | null;
  title: string;
  url: string | null;
  externalId: string | null;
};

/**
 * What a per-tenant index copy (rooms/knowledge-index.ts) reads to catch up with D1, in one query
 * (one snapshot): the tenant's knowledge version, how many of its chunks up to `upToSeq` still exist
 * (chunks are only ever inserted, with a growing `seq`, or deleted, so a smaller count than the copy
 * holds means some were deleted).
 */
export async function indexHead(db: Db, tenantId: string, upToSeq: number): Promise<{ version: number; kept: number }> {
  const row = await db.$client
    .prepare(
      `SELECT COALESCE((SELECT version FROM knowledge_versions WHERE tenant_id = ?1), 1) AS version,
              (SELECT count(*) FROM knowledge_chunks WHERE tenant_id = ?1 AND seq <= ?2) AS kept`,
    )
    .bind(tenantId, upToSeq)
    .first<{ version: number; kept: number }>();
  return { version: Number(row?.version ?? 1), kept: Number(row?.kept ?? 0) };
}

/** The tenant's chunk seqs up to `upToSeq` (the copy drops the ones no longer listed). */
export async function indexSeqs(db: Db, tenantId: string, upToSeq: number): Promise<number[]> {
  const { results } = await db.$client
    .prepare("SELECT seq FROM knowledge_chunks WHERE tenant_id = ?1 AND seq <= ?2")
    .bind(tenantId, upToSeq)
    .all<{ seq: number }>();
  return results.map((r) => Number(r.seq));
}

/** The tenant's chunks after `afterSeq`, oldest first, at most `limit`, with their source's display fields. */
export async function indexChunksAfter(db: Db, tenantId: string, afterSeq: number, limit: number) {
  const { results } = await db.$client
    .prepare(
      `SELECT c.seq AS seq, c.id AS id, c.source_id AS sourceId, c.bot_id AS botId, c.heading AS heading,
              c.text AS text, c.terms AS terms, s.title AS title, s.url AS url, s.external_id AS externalId
         FROM knowledge_chunks c JOIN knowledge_sources s ON s.id = c.source_id
        WHERE c.tenant_id = ?1 AND c.seq > ?2
        ORDER BY c.seq LIMIT ?3`,
    )
    .bind(tenantId, afterSeq, limit)
    .all<IndexChunk>();
  return results;
}

/** Full-text search of a tenant's knowledge, as a repository (`ctx.repos.search`). */
export const searchRepo = (db: Db) => ({
  fts: (tenantId: string, q: Parameters<typeof ftsSearch>[2]) => ftsSearch(db, tenantId, q),
  termStats: (tenantId: string, tokens: string[]) => termStats(db, tenantId, tokens),
  indexHead: (tenantId: string, upToSeq: number) => indexHead(db, tenantId, upToSeq),
  indexSeqs: (tenantId: string, upToSeq: number) => indexSeqs(db, tenantId, upToSeq),
  indexChunksAfter: (tenantId: string, afterSeq: number, limit: number) =>
    indexChunksAfter(db, tenantId, afterSeq, limit),
});
