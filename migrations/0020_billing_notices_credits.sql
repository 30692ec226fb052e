-- Billing, the rest of issue 15 (workers/storage/schema/billing.ts): quota notices sent once per
-- tenant, period and threshold; per-bot over-quota choice and AI budget cap; AI cost per bot and
-- model; prepaid credit packs (answers granted on the account, spent per period on overage).
CREATE TABLE `billing_notices` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`threshold` integer NOT NULL,
	`sent_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`, `threshold`)
);
--> statement-breakpoint
CREATE TABLE `billing_bot_settings` (
	`tenant_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`over_quota` text,
	`budget_cap_micros` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `bot_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_model_costs` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`bot_id` text NOT NULL,
	`model` text NOT NULL,
	`calls` integer DEFAULT 0 NOT NULL,
	`input_tokens` integer DEFAULT 0 NOT NULL,
	`output_tokens` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`, `bot_id`, `model`)
);
--> statement-breakpoint
ALTER TABLE `billing_accounts` ADD `credits_granted` integer DEFAULT 0 NOT NULL;
--> statement-breakpoint
CREATE TABLE `billing_credit_spend` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`spent` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`)
);
