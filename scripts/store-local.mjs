// A local store server on loopback (node:http) that speaks Shopify's and WooCommerce's wire formats,
// for the end-to-end test of commerce (e2e/commerce-flow.test.ts) and for a person trying store
// connections against `npm start` with no store and no network:
//
//   node scripts/store-local.mjs --port 12112
//   SHOPIFY_API_BASE=http://127.0.0.1:12112 SHOPIFY_API_KEY=local-shopify-client \
//     SHOPIFY_API_SECRET=shpss_local_example ALLOW_PRIVATE_EGRESS=true npm start
//
// Shopify (one shop, `--shop`): the OAuth authorization code grant (`/admin/oauth/authorize` shows an
// "Install app" page; approving redirects to the app's redirect_uri with `code`, `host`, `shop`,
// `state`, `timestamp` and the hex `hmac` of the sorted query under the client secret, as Shopify
// does; `POST /admin/oauth/access_token` exchanges a single-use code for an offline token) and the
// Admin GraphQL API at `/admin/api/<version>/graphql.json` (`X-Shopify-Access-Token`) answering the
// queries Echo's adapter sends (workers/providers/commerce/shopify.ts: `shop { name }`, `products`
// with cursor pages, `orders` by `name:"#1001"` / `email:"…"` search) with `extensions.cost` and a
// leaky bucket in `throttleStatus` (2,000 points, 100 restored per second).
// WooCommerce (the same origin is the store URL): REST API v3 at `/wp-json/wc/v3/products` and
// `/orders` with the consumer key and secret as HTTP Basic (or `consumer_key`/`consumer_secret` in the
// query), `per_page`/`page` with `X-WP-Total`/`X-WP-TotalPages`, order `search`, the error bodies of
// WordPress' REST API; product pages at `/product/<slug>/` (what answers cite).
// Orders carry shipment tracking (Shopify `fulfillments.trackingInfo`, WooCommerce's Shipment
// Tracking `_wc_shipment_tracking_items` meta) and refund state. Signed webhooks:
// `sendShopifyWebhook` (`X-Shopify-Hmac-Sha256`: base64 HMAC-SHA256 of the raw body under the app's
// client secret) and `sendWooWebhook` (`X-WC-Webhook-Signature`, the same scheme under the webhook
// secret), also over HTTP at `POST /_test/webhook`; `sendWooPing` is the unsigned save-time ping. Only loopback addresses are served and called.
import { createHmac, randomBytes, randomUUID } from "node:crypto";
import { createServer } from "node:http";
import { pathToFileURL } from "node:url";
import { parseArgs } from "node:util";
import { assertLoopback, listenLoopback } from "./loopback.mjs";
import { shopifyCatalogue, wooCatalogue } from "./store-fixtures.mjs";

/** The Admin API version Echo pins (workers/providers/commerce/shopify.ts SHOPIFY_API_VERSION). */
export const SHOPIFY_API_VERSION = "2025-10";
const MAX_BODY = 1024 * 1024;
const WOO_AGENT = "WooCommerce/9.4.0 Hookshot (WordPress/6.7)";
/** Shopify's GraphQL bucket: points, and points restored per second. */
const BUCKET = { max: 2000, restore: 100 };

const hmacBase64 = (secret, body) => createHmac("sha256", secret).update(body).digest("base64");
/** What Shopify signs in an OAuth redirect: every parameter but `hmac`, sorted, `k=v` joined by `&`. */
const shopifyQueryHmac = (secret, params) =>
  createHmac("sha256", secret)
    .update(
      [...params.entries()]
        .filter(([k]) => k !== "hmac" && k !== "signature")
        .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
        .map(([k, v]) => `${k}=${v}`)
        .join("&"),
    )
    .digest("hex");

const json = (status, body, headers = {}) => ({
  status,
  headers: { "content-type": "application/json; charset=utf-8", ...headers },
  body: JSON.stringify(body),
});
const html = (status, body) => ({ status, headers: { "content-type": "text/html; charset=utf-8" }, body });
const escapeHtml = (s) =>
  String(s).replace(/[&<>"']/g, (c) => ({ "&": "&amp;", "<": "&lt;", ">": "&gt;", '"': "&quot;", "'": "&#39;" })[c]);
const wooError = (status, code, message) => json(status, { code, message, data: { status } });

/** A product in the REST shape Shopify's `products/*` webhooks carry (body_html, variants[].price). */
export function shopifyProductWebhookBody(p) {
  const numericId = Number(p.id.split("/").pop());
  return {
    id: numericId,
    admin_graphql_api_id: p.id,
    title: p.title,
    handle: p.handle,
    body_html: p.descriptionHtml,
    status: p.status.toLowerCase(),
    vendor: "Acme Outdoor",
    product_type: "",
    options: p.options.map((o, i) => ({ name: o.name, position: i + 1, values: o.values })),
    variants: p.variants.nodes.map((v, i) => ({
      id: numericId * 10 + i,
      product_id: numericId,
      title: v.title,
      price: v.price,
      sku: v.sku,
      inventory_management: "shopify",
      inventory_policy: "deny",
      inventory_quantity: v.availableForSale ? 5 : 0,
    })),
  };
}

/**
 * Starts the server on 127.0.0.1:`port` (0: any free port).
 * @param {import("./store-local.d.mts").StoreLocalOptions} [opts]
 * @returns {Promise<import("./store-local.d.mts").StoreLocal>}
 */
export async function startStoreLocal(opts = {}) {
  const shop = opts.shop ?? "acme-outdoor.myshopify.com";
  const app = {
    clientId: opts.shopifyClientId ?? "local-shopify-client",
    clientSecret: opts.shopifyClientSecret ?? `shpss_${randomBytes(16).toString("hex")}`,
  };
  const woo = {
    consumerKey: opts.wooConsumerKey ?? `ck_${randomBytes(20).toString("hex")}`,
    consumerSecret: opts.wooConsumerSecret ?? `cs_${randomBytes(20).toString("hex")}`,
    webhookSecret: opts.wooWebhookSecret ?? randomBytes(16).toString("hex"),
  };
  let origin = "";
  /** @type {import("./store-local.d.mts").StoreLocal["state"] & { codes: Map<string, { clientId: string; scope: string }>; tokens: Set<string>; bucket: { available: number; at: number } }} */
  const state = {
    shopify: shopifyCatalogue(shop),
    woo: { products: [], orders: [] },
    /** Issued codes (single use) and offline tokens. */
    codes: new Map(),
    tokens: new Set(),
    bucket: { available: BUCKET.max, at: Date.now() },
    /** Every request the server answered: method, path, status. */
    requests: [],
  };
  const log = opts.log ?? (() => {});

  function takeCost(cost) {
    const now = Date.now();
    const b = state.bucket;
    b.available = Math.min(BUCKET.max, b.available + ((now - b.at) / 1000) * BUCKET.restore);
    b.at = now;
    b.available = Math.max(0, b.available - cost);
    return {
      cost: {
        requestedQueryCost: cost,
        actualQueryCost: cost,
        throttleStatus: {
          maximumAvailable: BUCKET.max,
          currentlyAvailable: Math.floor(b.available),
          restoreRate: BUCKET.restore,
        },
      },
    };
  }

  // ---- Shopify: OAuth -------------------------------------------------------------------------
  function authorize(url) {
    const p = url.searchParams;
    if (p.get("client_id") !== app.clientId)
      return html(
        400,
        `<h1>Oauth error invalid_request</h1><p>The app's client_id is not known to ${escapeHtml(shop)}.</p>`,
      );
    const redirect = p.get("redirect_uri") ?? "";
    try {
      assertLoopback(redirect, "redirect_uri");
    } catch {
      return html(400, "<h1>Oauth error invalid_request</h1><p>The redirect_uri is not whitelisted.</p>");
    }
    const approve = new URL("/admin/oauth/authorize/approve", origin);
    for (const [k, v] of p) approve.searchParams.set(k, v);
    return html(
      200,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Install app</title></head><body style="font-family:sans-serif;max-width:32rem;margin:3rem auto">
<h1>Install app on ${escapeHtml(shop)}</h1><p>The app asks to: ${escapeHtml(p.get("scope") ?? "")}</p>
<p><a role="button" href="${escapeHtml(approve.href)}" style="background:#008060;color:#fff;padding:.6rem 1rem;border-radius:.4rem;text-decoration:none">Install app</a></p></body></html>`,
    );
  }

  function approve(url) {
    const p = url.searchParams;
    if (p.get("client_id") !== app.clientId) return html(400, "<h1>Oauth error invalid_request</h1>");
    const redirect = assertLoopback(p.get("redirect_uri") ?? "", "redirect_uri");
    const code = randomBytes(16).toString("hex");
    state.codes.set(code, { clientId: app.clientId, scope: p.get("scope") ?? "" });
    const back = new URLSearchParams({
      code,
      host: Buffer.from(`admin.shopify.com/store/${shop.replace(/\.myshopify\.com$/, "")}`).toString("base64url"),
      shop,
      state: p.get("state") ?? "",
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    back.set("hmac", shopifyQueryHmac(app.clientSecret, back));
    return { status: 302, headers: { location: `${redirect.href.split("?")[0]}?${back}` }, body: "" };
  }

  function accessToken(body) {
    const grant = state.codes.get(String(body.code ?? ""));
    if (!grant || body.client_id !== app.clientId || body.client_secret !== app.clientSecret)
      return json(400, {
        error: "invalid_request",
        error_description: "The authorization code was not found or was already used",
      });
    state.codes.delete(String(body.code));
    const token = `shpat_${randomBytes(16).toString("hex")}`;
    state.tokens.add(token);
    return json(200, { access_token: token, scope: grant.scope });
  }

  // ---- Shopify: Admin GraphQL -------------------------------------------------------------------
  function graphql(headers, body) {
    if (!state.tokens.has(String(headers["x-shopify-access-token"] ?? "")))
      return json(401, { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" });
    const query = String(body.query ?? "");
    const vars = body.variables ?? {};
    if (/\bshop\s*\{/.test(query))
      return json(200, { data: { shop: { name: state.shopify.name } }, extensions: takeCost(1) });
    if (/\bproducts\s*\(/.test(query)) {
      const first = Math.min(Number(/products\s*\(\s*first:\s*(\d+)/.exec(query)?.[1] ?? 50), opts.pageSize ?? 250);
      const from = vars.cursor ? Number(Buffer.from(String(vars.cursor), "base64url").toString()) : 0;
      const nodes = state.shopify.products.slice(from, from + first);
      const end = from + nodes.length;
      const hasNextPage = end < state.shopify.products.length;
      return json(200, {
        data: {
          products: {
            pageInfo: { hasNextPage, endCursor: nodes.length ? Buffer.from(String(end)).toString("base64url") : null },
            nodes,
          },
        },
        extensions: takeCost(2 + nodes.length * 2),
      });
    }
    if (/\borders\s*\(/.test(query)) {
      const m = /^(name|email):"((?:[^"\\]|\\.)*)"$/.exec(String(vars.query ?? ""));
      const want = m?.[2] !== undefined ? m[2].replace(/\\(.)/g, "$1").toLowerCase() : undefined;
      const nodes = state.shopify.orders
        .filter(
          (o) =>
            want !== undefined &&
            (m?.[1] === "name" ? o.name.toLowerCase() === want : (o.email ?? "").toLowerCase() === want),
        )
        .sort((a, b) => (a.createdAt < b.createdAt ? 1 : -1))
        .slice(0, Number(vars.first ?? 10));
      return json(200, { data: { orders: { nodes } }, extensions: takeCost(2 + nodes.length * 3) });
    }
    return json(200, {
      errors: [{ message: "Field is not supported by this local server", extensions: { code: "undefinedField" } }],
    });
  }

  // ---- WooCommerce REST v3 --------------------------------------------------------------------
  function wooAuthorized(headers, url) {
    const basic = `Basic ${Buffer.from(`${woo.consumerKey}:${woo.consumerSecret}`).toString("base64")}`;
    return (
      headers.authorization === basic ||
      (url.searchParams.get("consumer_key") === woo.consumerKey &&
        url.searchParams.get("consumer_secret") === woo.consumerSecret)
    );
  }

  function wooList(url, all) {
    const perPage = Math.min(Math.max(Number(url.searchParams.get("per_page") ?? 10) || 10, 1), 100);
    const page = Math.max(Number(url.searchParams.get("page") ?? 1) || 1, 1);
    const effective = Math.min(perPage, opts.pageSize ?? 100);
    const pages = Math.max(1, Math.ceil(all.length / effective));
    return json(200, all.slice((page - 1) * effective, page * effective), {
      "x-wp-total": String(all.length),
      "x-wp-totalpages": String(pages),
    });
  }

  function wooRest(url, headers) {
    const path = url.pathname.replace(/\/+$/, "");
    if (path !== "/wp-json/wc/v3/products" && path !== "/wp-json/wc/v3/orders")
      return wooError(404, "rest_no_route", "No route was found matching the URL and request method.");
    if (!wooAuthorized(headers, url))
      return wooError(401, "woocommerce_rest_cannot_view", "Sorry, you cannot list resources.");
    if (path.endsWith("/products")) {
      const status = url.searchParams.get("status");
      return wooList(
        url,
        state.woo.products.filter((p) => !status || status === "any" || p.status === status),
      );
    }
    const q = (url.searchParams.get("search") ?? "").trim().toLowerCase();
    const found = state.woo.orders
      .filter(
        (o) => !q || String(o.number) === q || String(o.id) === q || (o.billing?.email ?? "").toLowerCase().includes(q),
      )
      .sort((a, b) => (a.date_created < b.date_created ? 1 : -1));
    return wooList(url, found);
  }

  function productPage(url) {
    const p = state.woo.products.find((x) => new URL(x.permalink).pathname === url.pathname);
    if (!p) return html(404, "<h1>Page not found</h1>");
    return html(
      200,
      `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(p.name)}</title></head><body><h1>${escapeHtml(p.name)}</h1>${p.description}<p>${escapeHtml(p.price)}</p></body></html>`,
    );
  }

  // ---- webhooks out -----------------------------------------------------------------------------
  /** POSTs to a loopback URL as a store does; answers Echo's status and body. */
  async function deliver(url, headers, body) {
    assertLoopback(url, "the webhook URL");
    const r = await fetch(url, { method: "POST", headers, body, signal: AbortSignal.timeout(30_000) });
    return { status: r.status, body: await r.text() };
  }

  /** @type {import("./store-local.d.mts").StoreLocal["sendShopifyWebhook"]} */
  function sendShopifyWebhook({ url, topic, payload, secret }) {
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    return deliver(
      url,
      {
        "content-type": "application/json",
        "x-shopify-topic": topic,
        "x-shopify-hmac-sha256": hmacBase64(secret ?? app.clientSecret, body),
        "x-shopify-shop-domain": shop,
        "x-shopify-api-version": SHOPIFY_API_VERSION,
        "x-shopify-webhook-id": randomUUID(),
        "x-shopify-event-id": randomUUID(),
        "x-shopify-triggered-at": new Date().toISOString(),
        "user-agent": "Shopify-Captain-Hook",
      },
      body,
    );
  }

  /** @type {import("./store-local.d.mts").StoreLocal["sendWooWebhook"]} */
  function sendWooWebhook({ url, topic, payload, secret }) {
    const body = typeof payload === "string" ? payload : JSON.stringify(payload);
    const [resource, event] = topic.split(".");
    return deliver(
      url,
      {
        "content-type": "application/json",
        "x-wc-webhook-source": `${origin}/`,
        "x-wc-webhook-topic": topic,
        "x-wc-webhook-resource": resource ?? "",
        "x-wc-webhook-event": event ?? "",
        "x-wc-webhook-signature": hmacBase64(secret ?? woo.webhookSecret, body),
        "x-wc-webhook-id": "1",
        "x-wc-webhook-delivery-id": randomBytes(16).toString("hex"),
        "user-agent": WOO_AGENT,
      },
      body,
    );
  }

  /** WooCommerce's save-time test ping (WC_Webhook::deliver_ping): unsigned `webhook_id=<n>`, needs a 200. */
  function sendWooPing(url) {
    return deliver(
      url,
      { "content-type": "application/x-www-form-urlencoded", "user-agent": WOO_AGENT },
      "webhook_id=1",
    );
  }

  /** POST /_test/webhook {platform, url, topic, productId, forged?}: sends a product webhook. */
  async function testWebhook(body) {
    const forged = body.forged === true ? "not-the-secret" : undefined;
    if (body.platform === "shopify") {
      const p = state.shopify.products.find((x) => x.id === body.productId || x.id.endsWith(`/${body.productId}`));
      if (!p) return json(404, { error: "no such product" });
      return json(
        200,
        await sendShopifyWebhook({
          url: body.url,
          topic: body.topic ?? "products/update",
          payload: shopifyProductWebhookBody(p),
          ...(forged ? { secret: forged } : {}),
        }),
      );
    }
    const p = state.woo.products.find((x) => String(x.id) === String(body.productId));
    if (!p) return json(404, { error: "no such product" });
    return json(
      200,
      await sendWooWebhook({
        url: body.url,
        topic: body.topic ?? "product.updated",
        payload: p,
        ...(forged ? { secret: forged } : {}),
      }),
    );
  }

  async function route(req, url, raw) {
    const parse = () => {
      const text = raw.toString("utf8");
      if ((req.headers["content-type"] ?? "").includes("application/x-www-form-urlencoded"))
        return Object.fromEntries(new URLSearchParams(text));
      return text ? JSON.parse(text) : {};
    };
    const p = url.pathname;
    if (req.method === "GET" && p === "/admin/oauth/authorize") return authorize(url);
    if (req.method === "GET" && p === "/admin/oauth/authorize/approve") return approve(url);
    if (req.method === "POST" && p === "/admin/oauth/access_token") return accessToken(parse());
    if (req.method === "POST" && p === `/admin/api/${SHOPIFY_API_VERSION}/graphql.json`)
      return graphql(req.headers, parse());
    if (p.startsWith("/admin/api/")) return json(404, { errors: "Not Found" });
    if (req.method === "GET" && p.startsWith("/wp-json/")) return wooRest(url, req.headers);
    if (req.method === "GET" && p.startsWith("/product/")) return productPage(url);
    if (req.method === "GET" && p === "/_test/requests") return json(200, state.requests);
    if (req.method === "POST" && p === "/_test/webhook") return testWebhook(parse());
    return json(404, { error: "not found" });
  }

  const server = createServer(async (req, res) => {
    const url = new URL(req.url ?? "/", origin);
    try {
      const chunks = [];
      let size = 0;
      for await (const chunk of req) {
        size += chunk.length;
        if (size > MAX_BODY) throw new Error("request body too large");
        chunks.push(chunk);
      }
      const r = await route(req, url, Buffer.concat(chunks));
      state.requests.push({ method: req.method ?? "GET", path: url.pathname, status: r.status });
      log(`${req.method} ${url.pathname}${url.search ? "?…" : ""} → ${r.status}`);
      res.writeHead(r.status, r.headers).end(r.body);
    } catch (err) {
      log(`error: ${err instanceof Error ? err.message : String(err)}`);
      if (!res.headersSent) res.writeHead(500, { "content-type": "application/json" });
      res.end(JSON.stringify({ errors: "the local store server failed" }));
    }
  });
  const listening = await listenLoopback(server, opts.port ?? 12112);
  origin = listening.origin;
  state.woo = wooCatalogue(origin);
  return {
    origin,
    shop,
    shopify: app,
    woo,
    state,
    sendShopifyWebhook,
    sendWooWebhook,
    sendWooPing,
    close: listening.close,
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      port: { type: "string", default: "12112" },
      shop: { type: "string", default: "acme-outdoor.myshopify.com" },
      "client-id": { type: "string", default: "local-shopify-client" },
      "client-secret": { type: "string", default: "shpss_local_example" },
      "consumer-key": { type: "string", default: "ck_local_example" },
      "consumer-secret": { type: "string", default: "cs_local_example" },
      "webhook-secret": { type: "string", default: "wc_local_webhook_secret" },
      help: { type: "boolean", default: false },
    },
  });
  if (values.help) {
    console.log(
      "node scripts/store-local.mjs [--port 12112] [--shop acme-outdoor.myshopify.com] [--client-id …] [--client-secret …] [--consumer-key …] [--consumer-secret …] [--webhook-secret …]",
    );
    return;
  }
  const s = await startStoreLocal({
    port: Number(values.port),
    shop: values.shop,
    shopifyClientId: values["client-id"],
    shopifyClientSecret: values["client-secret"],
    wooConsumerKey: values["consumer-key"],
    wooConsumerSecret: values["consumer-secret"],
    wooWebhookSecret: values["webhook-secret"],
    log: (line) => console.log(`[store-local] ${line}`),
  });
  console.log(`Local Shopify- and WooCommerce-compatible store at ${s.origin}
Run Echo against it:
  SHOPIFY_API_BASE=${s.origin} SHOPIFY_API_KEY=${s.shopify.clientId} SHOPIFY_API_SECRET=${s.shopify.clientSecret} ALLOW_PRIVATE_EGRESS=true npm start
Shopify:     POST /api/integrations/shopify/install {"shop":"${s.shop}"}, open the authorizeUrl, press Install app
WooCommerce: POST /api/integrations/woocommerce {"storeUrl":"${s.origin}","consumerKey":"${s.woo.consumerKey}","consumerSecret":"${s.woo.consumerSecret}","webhookSecret":"${s.woo.webhookSecret}"}
Orders:      Shopify #1001 / #1002, WooCommerce 727 / 728 (emails jane@example.com, bob@example.com)
A signed product webhook (add "forged":true for a bad signature):
  curl -X POST ${s.origin}/_test/webhook -H 'content-type: application/json' \\
    -d '{"platform":"woocommerce","productId":11,"url":"http://127.0.0.1:8787/hooks/woocommerce/<connection id>"}'`);
  for (const sig of ["SIGINT", "SIGTERM"])
    process.on(sig, async () => {
      await s.close();
      process.exit(0);
    });
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? "").href) await main();
