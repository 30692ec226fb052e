import { z } from "zod";
import { toBase64 } from "../../lib/crypto";
import {
  type CommerceOrder,
  type CommerceProduct,
  type CommerceStore,
  normalizeEmail,
  normalizeOrderNumber,
  StoreError,
  type StoreFetch,
  stripHtml,
} from "./port";

/**
 * WooCommerce adapter of the commerce port: the REST API v3 (`{store}/wp-json/wc/v3/…`) with the
 * consumer key and secret as HTTP Basic credentials (WooCommerce's documented scheme over HTTPS).
 * Pages: `per_page` + `page`, the page count in `X-WP-TotalPages`. Shipment tracking is not core
 * WooCommerce: it is read from the Shipment Tracking extension's `_wc_shipment_tracking_items`
 * order meta when present.
 */
export const WOO_PER_PAGE = 50;

export const WooProduct = z
  .object({
    id: z.number(),
    name: z.string(),
    permalink: z.string().nullable().optional(),
    status: z.string().optional(),
    description: z.string().nullable().optional(),
    short_description: z.string().nullable().optional(),
    price: z.string().nullable().optional(),
    sku: z.string().nullable().optional(),
    stock_status: z.string().optional(),
    purchasable: z.boolean().optional(),
    attributes: z.array(z.object({ name: z.string(), options: z.array(z.string()).default([]) }).loose()).default([]),
  })
  .loose();

const TrackingItems = z.array(
  z
    .object({
      tracking_provider: z.string().nullable().optional(),
      custom_tracking_provider: z.string().nullable().optional(),
      tracking_number: z.string().nullable().optional(),
      custom_tracking_link: z.string().nullable().optional(),
    })
    .loose(),
);

export const WooOrder = z
  .object({
    id: z.number(),
    number: z.union([z.string(), z.number()]).transform(String),
    status: z.string(),
    currency: z.string(),
    total: z.string(),
    date_created: z.string(),
    billing: z.object({ email: z.string().nullable().optional() }).loose().optional(),
    line_items: z.array(z.object({ name: z.string(), quantity: z.number() }).loose()).default([]),
    refunds: z.array(z.object({ total: z.string() }).loose()).default([]),
    meta_data: z.array(z.object({ key: z.string(), value: z.unknown() }).loose()).default([]),
  })
  .loose();

export function toWooProduct(p: z.infer<typeof WooProduct>): CommerceProduct {
  const available = p.stock_status !== "outofstock" && p.purchasable !== false;
  return {
    id: String(p.id),
    title: p.name,
    description: stripHtml([p.short_description, p.description].filter(Boolean).join("\n")),
    url: p.status === undefined || p.status === "publish" ? (p.permalink ?? null) : null,
    available,
    currency: null,
    options: p.attributes.map((a) => ({ name: a.name, values: a.options })),
    variants: [{ title: p.name, price: p.price || null, sku: p.sku || null, available }],
  };
}

const WOO_STATUS: Record<string, CommerceOrder["status"]> = {
  pending: "open",
  processing: "processing",
  "on-hold": "on_hold",
  completed: "fulfilled",
  cancelled: "cancelled",
  refunded: "refunded",
  failed: "cancelled",
};

export function toWooOrder(o: z.infer<typeof WooOrder>): CommerceOrder {
  const refunded = o.refunds.reduce((s, r) => s + Math.abs(Number(r.total) || 0), 0);
  const tracking = TrackingItems.safeParse(o.meta_data.find((m) => m.key === "_wc_shipment_tracking_items")?.value);
  return {
    id: String(o.id),
    number: o.number,
    email: o.billing?.email || null,
    status: WOO_STATUS[o.status] ?? "processing",
    platformStatus: o.status,
    createdAt: o.date_created,
    total: o.total,
    currency: o.currency,
    items: o.line_items.map((i) => ({ title: i.name, quantity: i.quantity })),
    tracking: tracking.success
      ? tracking.data.map((t) => ({
          company: t.custom_tracking_provider || t.tracking_provider || null,
          number: t.tracking_number || null,
          url: t.custom_tracking_link || null,
        }))
      : [],
    refund: o.status === "refunded" ? "full" : refunded > 0 ? "partial" : "none",
  };
}

export type WooOptions = { storeUrl: string; consumerKey: string; consumerSecret: string; fetch: StoreFetch };

export function wooStore(o: WooOptions): CommerceStore {
  const base = `${o.storeUrl.replace(/\/$/, "")}/wp-json/wc/v3`;
  const auth = `Basic ${toBase64(new TextEncoder().encode(`${o.consumerKey}:${o.consumerSecret}`))}`;

  async function get<T>(schema: z.ZodType<T>, path: string, query: Record<string, string>, signal?: AbortSignal) {
    const url = `${base}${path}?${new URLSearchParams(query)}`;
    const res = await o.fetch(url, {
      method: "GET",
      headers: { authorization: auth, accept: "application/json" },
      ...(signal && { signal }),
    });
    if (res.status === 401 || res.status === 403)
      throw new StoreError(`WooCommerce refused the consumer key (HTTP ${res.status})`, "unauthorized");
    if (res.status === 429) throw new StoreError("WooCommerce throttled the request", "throttled", 1);
    if (!res.ok) throw new StoreError(`WooCommerce answered HTTP ${res.status}`, "upstream");
    const body = schema.safeParse(await res.json().catch(() => undefined));
    if (!body.success) throw new StoreError("WooCommerce answered an unexpected shape", "upstream");
    return { body: body.data, totalPages: Number(res.headers.get("x-wp-totalpages") ?? "1") || 1 };
  }

  const orders = async (search: string, perPage: number, signal?: AbortSignal) =>
    (
      await get(
        z.array(WooOrder),
        "/orders",
        { search, per_page: String(perPage), orderby: "date", order: "desc" },
        signal,
      )
    ).body.map(toWooOrder);

  return {
    async checkCredentials(signal) {
      await get(z.array(z.unknown()), "/products", { per_page: "1" }, signal);
      return { name: new URL(o.storeUrl).host };
    },
    async products(cursor, signal) {
      const page = Number(cursor ?? "1");
      const r = await get(
        z.array(WooProduct),
        "/products",
        { per_page: String(WOO_PER_PAGE), page: String(page), status: "publish" },
        signal,
      );
      return { products: r.body.map(toWooProduct), ...(page < r.totalPages ? { next: String(page + 1) } : {}) };
    },
    async orderByNumber(number, signal) {
      const want = normalizeOrderNumber(number);
      if (!want) return undefined;
      return (await orders(want, 20, signal)).find((x) => normalizeOrderNumber(x.number) === want);
    },
    async ordersByEmail(email, limit, signal) {
      const want = normalizeEmail(email);
      return (await orders(want, Math.max(limit, 20), signal))
        .filter((x) => x.email !== null && normalizeEmail(x.email) === want)
        .slice(0, limit);
    },
  };
}
