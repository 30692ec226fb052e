-- Quota notices are claimed per AI-answer limit as well (workers/storage/schema/billing.ts): keyed
-- by tenant, period and threshold only, a workspace warned at 80 % and 100 % of Free's 100 answers
-- that upgraded to Pro in the same month was never warned at 80 % or 100 % of Pro's 5,000. SQLite
-- cannot change a primary key in place, so the table is rebuilt. Notices sent before keep quota 100
-- (Free's limit, the plan of nearly every workspace warned so far): a paying workspace already past
-- 80 % this month may be warned once more.
CREATE TABLE `billing_notices_new` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`threshold` integer NOT NULL,
	`quota` integer NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`, `threshold`, `quota`)
);
--> statement-breakpoint
INSERT INTO `billing_notices_new` (`tenant_id`, `period`, `threshold`, `quota`, `sent_at`)
	SELECT `tenant_id`, `period`, `threshold`, 100, `sent_at` FROM `billing_notices`;
--> statement-breakpoint
DROP TABLE `billing_notices`;
--> statement-breakpoint
ALTER TABLE `billing_notices_new` RENAME TO `billing_notices`;
