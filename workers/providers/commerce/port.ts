/**
 * The commerce port (issue 20): one narrow interface over a connected store, with a Shopify adapter
 * (Admin GraphQL, ./shopify.ts) and a WooCommerce adapter (REST v3, ./woocommerce.ts). Domain code
 * (domain/commerce) sees only these plain shapes; adapters reach the store through the `fetch` they
 * are given, which the domain builds over lib/egress.ts.
 */

export type ProductVariant = { title: string; price: string | null; sku: string | null; available: boolean };

export type CommerceProduct = {
  /** The platform's id (`gid://shopify/Product/1`, WooCommerce's numeric id as a string). */
  id: string;
  title: string;
  /** Plain text (HTML removed). */
  description: string;
  /** The public product page, or null when the store has none (unpublished). */
  url: string | null;
  available: boolean;
  currency: string | null;
  /** Option names with their values ("Color": ["Blue", "Red"]). */
  options: { name: string; values: string[] }[];
  variants: ProductVariant[];
};

export type OrderTracking = { company: string | null; number: string | null; url: string | null };

export type CommerceOrder = {
  id: string;
  /** What the customer sees ("#1001" on Shopify, "1001" on WooCommerce). */
  number: string;
  email: string | null;
  /** One word across platforms. */
  status: "open" | "processing" | "fulfilled" | "partially_fulfilled" | "cancelled" | "refunded" | "on_hold";
  /** The platform's own words (`PAID / UNFULFILLED`, `processing`). */
  platformStatus: string;
  createdAt: string;
  total: string;
  currency: string;
  items: { title: string; quantity: number }[];
  tracking: OrderTracking[];
  refund: "none" | "partial" | "full";
};

export interface CommerceStore {
  /** Checks the credentials against the store; answers its display name. */
  checkCredentials(signal?: AbortSignal): Promise<{ name: string }>;
  /** One page of products; `next` is the cursor of the following page, undefined at the end. */
  products(cursor: string | undefined, signal?: AbortSignal): Promise<{ products: CommerceProduct[]; next?: string }>;
  /** The order with this customer-facing number ("1001" or "#1001"), if any. */
  orderByNumber(number: string, signal?: AbortSignal): Promise<CommerceOrder | undefined>;
  /** The customer's most recent orders, newest first; only orders whose email equals `email`. */
  ordersByEmail(email: string, limit: number, signal?: AbortSignal): Promise<CommerceOrder[]>;
}

/** The network an adapter uses (the egress policy's fetch). */
export type StoreFetch = (url: string, init: RequestInit) => Promise<Response>;

/** The store answered with an error the caller should surface (bad credentials, throttled, 5xx). */
export class StoreError extends Error {
  override readonly name = "StoreError";
  constructor(
    message: string,
    readonly kind: "unauthorized" | "throttled" | "upstream",
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
  }
}

/** Order numbers compared the way customers type them: "#1001", "1001", " 1001 " are one. */
export const normalizeOrderNumber = (n: string) => n.trim().replace(/^#/, "").toLowerCase();
export const normalizeEmail = (e: string) => e.trim().toLowerCase();

/** A small HTML → text for product descriptions (tags out, common entities decoded, spaces collapsed). */
export function stripHtml(html: string): string {
  return html
    .replace(/<(script|style)[^>]*>[\s\S]*?<\/\1>/gi, " ")
    .replace(/<br\s*\/?>|<\/(p|li|div|h\d)>/gi, "\n")
    .replace(/<[^>]+>/g, " ")
    .replace(/&nbsp;/g, " ")
    .replace(/&amp;/g, "&")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#0?39;/g, "'")
    .replace(/[ \t]+/g, " ")
    .replace(/\s*\n\s*/g, "\n")
    .trim();
}
