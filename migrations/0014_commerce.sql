-- Commerce (issue 20): one row per store a workspace connected (Shopify through OAuth, WooCommerce
-- with REST API keys). Credentials are one AES-GCM ciphertext of a JSON object under the tenant key
-- (domain/secrets/crypto.ts), like voice_integrations; only `secret_hints` leave the server.
-- A Shopify row is `pending` from the install start until the HMAC-verified callback stores its
-- offline token; `oauth_state_hash` is the SHA-256 of the single-use OAuth `state`.
CREATE TABLE `commerce_connections` (
	`id` text PRIMARY KEY NOT NULL,
	`tenant_id` text NOT NULL,
	`platform` text NOT NULL,
	`shop` text NOT NULL,
	`store_url` text NOT NULL,
	`bot_id` text,
	`status` text NOT NULL,
	`secrets_ciphertext` text NOT NULL,
	`secret_hints` text NOT NULL,
	`oauth_state_hash` text,
	`oauth_state_expires_at` integer,
	`scopes` text,
	`last_sync_at` integer,
	`product_count` integer DEFAULT 0 NOT NULL,
	`created_at` integer NOT NULL,
	`updated_at` integer NOT NULL
);--> statement-breakpoint
-- GET /api/integrations: a tenant's connections in creation order
CREATE INDEX `commerce_connections_tenant_idx` ON `commerce_connections` (`tenant_id`,`created_at`);--> statement-breakpoint
-- the OAuth callback: the pending row of a state
CREATE UNIQUE INDEX `commerce_connections_state_idx` ON `commerce_connections` (`oauth_state_hash`);--> statement-breakpoint
-- Shopify compliance webhooks name a shop, not a connection: the rows of a shop domain
CREATE INDEX `commerce_connections_shop_idx` ON `commerce_connections` (`platform`,`shop`);
