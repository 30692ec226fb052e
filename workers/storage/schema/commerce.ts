import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

export const COMMERCE_PLATFORMS = ["shopify", "woocommerce"] as const;
export type CommercePlatform = (typeof COMMERCE_PLATFORMS)[number];
export const COMMERCE_STATUSES = ["pending", "active"] as const;
export type CommerceStatus = (typeof COMMERCE_STATUSES)[number];

/**
 * A store a workspace connected (issue 20, migration 0014). `shop` is the Shopify shop domain
 * (`acme.myshopify.com`) or the WooCommerce store's host; `storeUrl` its public origin (product
 * links). Credentials are sealed under the tenant key in `secretsCiphertext` (JSON object).
 */
export const commerceConnections = sqliteTable(
  "commerce_connections",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    platform: text("platform").$type<CommercePlatform>().notNull(),
    shop: text("shop").notNull(),
    storeUrl: text("store_url").notNull(),
    botId: text("bot_id"),
    status: text("status").$type<CommerceStatus>().notNull(),
    secretsCiphertext: text("secrets_ciphertext").notNull(),
    secretHints: text("secret_hints", { mode: "json" }).$type<Record<string, string>>().notNull(),
    oauthStateHash: text("oauth_state_hash"),
    oauthStateExpiresAt: integer("oauth_state_expires_at", { mode: "timestamp_ms" }),
    scopes: text("scopes"),
    lastSyncAt: integer("last_sync_at", { mode: "timestamp_ms" }),
    productCount: integer("product_count").notNull().default(0),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // GET /api/integrations: a tenant's connections in creation order
    index("commerce_connections_tenant_idx").on(t.tenantId, t.createdAt),
    // the OAuth callback: the pending row of a state
    uniqueIndex("commerce_connections_state_idx").on(t.oauthStateHash),
    // Shopify compliance webhooks name a shop, not a connection
    index("commerce_connections_shop_idx").on(t.platform, t.shop),
  ],
);
export type CommerceConnectionRow = typeof commerceConnections.$inferSelect;
export type NewCommerceConnectionRow = typeof commerceConnections.$inferInsert;
