-- Compliance (issue 18): the append-only audit log and per-workspace retention settings
-- (workers/storage/schema/compliance.ts).
CREATE TABLE `audit_log` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`action` text NOT NULL,
	`actor_type` text NOT NULL,
	`actor_id` text NOT NULL,
	`targets` text NOT NULL,
	`ip` text,
	`user_agent` text,
	`request_id` text,
	`metadata` text NOT NULL,
	`at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_log_tenant_idx` ON `audit_log` (`tenant_id`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_tenant_action_idx` ON `audit_log` (`tenant_id`,`action`,`id`);--> statement-breakpoint
CREATE INDEX `audit_log_tenant_actor_idx` ON `audit_log` (`tenant_id`,`actor_id`,`id`);--> statement-breakpoint
-- append-only: no route updates or deletes entries, and the database refuses an UPDATE outright
CREATE TRIGGER `audit_log_no_update` BEFORE UPDATE ON `audit_log`
BEGIN
	SELECT RAISE(ABORT, 'audit_log is append-only');
END;--> statement-breakpoint
CREATE TABLE `privacy_settings` (
	`tenant_id` text PRIMARY KEY NOT NULL,
	`conversation_retention_days` integer,
	`updated_at` integer NOT NULL
);
