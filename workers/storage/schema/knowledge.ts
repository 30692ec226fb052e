import { index, integer, primaryKey, real, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * Knowledge sources and their chunks. The full-text index is the FTS5 table `knowledge_fts`
 * (written by hand in migrations/0002_knowledge.sql, drizzle has no FTS5): its rowid is
 * `knowledge_chunks.seq`, its `scope` column holds the tenant token so MATCH itself is tenant scoped.
 */
export const SOURCE_TYPES = ["file", "text", "qa", "url"] as const;
export type SourceType = (typeof SOURCE_TYPES)[number];
export const SOURCE_STATUSES = ["queued", "processing", "ready", "failed"] as const;
export type SourceStatus = (typeof SOURCE_STATUSES)[number];

export const knowledgeSources = sqliteTable(
  "knowledge_sources",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    /** null: the source serves every bot of the tenant. */
    botId: text("bot_id"),
    type: text("type").$type<SourceType>().notNull(),
    title: text("title").notNull(),
    /** Caller's own id for the document (e.g. an article id); returned with answers and search hits. */
    externalId: text("external_id"),
    url: text("url"),
    filename: text("filename"),
    mime: text("mime"),
    /** R2 key of the original (uploads and fetched pages); inline text sources are stored too. */
    r2Key: text("r2_key"),
    /** Same key = same document: a newer source replaces older ones with the key once it is ready. */
    dedupeKey: text("dedupe_key").notNull(),
    status: text("status").$type<SourceStatus>().notNull(),
    error: text("error"),
    bytes: integer("bytes").notNull().default(0),
    /** Characters of extracted text. */
    chars: integer("chars").notNull().default(0),
    chunkCount: integer("chunk_count").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // listing a tenant's sources, newest first
    index("knowledge_sources_tenant_idx").on(t.tenantId, t.createdAt),
    // replacement finds older sources with the same key
    index("knowledge_sources_dedupe_idx").on(t.tenantId, t.dedupeKey),
  ],
);

export const knowledgeChunks = sqliteTable(
  "knowledge_chunks",
  {
    /** Integer key shared with the FTS5 rowid (and the vector id), so joins are by rowid. */
    seq: integer("seq").primaryKey({ autoIncrement: true }),
    id: text("id").notNull(),
    tenantId: text("tenant_id").notNull(),
    sourceId: text("source_id").notNull(),
    botId: text("bot_id"),
    ord: integer("ord").notNull(),
    heading: text("heading").notNull().default(""),
    text: text("text").notNull(),
    /** Stemmed, stopword-free words of heading + text, space separated, written at ingest (null: older rows). */
    terms: text("terms"),
  },
  (t) => [
    // chunk ids are public (search results); unique across tenants
    uniqueIndex("knowledge_chunks_id_uq").on(t.id),
    // deleting or re-indexing a source's chunks
    index("knowledge_chunks_source_idx").on(t.tenantId, t.sourceId, t.ord),
  ],
);

/** Local vector side: embeddings stored in D1 and searched by brute force when no Vectorize index exists. */
export const knowledgeVectors = sqliteTable(
  "knowledge_vectors",
  {
    seq: integer("seq").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    sourceId: text("source_id").notNull(),
    /** Float32 little-endian vector, base64. */
    vector: text("vector").notNull(),
  },
  (t) => [
    // brute-force scan of a tenant's vectors; deleting a source's vectors
    index("knowledge_vectors_tenant_idx").on(t.tenantId, t.sourceId),
  ],
);

export type KnowledgeSourceRow = typeof knowledgeSources.$inferSelect;
export type NewKnowledgeSourceRow = typeof knowledgeSources.$inferInsert;
export type KnowledgeChunkRow = typeof knowledgeChunks.$inferSelect;
export type NewKnowledgeChunkRow = typeof knowledgeChunks.$inferInsert;

/** Knowledge version per tenant, bumped by triggers on any source or chunk change (migrations/0018_speed.sql). */
export const knowledgeVersions = sqliteTable("knowledge_versions", {
  tenantId: text("tenant_id").primaryKey(),
  version: integer("version").notNull().default(1),
});

/** Cached grounded answers per bot (domain/knowledge/answer-cache.ts); served only at the current versions. */
export const answerCache = sqliteTable(
  "answer_cache",
  {
    tenantId: text("tenant_id").notNull(),
    botId: text("bot_id").notNull(),
    /** SHA-256 of the normalised question, language, channel and model. */
    key: text("key").notNull(),
    knowledgeVersion: integer("knowledge_version").notNull(),
    botVersion: integer("bot_version").notNull(),
    model: text("model").notNull(),
    answer: text("answer").notNull(),
    /** AnswerSource[] as JSON. */
    sources: text("sources").notNull(),
    confidence: real("confidence").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.botId, t.key] }),
    // the cron's expiry sweep across tenants, oldest first (answerCacheRepo.deleteOlderThan)
    index("answer_cache_created_at").on(t.createdAt),
  ],
);
