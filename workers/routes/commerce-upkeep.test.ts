/**
 * Commerce upkeep (issue 20 leftovers): webhook replay protection by delivery id, the scheduled
 * product sync (changed products re-indexed, deleted ones removed, Shopify's cost bucket obeyed),
 * and rotation of stored store secrets. The stores are in-process servers installed as the network
 * under the egress policy (setEgressTransport), speaking WooCommerce REST v3 and Shopify Admin
 * GraphQL; webhook signatures are computed here with WebCrypto, independently of lib/signatures.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { cronCtx } from "../compose";
import { DELIVERY_TTL_MS } from "../domain/commerce/deliveries";
import { syncProducts } from "../domain/commerce/products";
import { runCommerceCron, SYNC_INTERVAL_MS } from "../domain/commerce/scheduled-sync";
import { hookCtx } from "../domain/commerce/webhooks";
import { setEgressTransport } from "../lib/egress";
import { sign } from "../lib/signatures";
import { SHOPIFY_API_VERSION } from "../providers/commerce/shopify";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

type Handler = (req: Request) => Response | Promise<Response>;
function serve(hosts: Record<string, Handler>) {
  restore?.();
  restore = setEgressTransport(async (req) => {
    const h = hosts[new URL(req.url).host];
    if (!h) throw new Error(`unexpected host ${new URL(req.url).host}`);
    return h(req);
  });
}

/** base64 HMAC-SHA256 of the raw body: the scheme both vendors document for their webhooks. */
async function hmacBase64(secret: string, body: string) {
  const key = await crypto.subtle.importKey(
    "raw",
    new TextEncoder().encode(secret),
    { name: "HMAC", hash: "SHA-256" },
    false,
    ["sign"],
  );
  const mac = new Uint8Array(await crypto.subtle.sign("HMAC", key, new TextEncoder().encode(body)));
  return btoa(String.fromCharCode(...mac));
}

// ---- a WooCommerce store whose catalogue and keys a test can change ---------------------------
type WooProduct = { id: number; name: string; price: string; stock_status: string };
function wooStoreServer(host: string) {
  const state = {
    keys: { key: "ck_1", secret: "cs_1" },
    products: [] as WooProduct[],
  };
  const handler: Handler = (req) => {
    const url = new URL(req.url);
    if (req.headers.get("authorization") !== `Basic ${btoa(`${state.keys.key}:${state.keys.secret}`)}`)
      return Response.json({ code: "woocommerce_rest_cannot_view", data: { status: 401 } }, { status: 401 });
    if (url.pathname !== "/wp-json/wc/v3/products") return Response.json({ code: "rest_no_route" }, { status: 404 });
    const page = Number(url.searchParams.get("page") ?? "1");
    const p = state.products[page - 1];
    const body = p
      ? [
          {
            ...p,
            permalink: `https://${host}/product/${p.id}/`,
            status: "publish",
            description: `<p>${p.name} for the trail.</p>`,
            short_description: "",
            sku: `SKU-${p.id}`,
            purchasable: true,
            attributes: [],
          },
        ]
      : [];
    // one product per page, so that paging is exercised
    return Response.json(body, {
      headers: { "x-wp-total": String(state.products.length), "x-wp-totalpages": String(state.products.length) },
    });
  };
  return { state, handler };
}

async function connectWoo(t: TestTenant, host: string, webhookSecret = "wc-hook-1") {
  return expectJson<{ id: string; secretHints: Record<string, string> }>(
    call("/api/integrations/woocommerce", {
      method: "POST",
      token: t.token,
      json: { storeUrl: `https://${host}`, consumerKey: "ck_1", consumerSecret: "cs_1", webhookSecret },
    }),
    201,
  );
}

const sourcesOf = async (tenantId: string, connId: string) =>
  (
    await env.DB.prepare(
      "select external_id e, r2_key k from knowledge_sources where tenant_id = ? and external_id like ? order by external_id",
    )
      .bind(tenantId, `commerce:${connId}:%`)
      .all<{ e: string; k: string }>()
  ).results;

function wooHook(connId: string, body: string, headers: Record<string, string>) {
  return call(`/hooks/woocommerce/${connId}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body,
  });
}

// ---- a Shopify shop with a cost bucket and two pages of products ------------------------------
const SHOP = "upkeep-outdoor.myshopify.com";
const APP = { clientId: "upkeep-client", clientSecret: "shpss_upkeep_1" };
const TOKEN = "shpat_upkeep";
const BUCKET = { max: 100, restorePerSec: 50, cost: 60 };
function shopifyShop() {
  const bucket = { available: BUCKET.max, at: Date.now(), throttled: 0, pages: 0 };
  const product = (n: number) => ({
    id: `gid://shopify/Product/${n}`,
    title: `Shopify thing ${n}`,
    handle: `thing-${n}`,
    descriptionHtml: `<p>Thing number ${n}.</p>`,
    onlineStoreUrl: `https://${SHOP}/products/thing-${n}`,
    status: "ACTIVE",
    options: [],
    priceRangeV2: { minVariantPrice: { amount: "10.0", currencyCode: "EUR" } },
    variants: { nodes: [{ title: "Default Title", price: "10.00", sku: null, availableForSale: true }] },
  });
  const handler: Handler = async (req) => {
    const url = new URL(req.url);
    if (url.pathname === "/admin/oauth/access_token")
      return Response.json({ access_token: TOKEN, scope: "read_products,read_orders" });
    if (url.pathname !== `/admin/api/${SHOPIFY_API_VERSION}/graphql.json`) return new Response("nf", { status: 404 });
    if (req.headers.get("x-shopify-access-token") !== TOKEN) return Response.json({ errors: "bad" }, { status: 401 });
    const { variables } = (await req.json()) as { variables: { cursor?: string | null } };
    // the leaky bucket Shopify documents: restores at restoreRate per second up to the maximum
    const now = Date.now();
    bucket.available = Math.min(BUCKET.max, bucket.available + ((now - bucket.at) / 1000) * BUCKET.restorePerSec);
    bucket.at = now;
    const throttle = (available: number) => ({
      maximumAvailable: BUCKET.max,
      currentlyAvailable: Math.floor(available),
      restoreRate: BUCKET.restorePerSec,
    });
    if (bucket.available < BUCKET.cost) {
      bucket.throttled++;
      return Response.json({
        errors: [{ message: "Throttled", extensions: { code: "THROTTLED" } }],
        extensions: {
          cost: { requestedQueryCost: BUCKET.cost, actualQueryCost: null, throttleStatus: throttle(bucket.available) },
        },
      });
    }
    bucket.available -= BUCKET.cost;
    bucket.pages++;
    const second = variables.cursor === "page-2";
    return Response.json({
      data: {
        products: {
          pageInfo: { hasNextPage: !second, endCursor: second ? "end" : "page-2" },
          nodes: second ? [product(3)] : [product(1), product(2)],
        },
      },
      extensions: {
        cost: {
          requestedQueryCost: BUCKET.cost,
          actualQueryCost: BUCKET.cost,
          throttleStatus: throttle(bucket.available),
        },
      },
    });
  };
  return { bucket, handler };
}

async function installShopify(t: TestTenant) {
  const started = await expectJson<{ connection: { id: string }; authorizeUrl: string }>(
    call("/api/integrations/shopify/install", { method: "POST", token: t.token, json: { shop: SHOP, ...APP } }),
    201,
  );
  const params = new URLSearchParams({
    code: "code-1",
    shop: SHOP,
    state: new URL(started.authorizeUrl).searchParams.get("state")!,
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  params.set("hmac", await sign.shopifyQuery(APP.clientSecret, params));
  const res = await call(`/api/integrations/shopify/callback?${params}`, { redirect: "manual" });
  expect(res.status, await res.clone().text()).toBe(302);
  return started.connection.id;
}

function shopifyHook(connId: string, body: string, headers: Record<string, string>) {
  return call(`/hooks/shopify/${connId}`, {
    method: "POST",
    headers: { "content-type": "application/json", "x-shopify-shop-domain": SHOP, ...headers },
    body,
  });
}

const wooProductBody = (host: string, id: number, name: string, price = "20.00") =>
  JSON.stringify({
    id,
    name,
    permalink: `https://${host}/product/${id}/`,
    status: "publish",
    description: `${name}, sturdy.`,
    short_description: "",
    price,
    sku: `S-${id}`,
    stock_status: "instock",
    purchasable: true,
    attributes: [],
  });

describe("webhook replay protection", () => {
  const HOST = "replay.example.com";
  let t: TestTenant;
  let connId: string;
  beforeAll(async () => {
    t = await makeTenant("Replay");
    const woo = wooStoreServer(HOST);
    serve({ [HOST]: woo.handler });
    connId = (await connectWoo(t, HOST)).id;
  });

  it("processes a WooCommerce delivery once: the same delivery id again is 200 and changes nothing", async () => {
    const body = wooProductBody(HOST, 501, "Rain Hat");
    const headers = {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": "36e520ebabc2fa725092ff4a47acedf2",
      "x-wc-webhook-signature": await hmacBase64("wc-hook-1", body),
    };
    expect(await expectJson(wooHook(connId, body, headers), 200)).toEqual({
      topic: "product.updated",
      action: "indexed",
    });
    const after = await sourcesOf(t.tenantId, connId);
    expect(after.map((s) => s.e)).toEqual([`commerce:${connId}:501`]);
    expect(await expectJson(wooHook(connId, body, headers), 200)).toEqual({
      topic: "product.updated",
      action: "duplicate",
    });
    expect(await sourcesOf(t.tenantId, connId)).toEqual(after);
  });

  it("drops a captured delivery resent under a new delivery id (the body is the signed id)", async () => {
    const body = wooProductBody(HOST, 502, "Trail Gaiters");
    const sig = await hmacBase64("wc-hook-1", body);
    const first = await wooHook(connId, body, {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": "aaaa0001",
      "x-wc-webhook-signature": sig,
    });
    expect(await expectJson(first, 200)).toMatchObject({ action: "indexed" });
    await env.DB.prepare("delete from knowledge_sources where tenant_id = ? and external_id = ?")
      .bind(t.tenantId, `commerce:${connId}:502`)
      .run();
    const resent = await wooHook(connId, body, {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": "made-up-new-id",
      "x-wc-webhook-signature": sig,
    });
    expect(await expectJson(resent, 200)).toMatchObject({ action: "duplicate" });
    expect((await sourcesOf(t.tenantId, connId)).map((s) => s.e)).not.toContain(`commerce:${connId}:502`);
    // and the made-up id was not kept: the duplicate left no claim behind
    const claims = await env.DB.prepare(
      "select count(*) n from commerce_webhook_deliveries where connection_id = ? and delivery_key = 'id:made-up-new-id'",
    )
      .bind(connId)
      .first<{ n: number }>();
    expect(claims!.n).toBe(0);
  });

  it("a forged delivery claims nothing, and a failed one gives its claim back for the retry", async () => {
    const body = wooProductBody(HOST, 503, "Camp Stove");
    const forged = await wooHook(connId, body, {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": "bbbb0001",
      "x-wc-webhook-signature": await hmacBase64("not-the-secret", body),
    });
    await expectJson(forged, 401);
    // a signed body of the wrong shape fails (400): the store's retry with the same id is processed
    const broken = '{"id":503}';
    await expectJson(
      wooHook(connId, broken, {
        "x-wc-webhook-topic": "product.updated",
        "x-wc-webhook-delivery-id": "bbbb0001",
        "x-wc-webhook-signature": await hmacBase64("wc-hook-1", broken),
      }),
      400,
    );
    const ok = await wooHook(connId, body, {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": "bbbb0001",
      "x-wc-webhook-signature": await hmacBase64("wc-hook-1", body),
    });
    expect(await expectJson(ok, 200)).toMatchObject({ action: "indexed" });
  });

  it("processes a Shopify delivery once by X-Shopify-Webhook-Id and by X-Shopify-Event-Id", async () => {
    const shop = shopifyShop();
    serve({ [SHOP]: shop.handler });
    const shopConn = await installShopify(t);
    const body = JSON.stringify({
      id: 8001,
      title: "Merino Beanie",
      handle: "merino-beanie",
      body_html: "<p>Warm.</p>",
      status: "active",
      options: [],
      variants: [{ title: "Default Title", price: "25.00", sku: "MB", inventory_management: null }],
    });
    const h = async (webhookId: string, eventId: string, b = body) => ({
      "x-shopify-topic": "products/update",
      "x-shopify-webhook-id": webhookId,
      "x-shopify-event-id": eventId,
      "x-shopify-hmac-sha256": await hmacBase64(APP.clientSecret, b),
    });
    const hook = async (webhookId: string, eventId: string, b = body) =>
      expectJson(shopifyHook(shopConn, b, await h(webhookId, eventId, b)), 200);
    expect(await hook("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "evt-1")).toMatchObject({ action: "indexed" });
    expect(await hook("b54557e4-bdd9-4b37-8a5f-bf7d70bcd043", "evt-1")).toMatchObject({ action: "duplicate" });
    // the same event delivered to a second subscription: another webhook id, the same event id
    const spaced = `${body} `;
    expect(await hook("c0ffee00-0000-4000-8000-000000000001", "evt-1", spaced)).toMatchObject({
      action: "duplicate",
    });
    // a new event is processed
    const deleted = JSON.stringify({ id: 8001 });
    const del = await shopifyHook(shopConn, deleted, {
      "x-shopify-topic": "products/delete",
      "x-shopify-webhook-id": "d1d1d1d1-0000-4000-8000-000000000002",
      "x-shopify-event-id": "evt-2",
      "x-shopify-hmac-sha256": await hmacBase64(APP.clientSecret, deleted),
    });
    expect(await expectJson(del, 200)).toEqual({ topic: "products/delete", action: "removed" });
  });

  it("the cron sweeps claims older than the replay window and keeps newer ones", async () => {
    const n = async () =>
      (await env.DB.prepare("select count(*) n from commerce_webhook_deliveries where connection_id = ?")
        .bind(connId)
        .first<{ n: number }>())!.n;
    serve({}); // the cron also syncs due stores: no store is reachable here
    const before = await n();
    expect(before).toBeGreaterThan(0);
    const base = cronCtx(env, "test");
    await runCommerceCron({ ...base, clock: { now: () => Date.now() + DELIVERY_TTL_MS - 60_000 } });
    expect(await n()).toBe(before);
    await runCommerceCron({ ...base, clock: { now: () => Date.now() + DELIVERY_TTL_MS + 60_000 } });
    expect(await n()).toBe(0);
  });
});

describe("scheduled product sync", () => {
  const HOST = "cron-store.example.com";
  let t: TestTenant;

  it("syncs due stores, re-indexes changed products, removes deleted ones, obeys Shopify's bucket", async () => {
    t = await makeTenant("Cron");
    const woo = wooStoreServer(HOST);
    woo.state.products = [
      { id: 11, name: "Trail Jacket", price: "129.00", stock_status: "instock" },
      { id: 12, name: "Camp Mug", price: "12.00", stock_status: "instock" },
    ];
    const shop = shopifyShop();
    serve({ [HOST]: woo.handler, [SHOP]: shop.handler });
    const wooId = (await connectWoo(t, HOST)).id;
    const shopId = await installShopify(t);
    const base = cronCtx(env, "test");
    const at = (ms: number) => ({ ...base, clock: { now: () => ms } });
    const now = Date.now();

    const first = await runCommerceCron(at(now));
    const mine = (r: Awaited<ReturnType<typeof runCommerceCron>>) =>
      r.synced.filter((s) => s.connectionId === wooId || s.connectionId === shopId);
    expect(mine(first)).toEqual(
      expect.arrayContaining([
        { connectionId: wooId, ok: true, indexed: 2, removed: 0 },
        { connectionId: shopId, ok: true, indexed: 3, removed: 0 },
      ]),
    );
    // two pages of 60 points from a bucket of 100: the client waited for the bucket to refill
    expect(shop.bucket).toMatchObject({ pages: 2, throttled: 0 });
    expect((await sourcesOf(t.tenantId, shopId)).length).toBe(3);

    // (the re-index below replaces these copies once they are ready: wait, as a real hour would)
    await eventually(
      () =>
        env.DB.prepare("select count(*) n from knowledge_sources where tenant_id = ? and status != 'ready'")
          .bind(t.tenantId)
          .first<{ n: number }>(),
      (r) => r?.n === 0,
      20_000,
    );
    // just synced: not due again within the interval
    expect(mine(await runCommerceCron(at(now + SYNC_INTERVAL_MS - 60_000)))).toEqual([]);

    // the store changes: a price, a deletion, a new product
    woo.state.products = [
      { id: 11, name: "Trail Jacket", price: "99.00", stock_status: "instock" },
      { id: 13, name: "Summit Pack", price: "149.00", stock_status: "outofstock" },
    ];
    const later = await runCommerceCron(at(now + SYNC_INTERVAL_MS + 60_000));
    expect(later.synced.find((s) => s.connectionId === wooId)).toEqual({
      connectionId: wooId,
      ok: true,
      indexed: 2,
      removed: 1,
    });
    // the changed product's new copy replaces the old one once the ingest queue has indexed it
    const sources = await eventually(
      () => sourcesOf(t.tenantId, wooId),
      (rows) => rows.length === 2,
      20_000,
    );
    expect(sources.map((s) => s.e)).toEqual([`commerce:${wooId}:11`, `commerce:${wooId}:13`]);
    const jacket = await env.FILES.get(sources[0]!.k);
    const jacketText = await jacket!.text();
    expect(jacketText, jacketText).toContain("Price: 99.00");
  }, 30_000);

  it("a catalogue bigger than one run is synced across runs, and pruned once a whole pass has been read", async () => {
    const tt = await makeTenant("BigCatalogue");
    const host = "big.example.com";
    const woo = wooStoreServer(host);
    woo.state.products = [11, 12, 13, 14, 15].map((id) => ({
      id,
      name: `Item ${id}`,
      price: "10.00",
      stock_status: "instock",
    }));
    serve({ [host]: woo.handler });
    const id = (await connectWoo(tt, host)).id;
    const base = cronCtx(env, "test");
    const run = async () => {
      const row = (await base.repos.commerceConnections.get(tt.tenantId, id))!;
      return syncProducts(hookCtx(base, row), id, 2);
    };
    const conn = () =>
      env.DB.prepare("select sync_cursor c, sync_pass_at p, product_count n from commerce_connections where id = ?")
        .bind(id)
        .first<{ c: string | null; p: number | null; n: number }>();
    // a first pass over five products, two a run: three runs, the last one completes it
    expect(await run()).toMatchObject({ indexed: 2, complete: false, removed: 0 });
    const pass = (await conn())!;
    expect(pass.c).not.toBeNull();
    expect(await run()).toMatchObject({ indexed: 2, complete: false });
    expect((await conn())!.p, "the same pass goes on").toBe(pass.p);
    expect(await run()).toMatchObject({ indexed: 1, complete: true, removed: 0 });
    expect(await conn()).toEqual({ c: null, p: null, n: 5 });
    expect((await sourcesOf(tt.tenantId, id)).length).toBe(5);
    const notes = () =>
      env.DB.prepare("select count(*) n from commerce_sync_seen where connection_id = ?")
        .bind(id)
        .first<{ n: number }>();
    expect((await notes())!.n, "a finished pass leaves no notes").toBe(0);

    // the store drops 12 and 15: the next pass is also three runs, and only its last one prunes them
    woo.state.products = woo.state.products.filter((p) => p.id !== 12 && p.id !== 15);
    woo.state.products.push({ id: 16, name: "Item 16", price: "10.00", stock_status: "instock" });
    expect(await run()).toMatchObject({ complete: false, removed: 0 });
    expect(await run()).toMatchObject({ complete: true, removed: 2 });
    const left = await eventually(
      () => sourcesOf(tt.tenantId, id),
      (rows) => rows.length === 4,
      20_000,
    );
    expect(left.map((s) => s.e).sort()).toEqual([11, 13, 14, 16].map((p) => `commerce:${id}:${p}`));
    expect((await conn())!.n).toBe(4);
    // a pass in progress is due at the next cron run, not after the interval
    woo.state.products.push(
      ...[17, 18, 19, 20].map((pid) => ({ id: pid, name: `Item ${pid}`, price: "10.00", stock_status: "instock" })),
    );
    expect(await run()).toMatchObject({ complete: false });
    const due = await base.repos.commerceConnections.dueForSync(new Date(0), 1000);
    expect(due.map((r) => r.id)).toContain(id);
    // a Shopify page holds 50 products: noted in statements under D1's 100 bound parameters
    const big = Array.from({ length: 60 }, (_, i) => `gid://shopify/Product/${1000 + i}`);
    const at = new Date(Date.now() + 1);
    await base.repos.commerceConnections.markSeen(tt.tenantId, id, big, at);
    expect((await base.repos.commerceConnections.seenIn(tt.tenantId, id, at)).size).toBe(60);
  }, 60_000);

  it("a store that fails is logged and stamped; the others are still synced", async () => {
    const broken = await makeTenant("Broken");
    const woo = wooStoreServer("broken-store.example.com");
    woo.state.products = [{ id: 1, name: "Thing", price: "1.00", stock_status: "instock" }];
    const fine = wooStoreServer("fine-store.example.com");
    fine.state.products = [{ id: 2, name: "Other thing", price: "2.00", stock_status: "instock" }];
    serve({ "broken-store.example.com": woo.handler, "fine-store.example.com": fine.handler });
    const brokenId = (await connectWoo(broken, "broken-store.example.com")).id;
    const fineId = (await connectWoo(broken, "fine-store.example.com")).id;
    woo.state.keys.secret = "revoked-in-wordpress"; // the merchant revoked the key: 401 from now on
    const r = await runCommerceCron(cronCtx(env, "test"));
    expect(r.synced.find((s) => s.connectionId === brokenId)).toMatchObject({ ok: false });
    expect(r.synced.find((s) => s.connectionId === fineId)).toEqual({
      connectionId: fineId,
      ok: true,
      indexed: 1,
      removed: 0,
    });
    // the failing store removed nothing and is not retried before the interval
    const again = await runCommerceCron(cronCtx(env, "test"));
    expect(again.synced.map((s) => s.connectionId)).not.toContain(brokenId);
  });
});

describe("rotating store secrets", () => {
  const HOST = "rotate.example.com";
  let t: TestTenant;
  let other: TestTenant;
  let woo: ReturnType<typeof wooStoreServer>;
  let connId: string;
  beforeAll(async () => {
    t = await makeTenant("Rotate");
    other = await makeTenant("Elsewhere");
    woo = wooStoreServer(HOST);
    woo.state.products = [{ id: 1, name: "Thing", price: "1.00", stock_status: "instock" }];
    serve({ [HOST]: woo.handler });
    connId = (await connectWoo(t, HOST, "old-hook-secret")).id;
  });
  const rotate = (json: unknown, token = t.token, id = connId) =>
    call(`/api/integrations/${id}/rotate-secrets`, { method: "POST", token, json });
  const signedHook = async (secret: string, n: number) => {
    const body = wooProductBody(HOST, 900 + n, `Rotated ${n}`);
    return wooHook(connId, body, {
      "x-wc-webhook-topic": "product.updated",
      "x-wc-webhook-delivery-id": `rot-${n}`,
      "x-wc-webhook-signature": await hmacBase64(secret, body),
    });
  };

  it("refuses another tenant (404), a member without settings:write (403) and foreign fields (400)", async () => {
    serve({ [HOST]: woo.handler });
    await expectJson(rotate({ webhookSecret: "x-new" }, other.token), 404);
    const agent = await addMember(t, "agent");
    await expectJson(rotate({ webhookSecret: "x-new" }, agent.token), 403);
    const foreign = await expectJson(rotate({ clientSecret: "shopify-only" }), 400);
    expect(foreign.errors).toEqual([expect.objectContaining({ path: "clientSecret" })]);
    await expectJson(rotate({}), 400);
    await expectJson(rotate({ webhookSecret: "old-hook-secret" }), 400);
    await expectJson(rotate({ webhookSecret: "x", graceHours: 1000 }), 400);
    // nothing changed: the old secret still signs valid webhooks
    expect(await expectJson(signedHook("old-hook-secret", 1), 200)).toMatchObject({ action: "indexed" });
  });

  it("rotates the webhook secret: new accepted, old accepted during the grace window, audited", async () => {
    serve({ [HOST]: woo.handler });
    const res = await expectJson<{ secretHints: Record<string, string> }>(
      rotate({ webhookSecret: "new-hook-secret", graceHours: 2 }),
      200,
    );
    expect(JSON.stringify(res)).not.toContain("new-hook-secret");
    expect(res.secretHints.webhookSecret).not.toBe(undefined);
    expect(await expectJson(signedHook("new-hook-secret", 2), 200)).toMatchObject({ action: "indexed" });
    expect(await expectJson(signedHook("old-hook-secret", 3), 200)).toMatchObject({ action: "indexed" });
    await expectJson(signedHook("some-other-secret", 4), 401);
    const entry = await env.DB.prepare(
      "select metadata m from audit_log where tenant_id = ? and action = 'commerce.secret_rotated' order by id desc",
    )
      .bind(t.tenantId)
      .first<{ m: string }>();
    expect(JSON.parse(entry!.m)).toMatchObject({ platform: "woocommerce", rotated: ["webhookSecret"] });
    expect(entry!.m).not.toContain("new-hook-secret");
    // graceHours 0 (after a leak): the replaced secret is refused at once
    await expectJson(rotate({ webhookSecret: "third-hook-secret", graceHours: 0 }), 200);
    await expectJson(signedHook("new-hook-secret", 5), 401);
    expect(await expectJson(signedHook("third-hook-secret", 6), 200)).toMatchObject({ action: "indexed" });
  });

  it("rotates the consumer secret only when the store accepts it", async () => {
    serve({ [HOST]: woo.handler });
    woo.state.keys.secret = "cs_2"; // the merchant regenerated the key in WooCommerce
    const sync = () => call(`/api/integrations/${connId}/sync`, { method: "POST", token: t.token });
    await expectJson(sync(), 503); // the stored secret no longer works
    const refused = await expectJson(rotate({ consumerSecret: "cs_typo" }), 400);
    expect(refused.errors).toEqual([expect.objectContaining({ path: "consumerKey" })]);
    await expectJson(sync(), 503);
    await expectJson(rotate({ consumerSecret: "cs_2" }), 200);
    expect(await expectJson(sync(), 200)).toMatchObject({ complete: true });
  });

  it("rotates a Shopify app's client secret, accepting webhooks under either during the window", async () => {
    const shop = shopifyShop();
    serve({ [SHOP]: shop.handler });
    const shopConn = await installShopify(t);
    await expectJson(rotate({ webhookSecret: "woo-only" }, t.token, shopConn), 400);
    await expectJson(rotate({ clientSecret: "shpss_upkeep_2" }, t.token, shopConn), 200);
    const hook = async (secret: string, id: string) => {
      const body = JSON.stringify({ shop_id: 1, shop_domain: SHOP, customer: { id: 1, email: `${id}@example.com` } });
      return shopifyHook(shopConn, body, {
        "x-shopify-topic": "customers/redact",
        "x-shopify-webhook-id": id,
        "x-shopify-hmac-sha256": await hmacBase64(secret, body),
      });
    };
    expect(await expectJson(hook("shpss_upkeep_2", "w-new"), 200)).toMatchObject({ action: "nothing_held" });
    expect(await expectJson(hook(APP.clientSecret, "w-old"), 200)).toMatchObject({ action: "nothing_held" });
    await expectJson(hook("shpss_someone_else", "w-forged"), 401);
  });
});
