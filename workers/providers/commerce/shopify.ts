import { z } from "zod";
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
 * Shopify adapter of the commerce port: the Admin GraphQL API at a pinned version,
 * `POST {base}/admin/api/{version}/graphql.json` with `X-Shopify-Access-Token`. Rate limits are
 * by calculated query cost: every answer carries `extensions.cost.throttleStatus`
 * (`maximumAvailable`, `currentlyAvailable`, `restoreRate` points per second); before the next
 * request the adapter waits until the bucket holds what the last query cost, and a `THROTTLED`
 * answer becomes a retryable StoreError with the seconds the bucket needs.
 */
export const SHOPIFY_API_VERSION = "2025-10";

/** Read scopes Echo asks for at install. */
export const SHOPIFY_SCOPES = "read_products,read_orders,read_customers,read_fulfillments";

const ThrottleStatus = z.object({
  maximumAvailable: z.number(),
  currentlyAvailable: z.number(),
  restoreRate: z.number().positive(),
});
const Envelope = z.object({
  data: z.unknown().optional(),
  errors: z
    .array(z.object({ message: z.string(), extensions: z.object({ code: z.string().optional() }).loose().optional() }))
    .optional(),
  extensions: z
    .object({
      cost: z
        .object({
          requestedQueryCost: z.number().optional(),
          actualQueryCost: z.number().nullable().optional(),
          throttleStatus: ThrottleStatus.optional(),
        })
        .optional(),
    })
    .loose()
    .optional(),
});

const Money = z.object({ amount: z.string(), currencyCode: z.string() });
const ProductNode = z.object({
  id: z.string(),
  title: z.string(),
  handle: z.string(),
  descriptionHtml: z.string().nullable().optional(),
  onlineStoreUrl: z.string().nullable().optional(),
  status: z.string().optional(),
  options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })).default([]),
  priceRangeV2: z.object({ minVariantPrice: Money }).optional(),
  variants: z.object({
    nodes: z.array(
      z.object({
        title: z.string(),
        price: z.string().nullable().optional(),
        sku: z.string().nullable().optional(),
        availableForSale: z.boolean(),
      }),
    ),
  }),
});
const ProductsData = z.object({
  products: z.object({
    pageInfo: z.object({ hasNextPage: z.boolean(), endCursor: z.string().nullable() }),
    nodes: z.array(ProductNode),
  }),
});
const OrderNode = z.object({
  id: z.string(),
  name: z.string(),
  email: z.string().nullable().optional(),
  createdAt: z.string(),
  cancelledAt: z.string().nullable().optional(),
  displayFinancialStatus: z.string().nullable().optional(),
  displayFulfillmentStatus: z.string(),
  totalPriceSet: z.object({ shopMoney: Money }),
  lineItems: z.object({ nodes: z.array(z.object({ title: z.string(), quantity: z.number() })) }),
  fulfillments: z
    .array(
      z.object({
        trackingInfo: z.array(
          z.object({
            company: z.string().nullable().optional(),
            number: z.string().nullable().optional(),
            url: z.string().nullable().optional(),
          }),
        ),
      }),
    )
    .default([]),
});
const OrdersData = z.object({ orders: z.object({ nodes: z.array(OrderNode) }) });

const PRODUCTS_QUERY = `query Products($cursor: String) {
  products(first: 50, after: $cursor) {
    pageInfo { hasNextPage endCursor }
    nodes {
      id title handle descriptionHtml onlineStoreUrl status
      options { name values }
      priceRangeV2 { minVariantPrice { amount currencyCode } }
      variants(first: 50) { nodes { title price sku availableForSale } }
    }
  }
}`;
const ORDERS_QUERY = `query Orders($query: String!, $first: Int!) {
  orders(first: $first, query: $query, sortKey: CREATED_AT, reverse: true) {
    nodes {
      id name email createdAt cancelledAt displayFinancialStatus displayFulfillmentStatus
      totalPriceSet { shopMoney { amount currencyCode } }
      lineItems(first: 20) { nodes { title quantity } }
      fulfillments(first: 5) { trackingInfo(first: 5) { company number url } }
    }
  }
}`;

/** Search syntax values are quoted; a quote or backslash in them is escaped. */
const quoted = (v: string) => `"${v.replace(/["\\]/g, (c) => `\\${c}`)}"`;

export function toShopifyProduct(p: z.infer<typeof ProductNode>, storeUrl: string): CommerceProduct {
  const variants = p.variants.nodes.map((v) => ({
    title: v.title,
    price: v.price ?? null,
    sku: v.sku || null,
    available: v.availableForSale,
  }));
  return {
    id: p.id,
    title: p.title,
    description: stripHtml(p.descriptionHtml ?? ""),
    url: p.onlineStoreUrl ?? (p.status === "ACTIVE" ? `${storeUrl.replace(/\/$/, "")}/products/${p.handle}` : null),
    available: variants.some((v) => v.available),
    currency: p.priceRangeV2?.minVariantPrice.currencyCode ?? null,
    options: p.options.filter((o) => !(o.name === "Title" && o.values.length === 1 && o.values[0] === "Default Title")),
    variants,
  };
}

function toOrder(o: z.infer<typeof OrderNode>): CommerceOrder {
  const fin = o.displayFinancialStatus ?? "";
  const ful = o.displayFulfillmentStatus;
  const status: CommerceOrder["status"] = o.cancelledAt
    ? "cancelled"
    : fin === "REFUNDED"
      ? "refunded"
      : ful === "FULFILLED"
        ? "fulfilled"
        : ful === "PARTIALLY_FULFILLED"
          ? "partially_fulfilled"
          : ful === "ON_HOLD"
            ? "on_hold"
            : ful === "IN_PROGRESS"
              ? "processing"
              : "open";
  return {
    id: o.id,
    number: o.name,
    email: o.email ?? null,
    status,
    platformStatus: [fin, ful].filter(Boolean).join(" / "),
    createdAt: o.createdAt,
    total: o.totalPriceSet.shopMoney.amount,
    currency: o.totalPriceSet.shopMoney.currencyCode,
    items: o.lineItems.nodes.map((i) => ({ title: i.title, quantity: i.quantity })),
    tracking: o.fulfillments.flatMap((f) =>
      f.trackingInfo.map((t) => ({ company: t.company ?? null, number: t.number ?? null, url: t.url ?? null })),
    ),
    refund: fin === "REFUNDED" ? "full" : fin === "PARTIALLY_REFUNDED" ? "partial" : "none",
  };
}

export type ShopifyOptions = {
  /** `https://{shop}` in production; SHOPIFY_API_BASE for tests and local servers. */
  apiBase: string;
  /** The shop's public origin, for product links when Shopify gives none. */
  storeUrl: string;
  accessToken: string;
  fetch: StoreFetch;
  /** Waits `ms` (cost-based pacing); a test passes a recorder. */
  sleep?: (ms: number) => Promise<void>;
  /** Longest pacing wait before giving up with a throttled error. */
  maxWaitMs?: number;
};

export function shopifyStore(
  o: ShopifyOptions,
): CommerceStore & { lastThrottle(): z.infer<typeof ThrottleStatus> | undefined } {
  const endpoint = `${o.apiBase.replace(/\/$/, "")}/admin/api/${SHOPIFY_API_VERSION}/graphql.json`;
  const sleep = o.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const maxWaitMs = o.maxWaitMs ?? 10_000;
  let throttle: z.infer<typeof ThrottleStatus> | undefined;
  let lastCost = 0;

  async function gql<T>(schema: z.ZodType<T>, query: string, variables: Record<string, unknown>, signal?: AbortSignal) {
    // respect the bucket: wait until it holds what the previous query cost
    if (throttle && lastCost > throttle.currentlyAvailable) {
      const ms = Math.ceil(((lastCost - throttle.currentlyAvailable) / throttle.restoreRate) * 1000);
      if (ms > maxWaitMs) throw new StoreError("Shopify's query budget is spent", "throttled", Math.ceil(ms / 1000));
      await sleep(ms);
    }
    const res = await o.fetch(endpoint, {
      method: "POST",
      headers: { "content-type": "application/json", "x-shopify-access-token": o.accessToken },
      body: JSON.stringify({ query, variables }),
      ...(signal && { signal }),
    });
    if (res.status === 401 || res.status === 403)
      throw new StoreError(`Shopify refused the access token (HTTP ${res.status})`, "unauthorized");
    if (res.status === 429) {
      const after = Number(res.headers.get("retry-after") ?? "1");
      throw new StoreError("Shopify throttled the request", "throttled", Number.isFinite(after) ? after : 1);
    }
    if (!res.ok) throw new StoreError(`Shopify answered HTTP ${res.status}`, "upstream");
    const env = Envelope.safeParse(await res.json().catch(() => undefined));
    if (!env.success) throw new StoreError("Shopify answered something that is not a GraphQL response", "upstream");
    const cost = env.data.extensions?.cost;
    if (cost?.throttleStatus) throttle = cost.throttleStatus;
    lastCost = cost?.actualQueryCost ?? cost?.requestedQueryCost ?? lastCost;
    const errors = env.data.errors ?? [];
    if (errors.some((e) => e.extensions?.code === "THROTTLED" || e.message === "Throttled")) {
      const need = (cost?.requestedQueryCost ?? 1) - (throttle?.currentlyAvailable ?? 0);
      throw new StoreError(
        "Shopify throttled the query",
        "throttled",
        Math.max(1, Math.ceil(need / (throttle?.restoreRate ?? 50))),
      );
    }
    if (errors.length) throw new StoreError(`Shopify: ${errors[0]!.message.slice(0, 200)}`, "upstream");
    const data = schema.safeParse(env.data.data);
    if (!data.success) throw new StoreError("Shopify answered an unexpected shape", "upstream");
    return data.data;
  }

  const orders = (query: string, first: number, signal?: AbortSignal) =>
    gql(OrdersData, ORDERS_QUERY, { query, first }, signal).then((d) => d.orders.nodes.map(toOrder));

  return {
    lastThrottle: () => throttle,
    async checkCredentials(signal) {
      const d = await gql(z.object({ shop: z.object({ name: z.string() }) }), "{ shop { name } }", {}, signal);
      return { name: d.shop.name };
    },
    async products(cursor, signal) {
      const d = await gql(ProductsData, PRODUCTS_QUERY, { cursor: cursor ?? null }, signal);
      const page = d.products;
      return {
        products: page.nodes.map((p) => toShopifyProduct(p, o.storeUrl)),
        ...(page.pageInfo.hasNextPage && page.pageInfo.endCursor ? { next: page.pageInfo.endCursor } : {}),
      };
    },
    async orderByNumber(number, signal) {
      const want = normalizeOrderNumber(number);
      const found = await orders(`name:${quoted(`#${want}`)}`, 5, signal);
      return found.find((x) => normalizeOrderNumber(x.number) === want);
    },
    async ordersByEmail(email, limit, signal) {
      const want = normalizeEmail(email);
      const found = await orders(`email:${quoted(want)}`, limit, signal);
      return found.filter((x) => x.email !== null && normalizeEmail(x.email) === want);
    },
  };
}

/** A `products/create|update` webhook body (REST resource shape: `body_html`, `variants[].price`). */
export const ShopifyWebhookProduct = z
  .object({
    id: z.union([z.number(), z.string()]),
    admin_graphql_api_id: z.string().optional(),
    title: z.string(),
    handle: z.string(),
    body_html: z.string().nullable().optional(),
    status: z.string().optional(),
    options: z.array(z.object({ name: z.string(), values: z.array(z.string()) }).loose()).default([]),
    variants: z
      .array(
        z
          .object({
            title: z.string(),
            price: z.union([z.string(), z.number()]).nullable().optional(),
            sku: z.string().nullable().optional(),
            inventory_quantity: z.number().nullable().optional(),
            inventory_policy: z.string().optional(),
            inventory_management: z.string().nullable().optional(),
          })
          .loose(),
      )
      .default([]),
  })
  .loose();

export function fromShopifyWebhookProduct(p: z.infer<typeof ShopifyWebhookProduct>, storeUrl: string): CommerceProduct {
  const variants = p.variants.map((v) => ({
    title: v.title,
    price: v.price === null || v.price === undefined ? null : String(v.price),
    sku: v.sku || null,
    // sellable when stock is not tracked, overselling is allowed, or units remain
    available: !v.inventory_management || v.inventory_policy === "continue" || (v.inventory_quantity ?? 0) > 0,
  }));
  return {
    id: p.admin_graphql_api_id ?? `gid://shopify/Product/${p.id}`,
    title: p.title,
    description: stripHtml(p.body_html ?? ""),
    url: p.status === undefined || p.status === "active" ? `${storeUrl.replace(/\/$/, "")}/products/${p.handle}` : null,
    available: variants.some((v) => v.available),
    currency: null,
    options: p.options
      .filter((o) => !(o.name === "Title" && o.values.length === 1 && o.values[0] === "Default Title"))
      .map((o) => ({ name: o.name, values: o.values })),
    variants,
  };
}
