-- Triage (issue 7): categories and examples, conversation triage state, escalation policies, SLA targets,
-- routing rules, agent presence, tickets and their events. Generated from workers/storage/schema/triage.ts.
CREATE TABLE `agent_presence` (
	`tenant_id` text NOT NULL,
	`user_id` text NOT NULL,
	`status` text NOT NULL,
	`last_seen_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `user_id`)
);
--> statement-breakpoint
CREATE TABLE `categories` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`priority` text,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `categories_tenant_name_uq` ON `categories` (`tenant_id`,`name`);--> statement-breakpoint
CREATE TABLE `category_examples` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`category_id` text NOT NULL,
	`text` text NOT NULL,
	`source` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `category_examples_tenant_idx` ON `category_examples` (`tenant_id`,`category_id`);--> statement-breakpoint
CREATE TABLE `conversation_triage` (
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`category_id` text,
	`category_confidence` real,
	`category_source` text,
	`first_visitor_text` text,
	`frustration_last` real NOT NULL,
	`frustration_trend` real NOT NULL,
	`frustration_max` real NOT NULL,
	`negative_streak` integer NOT NULL,
	`low_confidence_streak` integer NOT NULL,
	`visitor_messages` integer NOT NULL,
	`escalation_reason` text,
	`escalation_detail` text,
	`escalated_at` integer,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `conversation_id`)
);
--> statement-breakpoint
CREATE TABLE `escalation_policies` (
	`tenant_id` text NOT NULL,
	`bot_id` text NOT NULL,
	`policy` text NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `bot_id`)
);
--> statement-breakpoint
CREATE TABLE `routing_rules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`tenant_id` text NOT NULL,
	`position` integer NOT NULL,
	`category_id` text,
	`min_priority` text,
	`target_type` text NOT NULL,
	`target_user_id` text,
	`team_name` text,
	`team_user_ids` text NOT NULL,
	`max_open_per_agent` integer NOT NULL,
	`last_user_id` text,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `routing_rules_tenant_idx` ON `routing_rules` (`tenant_id`,`position`);--> statement-breakpoint
CREATE TABLE `sla_targets` (
	`tenant_id` text NOT NULL,
	`priority` text NOT NULL,
	`first_response_minutes` integer NOT NULL,
	`resolution_minutes` integer NOT NULL,
	`updated_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `priority`)
);
--> statement-breakpoint
CREATE TABLE `ticket_events` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`ticket_id` text NOT NULL,
	`kind` text NOT NULL,
	`actor` text NOT NULL,
	`data` text NOT NULL,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `ticket_events_ticket_idx` ON `ticket_events` (`tenant_id`,`ticket_id`,`id`);--> statement-breakpoint
CREATE TABLE `tickets` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`conversation_id` text NOT NULL,
	`bot_id` text,
	`subject` text NOT NULL,
	`status` text NOT NULL,
	`priority` text NOT NULL,
	`category_id` text,
	`assignee_id` text,
	`team` text,
	`source` text NOT NULL,
	`escalation_reason` text,
	`frustration` real,
	`first_response_due_at` integer NOT NULL,
	`resolution_due_at` integer NOT NULL,
	`first_responded_at` integer,
	`solved_at` integer,
	`created_by` text NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `tickets_tenant_idx` ON `tickets` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_tenant_status_idx` ON `tickets` (`tenant_id`,`status`,`id`);--> statement-breakpoint
CREATE INDEX `tickets_tenant_assignee_idx` ON `tickets` (`tenant_id`,`assignee_id`,`status`);--> statement-breakpoint
CREATE UNIQUE INDEX `tickets_live_conversation_uq` ON `tickets` (`tenant_id`,`conversation_id`) WHERE status in ('open','pending');--> statement-breakpoint
CREATE INDEX `tickets_tenant_conversation_idx` ON `tickets` (`tenant_id`,`conversation_id`);--> statement-breakpoint
CREATE TABLE `triage_versions` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`categories_version` integer NOT NULL
);
