import type { ShopifyOrderNode, ShopifyProductNode, WooOrderResource, WooProductResource } from "./store-fixtures.mjs";

export type StoreLocalOptions = {
  /** 127.0.0.1 port; 0 picks a free one (default 12112). */
  port?: number;
  /** The Shopify shop's permanent domain (default acme-outdoor.myshopify.com). */
  shop?: string;
  /** The Shopify app's client id and secret (the secret signs OAuth redirects and webhooks). */
  shopifyClientId?: string;
  shopifyClientSecret?: string;
  /** WooCommerce REST keys and the webhook secret; default: random. */
  wooConsumerKey?: string;
  wooConsumerSecret?: string;
  wooWebhookSecret?: string;
  /** Caps every page (Shopify `first`, WooCommerce `per_page`) so paging shows with a small catalogue. */
  pageSize?: number;
  log?: (line: string) => void;
};

export type Webhook = {
  /** Echo's hook URL (loopback only). */
  url: string;
  topic: string;
  /** A JSON value, or the exact raw body. */
  payload: unknown;
  /** Sign with this instead of the store's secret (a forged delivery). */
  secret?: string;
};

export type StoreLocal = {
  origin: string;
  shop: string;
  shopify: { clientId: string; clientSecret: string };
  woo: { consumerKey: string; consumerSecret: string; webhookSecret: string };
  /** The live catalogue and orders (change them to change what the store answers) and a request log. */
  state: {
    shopify: { name: string; products: ShopifyProductNode[]; orders: ShopifyOrderNode[] };
    woo: { products: WooProductResource[]; orders: WooOrderResource[] };
    requests: { method: string; path: string; status: number }[];
  };
  sendShopifyWebhook(w: Webhook): Promise<{ status: number; body: string }>;
  sendWooWebhook(w: Webhook): Promise<{ status: number; body: string }>;
  /** WooCommerce's unsigned test ping (`webhook_id=1`) sent when a merchant saves a webhook. */
  sendWooPing(url: string): Promise<{ status: number; body: string }>;
  close(): Promise<void>;
};

export declare const SHOPIFY_API_VERSION: string;
export declare function shopifyProductWebhookBody(p: ShopifyProductNode): Record<string, unknown>;
export declare function startStoreLocal(opts?: StoreLocalOptions): Promise<StoreLocal>;
