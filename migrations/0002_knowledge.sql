-- Knowledge: sources, chunks, the FTS5 index and the local vector table (issue 3).
-- Tables match workers/storage/schema/knowledge.ts (drizzle-kit); the FTS5 table is hand-written.

CREATE TABLE `knowledge_chunks` (
	`seq` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`id` text NOT NULL,
	`tenant_id` text NOT NULL,
	`source_id` text NOT NULL,
	`bot_id` text,
	`ord` integer NOT NULL,
	`heading` text DEFAULT '' NOT NULL,
	`text` text NOT NULL
);

CREATE UNIQUE INDEX `knowledge_chunks_id_uq` ON `knowledge_chunks` (`id`);
CREATE INDEX `knowledge_chunks_source_idx` ON `knowledge_chunks` (`tenant_id`,`source_id`,`ord`);
CREATE TABLE `knowledge_sources` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`bot_id` text,
	`type` text NOT NULL,
	`title` text NOT NULL,
	`external_id` text,
	`url` text,
	`filename` text,
	`mime` text,
	`r2_key` text,
	`dedupe_key` text NOT NULL,
	`status` text NOT NULL,
	`error` text,
	`bytes` integer DEFAULT 0 NOT NULL,
	`chars` integer DEFAULT 0 NOT NULL,
	`chunk_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);

CREATE INDEX `knowledge_sources_tenant_idx` ON `knowledge_sources` (`tenant_id`,`created_at`);
CREATE INDEX `knowledge_sources_dedupe_idx` ON `knowledge_sources` (`tenant_id`,`dedupe_key`);
CREATE TABLE `knowledge_vectors` (
	`seq` integer PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`source_id` text NOT NULL,
	`vector` text NOT NULL
);

CREATE INDEX `knowledge_vectors_tenant_idx` ON `knowledge_vectors` (`tenant_id`,`source_id`);
-- Full-text index over chunks; rowid = knowledge_chunks.seq. `scope` holds the tenant token
-- ("t" + tenant id without "_"), so `MATCH 'scope:tX AND (...)'` never reaches another tenant's rows.
-- bm25() weights: title, heading, body, scope(0). Porter stemming over unicode61 with diacritics folded.
CREATE VIRTUAL TABLE `knowledge_fts` USING fts5(
	title, heading, body, scope,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
