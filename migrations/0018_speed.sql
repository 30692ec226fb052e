-- Speed at scale (issue 14): retrieval data prepared at ingest, version counters and the answer cache.
-- Tables match workers/storage/schema (knowledge.ts, core.ts); triggers are hand-written.

-- Stemmed, stopword-free word list of a chunk's heading and text (providers/text.ts `passageTerms`),
-- written at ingest so the rerank does not re-tokenize and re-stem every candidate per question.
-- NULL for chunks indexed before this migration: the rerank tokenizes those as it did before.
ALTER TABLE `knowledge_chunks` ADD `terms` text;
--> statement-breakpoint

-- The FTS `scope` column also holds the chunk's bot token ("b" + bot id without separators, or
-- "ball" for a source every bot serves), so the bot filter runs inside MATCH and the top-k can be
-- picked inside the FTS subquery (workers/storage/search.ts).
UPDATE `knowledge_fts` SET `scope` = `scope` || ' ' || COALESCE(
	(SELECT 'b' || lower(replace(c.`bot_id`, '_', '')) FROM `knowledge_chunks` c WHERE c.`seq` = `knowledge_fts`.`rowid` AND c.`bot_id` IS NOT NULL),
	'ball'
);
--> statement-breakpoint

-- Knowledge version per tenant: bumped by the database itself on any change of a source or a chunk,
-- so no code path can change knowledge and forget to invalidate the answer cache.
CREATE TABLE `knowledge_versions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`version` integer DEFAULT 1 NOT NULL
);
--> statement-breakpoint
CREATE TRIGGER `knowledge_version_source_update` AFTER UPDATE ON `knowledge_sources` BEGIN
	INSERT INTO `knowledge_versions` (`tenant_id`, `version`) VALUES (NEW.`tenant_id`, 2)
	ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `knowledge_version_source_delete` AFTER DELETE ON `knowledge_sources` BEGIN
	INSERT INTO `knowledge_versions` (`tenant_id`, `version`) VALUES (OLD.`tenant_id`, 2)
	ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `knowledge_version_chunk_insert` AFTER INSERT ON `knowledge_chunks` BEGIN
	INSERT INTO `knowledge_versions` (`tenant_id`, `version`) VALUES (NEW.`tenant_id`, 2)
	ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint
CREATE TRIGGER `knowledge_version_chunk_delete` AFTER DELETE ON `knowledge_chunks` BEGIN
	INSERT INTO `knowledge_versions` (`tenant_id`, `version`) VALUES (OLD.`tenant_id`, 2)
	ON CONFLICT (`tenant_id`) DO UPDATE SET `version` = `version` + 1;
END;
--> statement-breakpoint

-- Bot settings version: any update of the bot row (settings, instructions, name, keys) bumps it.
ALTER TABLE `bots` ADD `version` integer DEFAULT 1 NOT NULL;
--> statement-breakpoint
CREATE TRIGGER `bots_version_bump` AFTER UPDATE ON `bots` WHEN NEW.`version` = OLD.`version` BEGIN
	UPDATE `bots` SET `version` = OLD.`version` + 1 WHERE `id` = NEW.`id`;
END;
--> statement-breakpoint

-- Answer cache (docs/capacity.md, domain/knowledge/answer-cache.ts): one grounded answer per bot and
-- key (hash of the normalised question, language, channel and model). An entry is served only when
-- its knowledge and bot versions are the current ones; a newer answer to the same key replaces it.
CREATE TABLE `answer_cache` (
	`tenant_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`key` text NOT NULL,
	`knowledge_version` integer NOT NULL,
	`bot_version` integer NOT NULL,
	`model` text NOT NULL,
	`answer` text NOT NULL,
	`sources` text NOT NULL,
	`confidence` real NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `bot_id`, `key`)
);
--> statement-breakpoint
CREATE TRIGGER `answer_cache_bot_delete` AFTER DELETE ON `bots` BEGIN
	DELETE FROM `answer_cache` WHERE `tenant_id` = OLD.`tenant_id` AND `bot_id` = OLD.`id`;
END;
