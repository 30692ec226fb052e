-- Quota notices per meter (issue 15): voice minutes warn at 80 % and 100 % of the plan's monthly
-- minutes as AI answers do, so a notice is keyed by its meter too (an AI-answer limit and a
-- voice-minute limit can be the same number). SQLite cannot change a primary key in place, so the
-- table is rebuilt; every notice sent before was for AI answers.
CREATE TABLE `billing_notices_new` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`meter` text DEFAULT 'ai_answers' NOT NULL,
	`threshold` integer NOT NULL,
	`quota` integer NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`, `meter`, `threshold`, `quota`)
);
--> statement-breakpoint
INSERT INTO `billing_notices_new` (`tenant_id`, `period`, `meter`, `threshold`, `quota`, `sent_at`)
	SELECT `tenant_id`, `period`, 'ai_answers', `threshold`, `quota`, `sent_at` FROM `billing_notices`;
--> statement-breakpoint
DROP TABLE `billing_notices`;
--> statement-breakpoint
ALTER TABLE `billing_notices_new` RENAME TO `billing_notices`;
