-- Analytics rollups (issue 16): reports read aggregates kept up to date by the database itself as
-- conversation events are inserted, instead of reading every event of a range. Triggers fire only for
-- a row actually inserted, so the rooms' insert-or-ignore copy keeps each event counted exactly once.
-- Tables match workers/storage/schema/analytics.ts; definitions in docs/analytics.md.

-- Counters per UTC quarter hour (slot = at / 900000), bot, channel and metric. A quarter hour is the
-- greatest common step of every time zone's offset, so a report's local days and hours of week are
-- exact sums of slots in any zone. Metrics: an event kind (`n` events, `total` the sum of value_ms),
-- `<kind>:<detail>` (hand-off reason, resolved by, reply by agent, call outcome), `cost:<currency>`
-- (`total` the cost), `csat:<score>` (each conversation's latest rating, at the slot it was given),
-- `handoff_conversation` (a conversation's first hand-off), and, at the slot the conversation opened:
-- `cohort:involved`, `cohort:answered`, `cohort:confirmed` (AI resolution state), `category:<id>`.
CREATE TABLE `analytics_rollup` (
	`tenant_id` text NOT NULL,
	`slot` integer NOT NULL,
	`metric` text NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `slot`, `metric`, `bot_id`, `channel`)
) WITHOUT ROWID;
--> statement-breakpoint
-- a time series reads one metric's slots
CREATE INDEX `analytics_rollup_metric_idx` ON `analytics_rollup` (`tenant_id`, `metric`, `slot`);
--> statement-breakpoint

-- The same counters per UTC day (day = slot / 96), kept by the triggers on analytics_rollup below: a
-- report sums whole UTC days here and only its edges (under a day each) from the quarter hours.
CREATE TABLE `analytics_rollup_day` (
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`metric` text NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `metric`, `bot_id`, `channel`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE TRIGGER `analytics_rollup_day_insert` AFTER INSERT ON `analytics_rollup` BEGIN
	INSERT INTO `analytics_rollup_day` (`tenant_id`, `day`, `metric`, `bot_id`, `channel`, `n`, `total`)
	VALUES (NEW.`tenant_id`, NEW.`slot` / 96, NEW.`metric`, NEW.`bot_id`, NEW.`channel`, NEW.`n`, NEW.`total`)
	ON CONFLICT DO UPDATE SET `n` = `n` + excluded.`n`, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint
CREATE TRIGGER `analytics_rollup_day_update` AFTER UPDATE ON `analytics_rollup` BEGIN
	UPDATE `analytics_rollup_day` SET `n` = `n` + NEW.`n` - OLD.`n`, `total` = `total` + NEW.`total` - OLD.`total`
	WHERE `tenant_id` = NEW.`tenant_id` AND `day` = NEW.`slot` / 96 AND `metric` = NEW.`metric`
		AND `bot_id` = NEW.`bot_id` AND `channel` = NEW.`channel`;
END;
--> statement-breakpoint

-- Duration histograms per UTC day: bin = the value itself below 1 s, else digits * 1000 + the first
-- three digits rounded down to a multiple of 5 (a bin spans under 5 % of its value); `total` sums the
-- values, so a bin's mean is exact when its values are equal and always inside the bin.
CREATE TABLE `analytics_histogram` (
	`tenant_id` text NOT NULL,
	`day` integer NOT NULL,
	`metric` text NOT NULL,
	`bin` integer NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`n` integer DEFAULT 0 NOT NULL,
	`total` real DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `day`, `metric`, `bin`, `bot_id`, `channel`)
) WITHOUT ROWID;
--> statement-breakpoint

-- One row per conversation with an `opened` event: what the cohort counters need to move a
-- conversation between states (its opened slot, bot, channel, AI state and category).
CREATE TABLE `analytics_conversations` (
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`opened_slot` integer NOT NULL,
	`attempted` integer DEFAULT 0 NOT NULL,
	`ai_state` text DEFAULT 'none' NOT NULL,
	`last_answer_at` integer,
	`category_id` text,
	PRIMARY KEY(`tenant_id`, `conversation_id`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `analytics_conversations_pending_idx` ON `analytics_conversations` (`tenant_id`,`ai_state`,`last_answer_at`);
--> statement-breakpoint
CREATE INDEX `analytics_conversations_opened_idx` ON `analytics_conversations` (`tenant_id`,`opened_slot`);
--> statement-breakpoint

-- The knowledge-gaps list reads the latest misses of a range (hand-offs and abstentions) without
-- walking every AI answer; queries repeat this WHERE so SQLite can use the partial index.
CREATE INDEX `conversation_events_misses_idx` ON `conversation_events` (`tenant_id`,`at`)
	WHERE `kind` = 'handed_off' OR (`kind` = 'ai_answered' AND json_extract(`data`, '$.abstained') = 1);
--> statement-breakpoint

-- Every event: its kind's counter, its detail counter, its cost, its duration histogram.
CREATE TRIGGER `analytics_event_counts` AFTER INSERT ON `conversation_events` BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	VALUES (NEW.`tenant_id`, NEW.`at` / 900000, NEW.`kind`, NEW.`bot_id`, NEW.`channel`, 1, coalesce(NEW.`value_ms`, 0))
	ON CONFLICT DO UPDATE SET `n` = `n` + 1, `total` = `total` + excluded.`total`;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT NEW.`tenant_id`, NEW.`at` / 900000, d.`m`, NEW.`bot_id`, NEW.`channel`, 1, 0
	FROM (SELECT CASE NEW.`kind`
		WHEN 'handed_off' THEN 'handed_off:' || coalesce(json_extract(NEW.`data`, '$.reason'), 'unknown')
		WHEN 'resolved' THEN CASE WHEN json_extract(NEW.`data`, '$.by') = 'agent' THEN 'resolved:agent' ELSE 'resolved:system' END
		WHEN 'agent_reply' THEN 'agent_reply:' || coalesce(NEW.`actor_id`, 'unknown')
		WHEN 'call_ended' THEN 'call_ended:' || coalesce(json_extract(NEW.`data`, '$.outcome'), 'ended')
		WHEN 'ai_answered' THEN CASE WHEN coalesce(json_extract(NEW.`data`, '$.act'), '') <> '' THEN 'ai_answered:act'
			WHEN coalesce(json_extract(NEW.`data`, '$.abstained'), 0) = 1 THEN 'ai_answered:abstained' END
	END AS `m`) d
	WHERE d.`m` IS NOT NULL
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT NEW.`tenant_id`, NEW.`at` / 900000, 'cost:' || coalesce(json_extract(NEW.`data`, '$.currency'), 'USD'),
		NEW.`bot_id`, NEW.`channel`, 1, json_extract(NEW.`data`, '$.cost')
	WHERE NEW.`kind` = 'call_ended' AND json_type(NEW.`data`, '$.cost') IN ('integer', 'real')
	ON CONFLICT DO UPDATE SET `n` = `n` + 1, `total` = `total` + excluded.`total`;
	INSERT INTO `analytics_histogram` (`tenant_id`, `day`, `metric`, `bin`, `bot_id`, `channel`, `n`, `total`)
	SELECT NEW.`tenant_id`, NEW.`at` / 86400000, NEW.`kind`,
		CASE WHEN v.`v` < 1000 THEN v.`v`
			ELSE length(CAST(v.`v` AS TEXT)) * 1000 + (CAST(substr(CAST(v.`v` AS TEXT), 1, 3) AS INTEGER) / 5) * 5 END,
		NEW.`bot_id`, NEW.`channel`, 1, v.`v`
	FROM (SELECT max(CAST(NEW.`value_ms` AS INTEGER), 0) AS `v`) v
	WHERE NEW.`value_ms` IS NOT NULL
		AND NEW.`kind` IN ('agent_joined', 'agent_first_reply', 'agent_reply', 'resolved', 'call_ended')
	ON CONFLICT DO UPDATE SET `n` = `n` + 1, `total` = `total` + excluded.`total`;
END;
--> statement-breakpoint

-- A conversation opens: its row, and its category when triage labelled it before the event arrived.
CREATE TRIGGER `analytics_opened` AFTER INSERT ON `conversation_events` WHEN NEW.`kind` = 'opened' BEGIN
	INSERT INTO `analytics_conversations` (`tenant_id`, `conversation_id`, `bot_id`, `channel`, `opened_slot`, `category_id`)
	SELECT NEW.`tenant_id`, NEW.`conversation_id`, NEW.`bot_id`, NEW.`channel`, NEW.`at` / 900000,
		(SELECT t.`category_id` FROM `conversation_triage` t WHERE t.`tenant_id` = NEW.`tenant_id` AND t.`conversation_id` = NEW.`conversation_id`)
	WHERE true
	ON CONFLICT DO NOTHING;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'category:' || f.`category_id`, f.`bot_id`, f.`channel`, 1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`category_id` IS NOT NULL
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint

-- A conversation's first hand-off.
CREATE TRIGGER `analytics_first_handoff` AFTER INSERT ON `conversation_events` WHEN NEW.`kind` = 'handed_off' BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT NEW.`tenant_id`, NEW.`at` / 900000, 'handoff_conversation', NEW.`bot_id`, NEW.`channel`, 1, 0
	WHERE NOT EXISTS (SELECT 1 FROM `conversation_events` e WHERE e.`tenant_id` = NEW.`tenant_id`
		AND e.`conversation_id` = NEW.`conversation_id` AND e.`kind` = 'handed_off' AND e.`id` <> NEW.`id`)
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint

-- CSAT counts each conversation's latest rating: a new rating takes the previous one back.
CREATE TRIGGER `analytics_rating` AFTER INSERT ON `conversation_events` WHEN NEW.`kind` = 'rated' BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT p.`tenant_id`, p.`at` / 900000, 'csat:' || CAST(json_extract(p.`data`, '$.score') AS INTEGER), p.`bot_id`, p.`channel`, -1, 0
	FROM `conversation_events` p
	WHERE p.`tenant_id` = NEW.`tenant_id` AND p.`conversation_id` = NEW.`conversation_id` AND p.`kind` = 'rated' AND p.`id` <> NEW.`id`
	ORDER BY p.`at` DESC, p.`id` DESC LIMIT 1
	ON CONFLICT DO UPDATE SET `n` = `n` - 1;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	VALUES (NEW.`tenant_id`, NEW.`at` / 900000, 'csat:' || CAST(json_extract(NEW.`data`, '$.score') AS INTEGER), NEW.`bot_id`, NEW.`channel`, 1, 0)
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
END;
--> statement-breakpoint

-- AI involvement: the conversation's first attempt (an AI answer that is not a dialogue act).
CREATE TRIGGER `analytics_ai_attempt` AFTER INSERT ON `conversation_events`
WHEN NEW.`kind` = 'ai_answered' AND coalesce(json_extract(NEW.`data`, '$.act'), '') = '' BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'cohort:involved', f.`bot_id`, f.`channel`, 1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`attempted` = 0
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
	UPDATE `analytics_conversations` SET `attempted` = 1
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id` AND `attempted` = 0;
END;
--> statement-breakpoint

-- AI resolution (docs/analytics.md): an answer (not abstained) makes the state 'answered' and moves
-- the last answer forward; a thank-you or a 4–5 rating confirms it; an abstention, a 1–3 rating, a
-- hand-off, a person joining or replying, or a reopen undoes it. Only 'answered' and 'confirmed'
-- are counted; 'answered' older than 24 h is "assumed", the rest "pending" (decided when read).
CREATE TRIGGER `analytics_ai_answer` AFTER INSERT ON `conversation_events`
WHEN NEW.`kind` = 'ai_answered' AND coalesce(json_extract(NEW.`data`, '$.act'), '') = ''
	AND coalesce(json_extract(NEW.`data`, '$.abstained'), 0) <> 1 BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'cohort:confirmed', f.`bot_id`, f.`channel`, -1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`ai_state` = 'confirmed'
	ON CONFLICT DO UPDATE SET `n` = `n` - 1;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'cohort:answered', f.`bot_id`, f.`channel`, 1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`ai_state` <> 'answered'
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
	UPDATE `analytics_conversations` SET `ai_state` = 'answered', `last_answer_at` = NEW.`at`
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `analytics_ai_confirm` AFTER INSERT ON `conversation_events`
WHEN (NEW.`kind` = 'ai_answered' AND json_extract(NEW.`data`, '$.act') = 'thanks')
	OR (NEW.`kind` = 'rated' AND json_extract(NEW.`data`, '$.score') >= 4) BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, m.`metric`, f.`bot_id`, f.`channel`, m.`d`, 0
	FROM `analytics_conversations` f, (SELECT 'cohort:answered' AS `metric`, -1 AS `d` UNION ALL SELECT 'cohort:confirmed', 1) m
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`ai_state` = 'answered'
	ON CONFLICT DO UPDATE SET `n` = `n` + excluded.`n`;
	UPDATE `analytics_conversations` SET `ai_state` = 'confirmed'
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id` AND `ai_state` = 'answered';
END;
--> statement-breakpoint
CREATE TRIGGER `analytics_ai_undo` AFTER INSERT ON `conversation_events`
WHEN (NEW.`kind` = 'ai_answered' AND coalesce(json_extract(NEW.`data`, '$.act'), '') = ''
		AND coalesce(json_extract(NEW.`data`, '$.abstained'), 0) = 1)
	OR (NEW.`kind` = 'rated' AND coalesce(json_extract(NEW.`data`, '$.score'), 0) < 4)
	OR NEW.`kind` IN ('handed_off', 'agent_reply', 'agent_joined', 'reopened') BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'cohort:' || f.`ai_state`, f.`bot_id`, f.`channel`, -1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id` AND f.`ai_state` IN ('answered', 'confirmed')
	ON CONFLICT DO UPDATE SET `n` = `n` - 1;
	UPDATE `analytics_conversations` SET `ai_state` = 'undone'
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id` AND `ai_state` IN ('answered', 'confirmed');
END;
--> statement-breakpoint

-- Triage labels (or relabels) a conversation: its category counter moves with it.
CREATE TRIGGER `analytics_category_insert` AFTER INSERT ON `conversation_triage` BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'category:' || f.`category_id`, f.`bot_id`, f.`channel`, -1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id`
		AND f.`category_id` IS NOT NULL AND f.`category_id` IS NOT NEW.`category_id`
	ON CONFLICT DO UPDATE SET `n` = `n` - 1;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'category:' || NEW.`category_id`, f.`bot_id`, f.`channel`, 1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id`
		AND NEW.`category_id` IS NOT NULL AND f.`category_id` IS NOT NEW.`category_id`
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
	UPDATE `analytics_conversations` SET `category_id` = NEW.`category_id`
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id` AND `category_id` IS NOT NEW.`category_id`;
END;
--> statement-breakpoint
CREATE TRIGGER `analytics_category_update` AFTER UPDATE OF `category_id` ON `conversation_triage`
WHEN OLD.`category_id` IS NOT NEW.`category_id` BEGIN
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'category:' || f.`category_id`, f.`bot_id`, f.`channel`, -1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id`
		AND f.`category_id` IS NOT NULL AND f.`category_id` IS NOT NEW.`category_id`
	ON CONFLICT DO UPDATE SET `n` = `n` - 1;
	INSERT INTO `analytics_rollup` (`tenant_id`, `slot`, `metric`, `bot_id`, `channel`, `n`, `total`)
	SELECT f.`tenant_id`, f.`opened_slot`, 'category:' || NEW.`category_id`, f.`bot_id`, f.`channel`, 1, 0
	FROM `analytics_conversations` f
	WHERE f.`tenant_id` = NEW.`tenant_id` AND f.`conversation_id` = NEW.`conversation_id`
		AND NEW.`category_id` IS NOT NULL AND f.`category_id` IS NOT NEW.`category_id`
	ON CONFLICT DO UPDATE SET `n` = `n` + 1;
	UPDATE `analytics_conversations` SET `category_id` = NEW.`category_id`
	WHERE `tenant_id` = NEW.`tenant_id` AND `conversation_id` = NEW.`conversation_id` AND `category_id` IS NOT NEW.`category_id`;
END;
--> statement-breakpoint

-- Backfill: the events stored before this migration pass through the triggers again, in the order
-- they were first inserted.
CREATE TABLE `_analytics_backfill` AS SELECT rowid AS `rid`, * FROM `conversation_events`;
--> statement-breakpoint
DELETE FROM `conversation_events`;
--> statement-breakpoint
INSERT INTO `conversation_events` (`id`, `tenant_id`, `conversation_id`, `bot_id`, `channel`, `kind`, `actor`, `actor_id`, `at`, `value_ms`, `data`)
SELECT `id`, `tenant_id`, `conversation_id`, `bot_id`, `channel`, `kind`, `actor`, `actor_id`, `at`, `value_ms`, `data`
FROM `_analytics_backfill` ORDER BY `rid`;
--> statement-breakpoint
DROP TABLE `_analytics_backfill`;
