-- Full-text search over message bodies (issue 22): GET /api/conversations?q=TEXT.
-- A self-contained FTS5 table kept in step with `messages` by triggers, so the rooms' batched D1
-- copy (workers/rooms/d1-copy.ts) needs no change: every inserted message row is indexed in the
-- same statement. `scope` holds the tenant token (workers/storage/search.ts scopeToken) so a MATCH
-- never reaches another tenant's rows; conversation_id is stored, not indexed.
CREATE VIRTUAL TABLE `messages_fts` USING fts5(
	body, scope, conversation_id UNINDEXED,
	tokenize = 'porter unicode61 remove_diacritics 2'
);
--> statement-breakpoint
CREATE TRIGGER `messages_fts_insert` AFTER INSERT ON `messages` BEGIN
	INSERT INTO messages_fts (rowid, body, scope, conversation_id)
	VALUES (new.rowid, new.text, 't' || lower(replace(replace(new.tenant_id, '_', ''), '-', '')), new.conversation_id);
END;
--> statement-breakpoint
CREATE TRIGGER `messages_fts_delete` AFTER DELETE ON `messages` BEGIN
	DELETE FROM messages_fts WHERE rowid = old.rowid;
END;
--> statement-breakpoint
INSERT INTO messages_fts (rowid, body, scope, conversation_id)
	SELECT rowid, text, 't' || lower(replace(replace(tenant_id, '_', ''), '-', '')), conversation_id FROM messages;
