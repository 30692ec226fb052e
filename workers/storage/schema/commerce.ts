import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

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
    /** A product sync pass longer than one run: the store's cursor to go on from, and when the pass began (migration 0035). */
    syncCursor: text("sync_cursor"),
    syncPassAt: integer("sync_pass_at", { mode: "timestamp_ms" }),
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

/**
 * Claimed store webhook deliveries (migration 0024): the replay log of /hooks/shopify|woocommerce/:id.
 * `deliveryKey` is `id:<delivery id>`, `event:<event id>` or `sha256:<hex of the signed body>`.
 */
/** The products a sync pass has listed so far (per connection; `pass_at` names the pass). */
export const commerceSyncSeen = sqliteTable(
  "commerce_sync_seen",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    productId: text("product_id").notNull(),
    passAt: integer("pass_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.connectionId, t.productId] }),
    // the workspace purge deletes by tenant
    index("commerce_sync_seen_tenant_idx").on(t.tenantId),
  ],
);

export const commerceWebhookDeliveries = sqliteTable(
  "commerce_webhook_deliveries",
  {
    tenantId: text("tenant_id").notNull(),
    connectionId: text("connection_id").notNull(),
    deliveryKey: text("delivery_key").notNull(),
    topic: text("topic").notNull(),
    receivedAt: integer("received_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.connectionId, t.deliveryKey] }),
    // the cron's sweep of expired claims, across tenants, oldest first
    index("commerce_webhook_deliveries_received_idx").on(t.receivedAt),
  ],
);
export type CommerceWebhookDeliveryRow = typeof commerceWebhookDeliveries.$inferSelect;

export const IMPORT_KINDS = ["conversation", "qa"] as const;
export type ImportKind = (typeof IMPORT_KINDS)[number];

/**
 * What CSV imports created (migration 0024), by the id the record had in the old tool: a re-import
 * skips external ids already here. `importId` is the request id of the import that created it.
 */
export const importRecords = sqliteTable(
  "import_records",
  {
    tenantId: text("tenant_id").notNull(),
    kind: text("kind").$type<ImportKind>().notNull(),
    externalId: text("external_id").notNull(),
    targetId: text("target_id").notNull(),
    importId: text("import_id").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.kind, t.externalId] })],
);
export type ImportRecordRow = typeof importRecords.$inferSelect;
export type NewImportRecordRow = typeof importRecords.$inferInsert;
