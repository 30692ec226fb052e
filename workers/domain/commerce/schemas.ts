import { z } from "@hono/zod-openapi";

/** Limits of the commerce inputs. */
export const MAX_SECRET = 500;
export const MAX_ORDER_NUMBER = 40;
/** Products indexed per sync run (a periodic sync resumes the rest next time). */
export const MAX_PRODUCTS_PER_SYNC = 2000;
/** Orders shown in the operator's sidebar. */
export const SIDEBAR_ORDERS = 5;

const Secret = z.string().trim().min(1).max(MAX_SECRET);
const BotRef = z.string().min(1).max(64).optional();

export const WooConnectInput = z
  .object({
    storeUrl: z.url({ protocol: /^https?$/ }).max(500),
    consumerKey: Secret,
    consumerSecret: Secret,
    webhookSecret: Secret,
    botId: BotRef,
  })
  .strict()
  .openapi("WooCommerceConnectInput");
export type WooConnectInput = z.infer<typeof WooConnectInput>;

/** A shop's permanent domain, the only host an install may name. */
export const SHOP_DOMAIN = /^[a-z0-9][a-z0-9-]{0,60}\.myshopify\.com$/;

export const ShopifyInstallInput = z
  .object({
    shop: z.string().trim().toLowerCase().regex(SHOP_DOMAIN, "a shop domain like acme.myshopify.com"),
    botId: BotRef,
    /** A custom app's client id and secret; default: Echo's app (SHOPIFY_API_KEY / SHOPIFY_API_SECRET). */
    clientId: Secret.optional(),
    clientSecret: Secret.optional(),
  })
  .strict()
  .openapi("ShopifyInstallInput");
export type ShopifyInstallInput = z.infer<typeof ShopifyInstallInput>;

/** How long a rotated-out webhook secret is still accepted, by default and at most (hours). */
export const DEFAULT_ROTATION_GRACE_HOURS = 24;
export const MAX_ROTATION_GRACE_HOURS = 72;

/**
 * POST /api/integrations/:id/rotate-secrets. WooCommerce: any of `consumerKey`/`consumerSecret`
 * (checked against the store first) and `webhookSecret`; Shopify: `clientSecret` (the app secret
 * that signs its webhooks). `graceHours`: how long webhooks signed with the old webhook secret are
 * still accepted (0 = refuse them at once, after a leak).
 */
export const RotateSecretsInput = z
  .object({
    consumerKey: Secret.optional(),
    consumerSecret: Secret.optional(),
    webhookSecret: Secret.optional(),
    clientSecret: Secret.optional(),
    graceHours: z.number().int().min(0).max(MAX_ROTATION_GRACE_HOURS).optional(),
  })
  .strict()
  .openapi("CommerceRotateSecretsInput");
export type RotateSecretsInput = z.infer<typeof RotateSecretsInput>;

export const ConnectionDto = z
  .object({
    id: z.string(),
    platform: z.enum(["shopify", "woocommerce"]),
    shop: z.string(),
    storeUrl: z.string(),
    botId: z.string().nullable(),
    status: z.enum(["pending", "active"]),
    secretHints: z.record(z.string(), z.string()),
    webhookUrl: z.string(),
    lastSyncAt: z.string().nullable(),
    productCount: z.number().int(),
    createdAt: z.string(),
  })
  .openapi("CommerceConnection");
export type ConnectionDto = z.infer<typeof ConnectionDto>;

export const OrderDto = z
  .object({
    connectionId: z.string(),
    platform: z.enum(["shopify", "woocommerce"]),
    id: z.string(),
    number: z.string(),
    status: z.string(),
    platformStatus: z.string(),
    createdAt: z.string(),
    total: z.string(),
    currency: z.string(),
    items: z.array(z.object({ title: z.string(), quantity: z.number() })),
    tracking: z.array(
      z.object({ company: z.string().nullable(), number: z.string().nullable(), url: z.string().nullable() }),
    ),
    refund: z.enum(["none", "partial", "full"]),
  })
  .openapi("CommerceOrder");
export type OrderDto = z.infer<typeof OrderDto>;

export const OrderLookupInput = z
  .object({
    orderNumber: z.string().trim().min(1).max(MAX_ORDER_NUMBER),
    email: z.email().max(320),
  })
  .strict();
export type OrderLookupInput = z.infer<typeof OrderLookupInput>;

export const SyncResultDto = z.object({
  indexed: z.number().int(),
  /** Products the store no longer lists, removed from knowledge (only after a complete pass). */
  removed: z.number().int(),
  pages: z.number().int(),
  complete: z.boolean(),
});
