-- Issue 20 leftovers. Store webhook replay protection: the first verified delivery of a key claims
-- it, a redelivery with the same key answers 200 and changes nothing. Keys are the delivery ids the
-- vendors send (`id:` + X-Shopify-Webhook-Id / X-WC-Webhook-Delivery-ID, `event:` +
-- X-Shopify-Event-Id) and the SHA-256 of the signed body (`sha256:`), the one id inside the signed
-- content: a captured request resent under a made-up delivery id is still dropped. Rows are swept
-- after 30 days by the cron (domain/commerce/deliveries.ts).
CREATE TABLE `commerce_webhook_deliveries` (
	`tenant_id` text NOT NULL,
	`connection_id` text NOT NULL,
	`delivery_key` text NOT NULL,
	`topic` text NOT NULL,
	`received_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `connection_id`, `delivery_key`)
);
--> statement-breakpoint
-- the cron's sweep of expired claims, across tenants, oldest first
CREATE INDEX `commerce_webhook_deliveries_received_idx` ON `commerce_webhook_deliveries` (`received_at`);--> statement-breakpoint
-- CSV imports (seed 004): one row per imported record, keyed by the id it had in the old tool, so a
-- re-import of the same file (or an overlapping one) skips what is already there.
CREATE TABLE `import_records` (
	`tenant_id` text NOT NULL,
	`kind` text NOT NULL,
	`external_id` text NOT NULL,
	`target_id` text NOT NULL,
	`import_id` text NOT NULL,
	`created_at` integer NOT NULL,
	PRIMARY KEY(`tenant_id`, `kind`, `external_id`)
);
