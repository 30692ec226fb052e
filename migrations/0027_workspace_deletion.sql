-- Workspace deletion with a grace period (issue 18, workspace lifecycle). DELETE /api/workspace sets
-- these; POST /api/workspace/restore clears them; the hourly cron purges workspaces whose
-- deletion_scheduled_at has passed (workers/domain/workspace/purge.ts) and deletes the row last.
ALTER TABLE `tenants` ADD `deletion_scheduled_at` integer;
--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_requested_by` text;
--> statement-breakpoint
ALTER TABLE `tenants` ADD `deletion_requested_at` integer;
--> statement-breakpoint
-- the purge job finds workspaces due for deletion (deletion_scheduled_at <= now)
CREATE INDEX `tenants_deletion_idx` ON `tenants` (`deletion_scheduled_at`) WHERE `deletion_scheduled_at` IS NOT NULL;
