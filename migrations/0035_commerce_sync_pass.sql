-- Product syncs of stores larger than one run (issue 20): a run reads at most 2,000 products, so a
-- bigger catalogue is synced across runs. The connection keeps where the pass stands (`sync_cursor`,
-- the store's opaque page cursor, and `sync_pass_at`, when the pass began); every product the pass
-- lists is noted in `commerce_sync_seen`, so once the pass has read the last page the products it
-- never saw are removed from knowledge.
ALTER TABLE `commerce_connections` ADD `sync_cursor` text;
--> statement-breakpoint
ALTER TABLE `commerce_connections` ADD `sync_pass_at` integer;
--> statement-breakpoint
CREATE TABLE `commerce_sync_seen` (
	`tenant_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`product_id` text NOT NULL,
	`pass_at` integer NOT NULL,
	PRIMARY KEY(`connection_id`, `product_id`)
);
--> statement-breakpoint
CREATE INDEX `commerce_sync_seen_tenant_idx` ON `commerce_sync_seen` (`tenant_id`);
