-- Auth hardening and the outbound mail port (issues 13 and 17): outbox, the auth limiter's counters,
-- password resets, signups pending email verification; keys of removed creators revoked.
CREATE TABLE `outbox` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text,
	`to_addr` text NOT NULL,
	`subject` text NOT NULL,
	`text_body` text NOT NULL,
	`html_body` text NOT NULL,
	`headers` text NOT NULL,
	`message_id` text NOT NULL,
	`sent_at` integer NOT NULL
);
--> statement-breakpoint
CREATE INDEX `outbox_tenant_idx` ON `outbox` (`tenant_id`,`sent_at`);--> statement-breakpoint
CREATE TABLE `auth_throttle` (
	`key` text PRIMARY KEY NOT NULL,
	`count` integer NOT NULL,
	`window_start` integer NOT NULL,
	`locked_until` integer
);
--> statement-breakpoint
CREATE TABLE `password_resets` (
	`id` text PRIMARY KEY NOT NULL,
	`user_id` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `password_resets_token_uq` ON `password_resets` (`token_hash`);--> statement-breakpoint
CREATE INDEX `password_resets_user_idx` ON `password_resets` (`user_id`);--> statement-breakpoint
CREATE TABLE `signup_requests` (
	`id` text PRIMARY KEY NOT NULL,
	`email` text NOT NULL,
	`name` text,
	`company` text NOT NULL,
	`password_hash` text NOT NULL,
	`token_hash` text NOT NULL,
	`expires_at` integer NOT NULL,
	`used_at` integer,
	`created_at` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `signup_requests_token_uq` ON `signup_requests` (`token_hash`);--> statement-breakpoint
CREATE TABLE `session_floors` (
	`user_id` text PRIMARY KEY NOT NULL,
	`valid_after` integer NOT NULL
);
--> statement-breakpoint
-- Issue 13 item 7: keys die with their creator. Revoke keys whose creating member has left the
-- workspace, and keys minted by other keys (no longer possible; such keys were the attack).
UPDATE `api_keys` SET `revoked_at` = CAST(strftime('%s','now') AS integer) * 1000
WHERE `revoked_at` IS NULL AND (
	`created_by` NOT LIKE 'usr\_%' ESCAPE '\'
	OR NOT EXISTS (SELECT 1 FROM `memberships` m WHERE m.`tenant_id` = `api_keys`.`tenant_id` AND m.`user_id` = `api_keys`.`created_by`)
);
