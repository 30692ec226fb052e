-- Live conversations: the D1 copy of ConversationRoom state (workers/storage/schema/conversations.ts).
CREATE TABLE `conversations` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`channel` text NOT NULL,
	`status` text NOT NULL,
	`mode` text NOT NULL,
	`assignee_id` text,
	`visitor` text NOT NULL,
	`visitor_key_hash` text,
	`last_message_at` integer,
	`last_message_preview` text,
	`message_count` integer DEFAULT 0 NOT NULL,
	`meta` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL,
	`closed_at` integer
);
--> statement-breakpoint
CREATE INDEX `conversations_tenant_updated_idx` ON `conversations` (`tenant_id`,`updated_at`,`id`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_status_idx` ON `conversations` (`tenant_id`,`status`,`updated_at`);--> statement-breakpoint
CREATE INDEX `conversations_tenant_assignee_idx` ON `conversations` (`tenant_id`,`assignee_id`,`updated_at`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`seq` integer NOT NULL,
	`role` text NOT NULL,
	`text` text NOT NULL,
	`sources` text,
	`cid` text,
	`attachments` text,
	`internal` integer DEFAULT false NOT NULL,
	`author` text,
	`meta` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `messages_tenant_conversation_seq_idx` ON `messages` (`tenant_id`,`conversation_id`,`seq`);
