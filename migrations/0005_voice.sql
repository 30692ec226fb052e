-- Voice: provider integrations, call ↔ conversation map, webhook replay log (issue 8).
CREATE TABLE `voice_calls` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`integration_id` text NOT NULL,
	`provider` text NOT NULL,
	`provider_call_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`state` text NOT NULL,
	`from_number` text,
	`to_number` text,
	`started_at` integer,
	`ended_at` integer,
	`duration_sec` real,
	`cost` real,
	`cost_currency` text,
	`summary` text,
	`ended_reason` text,
	`recording_key` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `voice_calls_provider_uq` ON `voice_calls` (`tenant_id`,`integration_id`,`provider_call_id`);--> statement-breakpoint
CREATE INDEX `voice_calls_conversation_idx` ON `voice_calls` (`tenant_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `voice_events` (
	`tenant_id` text NOT NULL,
	`integration_id` text NOT NULL,
	`event_id` text NOT NULL,
	`id` text NOT NULL,
	`kind` text NOT NULL,
	`response` text,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `integration_id`, `event_id`)
);
--> statement-breakpoint
CREATE INDEX `voice_events_received_idx` ON `voice_events` (`tenant_id`,`received_at`);--> statement-breakpoint
CREATE TABLE `voice_integrations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`provider` text NOT NULL,
	`bot_id` text NOT NULL,
	`name` text NOT NULL,
	`secrets_ciphertext` text NOT NULL,
	`secret_hints` text NOT NULL,
	`settings` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `voice_integrations_tenant_idx` ON `voice_integrations` (`tenant_id`,`created_at`);