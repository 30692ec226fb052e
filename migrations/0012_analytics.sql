-- Analytics (issue 16): one conversation-event record per event, written by the ConversationRoom in
-- its batched D1 copy (rooms/d1-copy.ts); metrics are derived from it (docs/analytics.md).
CREATE TABLE `conversation_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`actor_id` text,
	`at` integer NOT NULL,
	`value_ms` integer,
	`data` text
);
--> statement-breakpoint
CREATE INDEX `conversation_events_tenant_kind_at_idx` ON `conversation_events` (`tenant_id`,`kind`,`at`);--> statement-breakpoint
CREATE INDEX `conversation_events_tenant_conv_idx` ON `conversation_events` (`tenant_id`,`conversation_id`,`at`);
