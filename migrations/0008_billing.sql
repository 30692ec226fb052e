-- Billing and plans (issue 15): one account row per tenant (plan, Stripe state, over-quota choice,
-- budget cap), usage counted exactly once per event id, and the Stripe events already handled
-- (workers/storage/schema/billing.ts).
CREATE TABLE `billing_accounts` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`plan` text NOT NULL,
	`status` text NOT NULL,
	`stripe_customer_id` text,
	`stripe_subscription_id` text,
	`period_end` integer,
	`cancel_at_period_end` integer DEFAULT 0 NOT NULL,
	`over_quota` text DEFAULT 'handoff' NOT NULL,
	`budget_cap_micros` integer,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
-- POST /hooks/stripe finds the tenant of a subscription event by its customer
CREATE UNIQUE INDEX `billing_accounts_customer_uq` ON `billing_accounts` (`stripe_customer_id`);--> statement-breakpoint
CREATE TABLE `usage_counters` (
	`tenant_id` text NOT NULL,
	`period` text NOT NULL,
	`metric` text NOT NULL,
	`bot_id` text NOT NULL,
	`quantity` integer DEFAULT 0 NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	PRIMARY KEY(`tenant_id`, `period`, `metric`, `bot_id`)
);
--> statement-breakpoint
CREATE TABLE `usage_events` (
	`tenant_id` text NOT NULL,
	`event_id` text NOT NULL,
	`metric` text NOT NULL,
	`bot_id` text NOT NULL,
	`period` text NOT NULL,
	`quantity` integer NOT NULL,
	`cost_micros` integer DEFAULT 0 NOT NULL,
	`at` integer NOT NULL,
	`reported_at` integer,
	PRIMARY KEY(`tenant_id`, `event_id`)
);
--> statement-breakpoint
-- the Billing Meters reporter picks a tenant's unreported events of a period
CREATE INDEX `usage_events_unreported_idx` ON `usage_events` (`tenant_id`,`reported_at`,`period`);--> statement-breakpoint
CREATE TABLE `stripe_events` (
	`id` text PRIMARY KEY NOT NULL,
	`type` text NOT NULL,
	`tenant_id` text,
	`received_at` integer NOT NULL
);
