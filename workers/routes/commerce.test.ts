/**
 * Commerce (issue 20) through the public API. The stores are in-process servers installed as the
 * network under the egress policy (setEgressTransport) that speak Shopify's Admin GraphQL / OAuth
 * and WooCommerce's REST v3 wire formats (shapes from the vendors' published docs); signatures are
 * computed with the vendors' schemes, and the Shopify OAuth check is pinned to Shopify's published
 * example vector.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { runTool } from "../domain/voice/tools";
import { setEgressTransport } from "../lib/egress";
import type { VoiceIntegrationRow } from "../storage/schema";
import { sign, verifyShopifyQuery, verifyShopifyWebhook, verifyWooCommerceWebhook } from "../lib/signatures";
import { StoreError } from "../providers/commerce/port";
import { SHOPIFY_API_VERSION, shopifyStore } from "../providers/commerce/shopify";
import { joinVisitor, newSession } from "../rooms/test-client";
import { hmac, toHex } from "../lib/crypto";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { shopifyCatalogue, wooCatalogue } from "../../scripts/store-fixtures.mjs";

let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

type Handler = (req: Request) => Response | Promise<Response>;
/** Installs in-process servers by host as the network; any other host fails the test. */
function serve(hosts: Record<string, Handler>) {
  const seen: string[] = [];
  restore = setEgressTransport(async (req) => {
    const url = new URL(req.url);
    seen.push(`${req.method} ${url.host}${url.pathname}`);
    const h = hosts[url.host];
    if (!h) throw new Error(`unexpected host ${url.host}`);
    return h(req);
  });
  return seen;
}

// ---- WooCommerce REST v3 ----------------------------------------------------------------------
const WOO_HOST = "shop.example.com";
const WOO = { consumerKey: "ck_live_1", consumerSecret: "cs_live_1", webhookSecret: "wc-secret" };
// the catalogue and orders the local store serves too (scripts/store-fixtures.mjs: three published
// products, orders 727 shipped with UPS tracking and 728 processing with a refund)
const { products: wooProducts, orders: wooOrders } = wooCatalogue(`https://${WOO_HOST}`);
const basic = (k: string, s: string) => `Basic ${btoa(`${k}:${s}`)}`;
const wooServer: Handler = (req) => {
  const url = new URL(req.url);
  if (req.headers.get("authorization") !== basic(WOO.consumerKey, WOO.consumerSecret))
    return Response.json(
      { code: "woocommerce_rest_cannot_view", message: "Sorry, you cannot list resources.", data: { status: 401 } },
      { status: 401 },
    );
  if (url.pathname === "/wp-json/wc/v3/products") {
    const perPage = Number(url.searchParams.get("per_page") ?? "10");
    const page = Number(url.searchParams.get("page") ?? "1");
    // the store pages by one product (whatever per_page asks) so that paging is exercised
    void perPage;
    const body = wooProducts.slice(page - 1, page);
    return Response.json(body, {
      headers: { "x-wp-total": String(wooProducts.length), "x-wp-totalpages": String(wooProducts.length) },
    });
  }
  if (url.pathname === "/wp-json/wc/v3/orders") {
    const q = (url.searchParams.get("search") ?? "").toLowerCase();
    return Response.json(wooOrders.filter((o) => o.number === q || o.billing.email === q));
  }
  return Response.json({ code: "rest_no_route" }, { status: 404 });
};

// ---- Shopify ----------------------------------------------------------------------------------
const SHOP = "acme-outdoor.myshopify.com";
const APP = { clientId: "shopify-client-id", clientSecret: "shpss_test_secret" };
const TOKEN = "shpat_offline_token";
const cost = (available = 1990) => ({
  cost: {
    requestedQueryCost: 10,
    actualQueryCost: 4,
    throttleStatus: { maximumAvailable: 2000, currentlyAvailable: available, restoreRate: 100 },
  },
});
// Shopify's shop as the local store serves it (scripts/store-fixtures.mjs): Wool Socks, the Alpine
// Rain Jacket, a draft that is not on the online store; #1001 (Jane, shipped by DHL), #1002 (Bob)
const shopifyData = shopifyCatalogue(SHOP);
const shopifyServer: Handler = async (req) => {
  const url = new URL(req.url);
  if (url.pathname === "/admin/oauth/access_token" && req.method === "POST") {
    const b = (await req.json()) as Record<string, string>;
    if (b.client_id !== APP.clientId || b.client_secret !== APP.clientSecret || b.code !== "auth-code-1")
      return Response.json({ error: "invalid_request" }, { status: 400 });
    return Response.json({ access_token: TOKEN, scope: "read_products,read_orders" });
  }
  if (url.pathname === `/admin/api/${SHOPIFY_API_VERSION}/graphql.json` && req.method === "POST") {
    if (req.headers.get("x-shopify-access-token") !== TOKEN)
      return Response.json(
        { errors: "[API] Invalid API key or access token (unrecognized login or wrong password)" },
        { status: 401 },
      );
    const { query, variables } = (await req.json()) as { query: string; variables: Record<string, unknown> };
    if (query.includes("shop {"))
      return Response.json({ data: { shop: { name: "Acme Outdoor" } }, extensions: cost() });
    if (query.includes("products(")) {
      return Response.json({
        data: {
          products: {
            pageInfo: { hasNextPage: false, endCursor: "eyJsYXN0X2lkIjo2MzJ9" },
            nodes: shopifyData.products,
          },
        },
        extensions: cost(),
      });
    }
    if (query.includes("orders(")) {
      const q = String(variables.query);
      const nodes = shopifyData.orders.filter((o) => q === `name:"${o.name}"` || q === `email:"${o.email}"`);
      return Response.json({ data: { orders: { nodes } }, extensions: cost() });
    }
  }
  return new Response("not found", { status: 404 });
};

async function connectWoo(t: TestTenant) {
  serve({ [WOO_HOST]: wooServer });
  return expectJson<{ id: string; webhookUrl: string; secretHints: Record<string, string> }>(
    call("/api/integrations/woocommerce", {
      method: "POST",
      token: t.token,
      json: { storeUrl: `https://${WOO_HOST}`, ...WOO },
    }),
    201,
  );
}

async function installShopify(t: TestTenant) {
  const started = await expectJson<{ connection: { id: string; status: string }; authorizeUrl: string }>(
    call("/api/integrations/shopify/install", { method: "POST", token: t.token, json: { shop: SHOP, ...APP } }),
    201,
  );
  const state = new URL(started.authorizeUrl).searchParams.get("state")!;
  const params = new URLSearchParams({
    code: "auth-code-1",
    shop: SHOP,
    state,
    timestamp: String(Math.floor(Date.now() / 1000)),
  });
  return { started, state, params };
}

describe("signature schemes", () => {
  it("verifies Shopify's published OAuth example and refuses a changed parameter", async () => {
    const params = new URLSearchParams(
      "code=0907a61c0c8d55e99db179b68161bc00&hmac=4712bf92ffc2917d15a2f5a273e39f0116667419aa4b6ac0b3baaf26fa3c4d20&shop=some-shop.myshopify.com&timestamp=1337178173",
    );
    const nowMs = 1337178173 * 1000 + 60_000;
    expect(await verifyShopifyQuery({ secret: "hush", params, nowMs })).toEqual({
      ok: true,
      timestampMs: 1337178173000,
    });
    params.set("shop", "evil.myshopify.com");
    expect(await verifyShopifyQuery({ secret: "hush", params, nowMs })).toEqual({ ok: false, reason: "mismatch" });
  });

  it("verifies webhook bodies with base64 HMAC-SHA256 vectors computed outside (python hmac)", async () => {
    const rawBody = '{"id":1}';
    expect(
      await verifyShopifyWebhook({ secret: "hush", rawBody, header: "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=" }),
    ).toEqual({ ok: true });
    expect(
      await verifyWooCommerceWebhook({
        secret: "wc-secret",
        rawBody,
        header: "xspNGMrVWxIcQDyrXfbm2UqRDdmgJAuEN8sLb9BkThg=",
      }),
    ).toEqual({ ok: true });
    expect(
      await verifyShopifyWebhook({
        secret: "hush",
        rawBody: '{"id":2}',
        header: "VnKUjZsLuN5iZWjn5EntcBVCF9kMN43LglzCE1/GSeY=",
      }),
    ).toEqual({
      ok: false,
      reason: "mismatch",
    });
    expect(await verifyWooCommerceWebhook({ secret: "wc-secret", rawBody, header: null })).toEqual({
      ok: false,
      reason: "missing",
    });
  });
});

describe("Shopify Admin GraphQL cost limits", () => {
  const answer = (available: number, extra: object = {}) =>
    Response.json({ data: { shop: { name: "Acme" } }, extensions: cost(available), ...extra });

  it("waits for the bucket to hold what the last query cost before the next one", async () => {
    const waits: number[] = [];
    const store = shopifyStore({
      apiBase: `https://${SHOP}`,
      storeUrl: `https://${SHOP}`,
      accessToken: TOKEN,
      fetch: async () => answer(1), // 1 point left; the query cost 4; restore 100/s
      sleep: async (ms) => void waits.push(ms),
    });
    await store.checkCredentials();
    expect(waits).toEqual([]);
    await store.checkCredentials();
    expect(waits).toEqual([30]); // (4 - 1) / 100 s
  });

  it("turns a THROTTLED answer into a retryable error with the seconds the bucket needs", async () => {
    const store = shopifyStore({
      apiBase: `https://${SHOP}`,
      storeUrl: `https://${SHOP}`,
      accessToken: TOKEN,
      fetch: async () =>
        Response.json({
          errors: [
            {
              message: "Throttled",
              extensions: { code: "THROTTLED", documentation: "https://shopify.dev/api/usage/limits" },
            },
          ],
          extensions: {
            cost: {
              requestedQueryCost: 302,
              actualQueryCost: null,
              throttleStatus: { maximumAvailable: 2000, currentlyAvailable: 2, restoreRate: 100 },
            },
          },
        }),
    });
    const err = await store.checkCredentials().catch((e: unknown) => e);
    expect(err).toBeInstanceOf(StoreError);
    expect(err).toMatchObject({ kind: "throttled", retryAfterSeconds: 3 });
  });
});

describe("WooCommerce connection", () => {
  let t: TestTenant;
  let other: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Woo");
    other = await makeTenant("Other");
  });

  it("refuses keys the store refuses, storing nothing", async () => {
    const seen = serve({ [WOO_HOST]: wooServer });
    const res = await expectJson(
      call("/api/integrations/woocommerce", {
        method: "POST",
        token: t.token,
        json: { storeUrl: `https://${WOO_HOST}`, ...WOO, consumerSecret: "cs_wrong" },
      }),
      400,
    );
    expect(res.code).toBe("INVALID_REQUEST");
    expect(seen).toEqual([`GET ${WOO_HOST}/wp-json/wc/v3/products`]);
    const list = await expectJson<{ data: unknown[] }>(call("/api/integrations", { token: t.token }), 200);
    expect(list.data).toEqual([]);
  });

  it("connects, never returns the secrets, syncs products, and is 404 to another tenant", async () => {
    const conn = await connectWoo(t);
    expect(JSON.stringify(conn)).not.toContain(WOO.consumerSecret);
    expect(conn.webhookUrl).toBe(`http://echo.test/hooks/woocommerce/${conn.id}`);
    const row = await env.DB.prepare("select secrets_ciphertext s from commerce_connections where id = ?")
      .bind(conn.id)
      .first<{ s: string }>();
    expect(row!.s).not.toContain(WOO.consumerSecret);
    await expectJson(call(`/api/integrations/${conn.id}`, { token: other.token }), 404);
    await expectJson(call(`/api/integrations/${conn.id}/sync`, { method: "POST", token: other.token }), 404);

    const sync = await expectJson(call(`/api/integrations/${conn.id}/sync`, { method: "POST", token: t.token }), 200);
    expect(sync).toEqual({ indexed: 3, removed: 0, pages: 3, complete: true });
    const sources = await env.DB.prepare(
      "select title, url, external_id e from knowledge_sources where tenant_id = ? order by title",
    )
      .bind(t.tenantId)
      .all<{ title: string; url: string; e: string }>();
    expect(sources.results).toEqual([
      { title: "Camp Mug", url: `https://${WOO_HOST}/product/camp-mug/`, e: `commerce:${conn.id}:12` },
      { title: "Summit Backpack", url: `https://${WOO_HOST}/product/summit-backpack/`, e: `commerce:${conn.id}:13` },
      { title: "Trail Jacket", url: `https://${WOO_HOST}/product/trail-jacket/`, e: `commerce:${conn.id}:11` },
    ]);
    // a second sync of unchanged products indexes nothing
    expect(
      await expectJson(call(`/api/integrations/${conn.id}/sync`, { method: "POST", token: t.token }), 200),
    ).toEqual({
      indexed: 0,
      removed: 0,
      pages: 3,
      complete: true,
    });
  });

  it("refuses a forged webhook with 401 and indexes a signed one", async () => {
    const conn = await connectWoo(t);
    const body = JSON.stringify({
      ...wooProducts[0],
      id: 99,
      name: "Summit Pack",
      permalink: `https://${WOO_HOST}/product/summit-pack/`,
    });
    const count = async () =>
      (await env.DB.prepare("select count(*) n from knowledge_sources where external_id = ?")
        .bind(`commerce:${conn.id}:99`)
        .first<{ n: number }>())!.n;
    const hook = (signature: string) =>
      call(`/hooks/woocommerce/${conn.id}`, {
        method: "POST",
        headers: {
          "x-wc-webhook-topic": "product.updated",
          "x-wc-webhook-signature": signature,
          "content-type": "application/json",
        },
        body,
      });
    const forged = await expectJson(hook(await sign.wooCommerce("not-the-secret", body)), 401);
    expect(forged.code).toBe("UNAUTHORIZED");
    expect(await count()).toBe(0);
    expect(await expectJson(hook(await sign.wooCommerce(WOO.webhookSecret, body)), 200)).toEqual({
      topic: "product.updated",
      action: "indexed",
    });
    expect(await count()).toBe(1);
    // another tenant's connection id in the URL is simply unknown there: same 404 as a missing one
    await expectJson(call(`/hooks/woocommerce/cmc_00000000000000000000000000`, { method: "POST", body }), 404);
  });

  it("answers WooCommerce's unsigned save-time ping with 200 and nothing else unsigned", async () => {
    const conn = await connectWoo(t);
    const claims = async () =>
      (await env.DB.prepare("select count(*) n from commerce_webhook_deliveries where tenant_id = ?")
        .bind(t.tenantId)
        .first<{ n: number }>())!.n;
    const before = await claims();
    // WC_Webhook::deliver_ping: a form body `webhook_id=<n>`, no signature, and anything but 200 shows
    // the merchant "Delivery URL returned response code" when they save the webhook
    const ping = (body: string) =>
      call(`/hooks/woocommerce/${conn.id}`, {
        method: "POST",
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "user-agent": "WooCommerce/9.4.0 Hookshot (WordPress/6.7)",
        },
        body,
      });
    expect(await expectJson(ping("webhook_id=3"), 200)).toEqual({ topic: "ping", action: "acknowledged" });
    expect(await claims()).toBe(before);
    await expectJson(ping("webhook_id=3&id=11"), 401);
    await expectJson(ping(JSON.stringify({ ...wooProducts[0], name: "Unsigned" })), 401);
    await expectJson(
      call(`/hooks/woocommerce/cmc_00000000000000000000000000`, { method: "POST", body: "webhook_id=3" }),
      404,
    );
  });

  it("finds an order only with the number and the email on it", async () => {
    await connectWoo(other);
    const lookup = (orderNumber: string, email: string) =>
      call("/api/integrations/orders/lookup", { method: "POST", token: other.token, json: { orderNumber, email } });
    const found = await expectJson(lookup("#727", "Jane@Example.com"), 200);
    expect(found).toMatchObject({
      number: "727",
      status: "fulfilled",
      tracking: [{ company: "UPS", number: "1Z999AA10123456784", url: null }],
      items: [{ title: "Trail Jacket", quantity: 1 }],
    });
    const wrong = await expectJson(lookup("727", "bob@example.com"), 404);
    const missing = await expectJson(lookup("999", "bob@example.com"), 404);
    expect(wrong.detail).toBe("order 727 not found");
    expect(missing.detail).toBe("order 999 not found");
  });

  it("one store failing does not hide an order another store holds; all failing is a 503, not a 'not found'", async () => {
    const t2 = await makeTenant("TwoStores");
    const DOWN_HOST = "down.example.com";
    let down = false;
    const flaky: Handler = (req) => (down ? new Response("bad gateway", { status: 502 }) : wooServer(req));
    // the store that will fail is connected first, so it is asked first
    serve({ [DOWN_HOST]: flaky, [WOO_HOST]: wooServer });
    await expectJson(
      call("/api/integrations/woocommerce", {
        method: "POST",
        token: t2.token,
        json: { storeUrl: `https://${DOWN_HOST}`, ...WOO },
      }),
      201,
    );
    await expectJson(
      call("/api/integrations/woocommerce", {
        method: "POST",
        token: t2.token,
        json: { storeUrl: `https://${WOO_HOST}`, ...WOO },
      }),
      201,
    );
    down = true;
    const lookup = (orderNumber: string, email: string) =>
      call("/api/integrations/orders/lookup", { method: "POST", token: t2.token, json: { orderNumber, email } });
    expect(await expectJson(lookup("727", "jane@example.com"), 200)).toMatchObject({ number: "727" });
    // the order is nowhere that answered, and a store did not answer: that is said, not "not found"
    expect((await expectJson(lookup("999", "jane@example.com"), 503)).detail).toContain(DOWN_HOST);
    serve({ [DOWN_HOST]: flaky, [WOO_HOST]: flaky });
    expect((await expectJson(lookup("727", "jane@example.com"), 503)).detail).toContain(DOWN_HOST);
  });
});

describe("Shopify install, webhooks and the order tool", () => {
  let t: TestTenant;
  let connId: string;
  beforeAll(async () => {
    t = await makeTenant("Shop");
  });

  it("refuses a callback whose hmac does not verify, then installs with a valid one", async () => {
    serve({ [SHOP]: shopifyServer });
    const { started, params } = await installShopify(t);
    connId = started.connection.id;
    expect(started.connection.status).toBe("pending");
    const authorize = new URL(started.authorizeUrl);
    expect(authorize.origin + authorize.pathname).toBe(`https://${SHOP}/admin/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(APP.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe("http://echo.test/api/integrations/shopify/callback");
    expect(authorize.searchParams.has("grant_options[]")).toBe(false); // offline token

    const forged = new URLSearchParams(params);
    forged.set("hmac", await sign.shopifyQuery("someone-elses-secret", params));
    await expectJson(call(`/api/integrations/shopify/callback?${forged}`), 401);
    const still = await expectJson(call(`/api/integrations/${connId}`, { token: t.token }), 200);
    expect(still.status).toBe("pending");

    params.set("hmac", await sign.shopifyQuery(APP.clientSecret, params));
    const res = await call(`/api/integrations/shopify/callback?${params}`, { redirect: "manual" });
    expect(res.status).toBe(302);
    const active = await expectJson(call(`/api/integrations/${connId}`, { token: t.token }), 200);
    expect(active.status).toBe("active");
    expect(JSON.stringify(active)).not.toContain(TOKEN);
    // the state is single use
    await expectJson(call(`/api/integrations/shopify/callback?${params}`), 401);
  });

  it("syncs products over Admin GraphQL and answers a product question citing the page", async () => {
    serve({ [SHOP]: shopifyServer });
    expect(await expectJson(call(`/api/integrations/${connId}/sync`, { method: "POST", token: t.token }), 200)).toEqual(
      {
        indexed: 2, // the draft has no online store page
        removed: 0,
        pages: 1,
        complete: true,
      },
    );
    const src = await env.DB.prepare("select url from knowledge_sources where tenant_id = ? and external_id = ?")
      .bind(t.tenantId, `commerce:${connId}:gid://shopify/Product/632910392`)
      .first<{ url: string }>();
    expect(src!.url).toBe(`https://${SHOP}/products/wool-socks`);
    await eventually(
      () =>
        env.DB.prepare("select status from knowledge_sources where tenant_id = ? and url = ?")
          .bind(t.tenantId, `https://${SHOP}/products/wool-socks`)
          .first<{ status: string }>(),
      (r) => r?.status === "ready",
      45_000,
    );
    const res = await expectJson<{ answer: string; sources: { url: string | null }[] }>(
      call(`/api/bots/${t.botId}/ask`, {
        method: "POST",
        token: t.token,
        json: { question: "Do you have the merino wool socks in navy?" },
      }),
      200,
    );
    expect(res.sources.map((x) => x.url)).toContain(`https://${SHOP}/products/wool-socks`);
  }, 60_000);

  it("answers 'where is my order' only to the email on the order, citing it", async () => {
    serve({ [SHOP]: shopifyServer });
    const ask = (question: string) =>
      expectJson<{ answer: string; sources: { sourceId: string; title: string; url: string | null }[] }>(
        call(`/api/bots/${t.botId}/ask`, { method: "POST", token: t.token, json: { question } }),
        200,
      );
    const mine = await ask("Where is my order #1001? My email is jane@example.com");
    expect(mine.answer).toContain("Order #1001 has shipped");
    expect(mine.answer).toContain("JJD000390007");
    expect(mine.sources).toEqual([
      expect.objectContaining({ title: "Order #1001", url: "https://track.example.net/JJD000390007" }),
    ]);
    const theirs = await ask("Where is my order #1001? My email is mallory@example.com");
    expect(theirs.answer).not.toContain("Wool Socks");
    expect(theirs.answer).not.toContain("JJD000390007");
    expect(theirs.answer).toContain("couldn't find");
    expect(theirs.sources).toEqual([]);
    const noEmail = await ask("Where is my order #1001?");
    expect(noEmail.answer).toContain("email");
    expect(noEmail.sources).toEqual([]);
  });

  it("answers the voice agent's lookup_order tool call only with the matching email", async () => {
    serve({ [SHOP]: shopifyServer });
    const ctx = {
      ...requestCtx(env, "req_voice_tool", "http://echo.test"),
      tenantId: t.tenantId,
      deps: { room: () => undefined as never, fetch: () => Promise.reject(new Error("no fetch")) },
    };
    // only tenantId and botId of the integration are read by this tool
    const integration = { tenantId: t.tenantId, botId: t.botId } as VoiceIntegrationRow;
    const ok = await runTool(ctx, integration, undefined, "lookup_order", {
      orderNumber: "1001",
      email: "jane@example.com",
    });
    expect(JSON.parse(ok.result!)).toMatchObject({ found: true, order: { number: "#1001", status: "fulfilled" } });
    const other = await runTool(ctx, integration, undefined, "lookup_order", {
      orderNumber: "1001",
      email: "mallory@example.com",
    });
    expect(JSON.parse(other.result!)).toEqual({ found: false });
    expect(await runTool(ctx, integration, undefined, "lookup_order", { orderNumber: "1001" })).toEqual({
      error: "lookup_order needs `orderNumber` and a valid `email`",
    });
  });

  it("a widget-verified visitor's email answers with the order number; the sidebar calls it verified only when the hash signed it", async () => {
    serve({ [SHOP]: shopifyServer });
    const { secret } = await expectJson<{ secret: string }>(
      call(`/api/bots/${t.botId}/secret`, { token: t.token }),
      200,
    );
    const identity = async (userId: string) => {
      const expiresAt = Math.floor(Date.now() / 1000) + 600;
      return { userId, expiresAt, hash: toHex(await hmac("SHA-256", secret, `${userId}:${expiresAt}`)) };
    };
    /** A widget visitor asks in the room; answers the AI's reply and the conversation id. */
    const askAs = async (body: Record<string, unknown>) => {
      const s = await newSession(t, body);
      const v = await joinVisitor(s);
      v.send({ type: "msg", cid: "c-order", text: "Where is my order #1001?" });
      const reply = await v.waitFor((f) => f.type === "msg" && f.role === "ai", 15_000);
      v.ws.close();
      return { reply, conversationId: s.conversationId };
    };
    // the hash signs `usr_jane`; the email beside it is not signed, so it answers only as the number
    // plus an email does (which any visitor may type), and the operator is told it is unverified
    const given = await askAs({
      visitor: { name: "Jane", email: "jane@example.com" },
      identity: await identity("usr_jane"),
    });
    expect(given.reply.text).toContain("Order #1001 has shipped");
    const side = await expectJson(call(`/api/conversations/${given.conversationId}/orders`, { token: t.token }), 200);
    expect(side).toMatchObject({ email: "jane@example.com", verified: false });
    // another customer's email beside a valid hash gets nothing for an order that is not theirs
    const borrowed = await askAs({
      visitor: { name: "Mallory", email: "mallory@example.com" },
      identity: await identity("usr_mallory"),
    });
    expect(borrowed.reply.text).not.toContain("Wool Socks");
    expect(borrowed.reply.text).not.toContain("JJD000390007");
    expect(borrowed.reply.sources ?? []).toEqual([]);

    const owned = await askAs({ visitor: { name: "Jane" }, identity: await identity("Jane@Example.com") });
    expect(owned.reply.text).toContain("Order #1001 has shipped");
    expect(owned.reply.sources).toEqual([expect.objectContaining({ title: "Order #1001" })]);
    const mine = await expectJson(call(`/api/conversations/${owned.conversationId}/orders`, { token: t.token }), 200);
    expect(mine).toMatchObject({ email: "jane@example.com", verified: true, orders: [{ number: "#1001" }] });
  });

  it("shows the visitor's orders in the conversation, 404 to another tenant", async () => {
    serve({ [SHOP]: shopifyServer });
    const s = await newSession(t, { visitor: { name: "Jane", email: "jane@example.com" } });
    const side = await expectJson(call(`/api/conversations/${s.conversationId}/orders`, { token: t.token }), 200);
    expect(side).toMatchObject({
      email: "jane@example.com",
      verified: false,
      orders: [{ number: "#1001", status: "fulfilled" }],
    });
    const other = await makeTenant("Nosy");
    await expectJson(call(`/api/conversations/${s.conversationId}/orders`, { token: other.token }), 404);
  });

  it("verifies compliance webhooks: a forged redact is 401, a signed one erases the visitor", async () => {
    const s = await newSession(t, { visitor: { name: "Erin", email: "erin@example.com" } });
    const body = JSON.stringify({
      shop_id: 954889,
      shop_domain: SHOP,
      customer: { id: 191167, email: "erin@example.com", phone: "555-625-1199" },
      orders_to_redact: [299938, 280263],
    });
    const hook = (hmac: string) =>
      call(`/hooks/shopify/${connId}`, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          "x-shopify-topic": "customers/redact",
          "x-shopify-shop-domain": SHOP,
          "x-shopify-hmac-sha256": hmac,
        },
        body,
      });
    const exists = async () =>
      (await env.DB.prepare("select count(*) n from conversations where id = ?")
        .bind(s.conversationId)
        .first<{ n: number }>())!.n;
    await expectJson(hook(await sign.shopify("wrong-secret", body)), 401);
    expect(await exists()).toBe(1);
    expect(await expectJson(hook(await sign.shopify(APP.clientSecret, body)), 200)).toEqual({
      topic: "customers/redact",
      action: "erased",
    });
    expect(await exists()).toBe(0);
  });

  it("keeps a data-request export for the merchant", async () => {
    await newSession(t, { visitor: { name: "Dana", email: "dana@example.com" } });
    const body = JSON.stringify({
      shop_id: 954889,
      shop_domain: SHOP,
      orders_requested: [299938],
      customer: { id: 191167, email: "dana@example.com", phone: "555-625-1199" },
      data_request: { id: 9999 },
    });
    const res = await call(`/hooks/shopify/${connId}`, {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "x-shopify-topic": "customers/data_request",
        "x-shopify-shop-domain": SHOP,
        "x-shopify-hmac-sha256": await sign.shopify(APP.clientSecret, body),
      },
      body,
    });
    expect(await expectJson(res, 200)).toEqual({ topic: "customers/data_request", action: "exported" });
    const obj = await env.FILES.get(`commerce/${t.tenantId}/${connId}/data-requests/9999.json`);
    const doc = (await obj!.json()) as { echo: { conversations: unknown[] } };
    expect(doc.echo.conversations).toHaveLength(1);
  });
});
