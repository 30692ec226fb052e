/**
 * Commerce end to end (issue 20) against `npm start`'s server (scripts/local-server.mjs) with the
 * local Shopify- and WooCommerce-compatible store (scripts/store-local.mjs; SHOPIFY_API_BASE,
 * SHOPIFY_API_KEY, SHOPIFY_API_SECRET and ALLOW_PRIVATE_EGRESS passed through as `npm start` passes
 * them): a workspace signs up through the API, connects WooCommerce (keys checked against the store)
 * and Shopify (OAuth in Chromium: the store's "Install app" page redirects to Echo's HMAC-verified
 * callback), syncs both catalogues, and answers a product question citing the product page. A visitor
 * verified by the widget's identity hash asks for their order in the real widget and gets its status
 * with the order cited (the shop signs the customer's email as the user id); an unverified visitor
 * asking for someone else's order learns nothing about it, nor does one verified as another user who
 * puts the customer's email beside the hash; the order number with the email on the order works; forged webhooks are refused with nothing
 * changed and a signed product webhook updates the knowledge. Screenshots:
 * artifacts/screenshots/commerce-flow-*.png (gitignored).
 */
import { createHmac, randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  api,
  e2ePort,
  hostPage,
  launchBrowser,
  openVisitor,
  screenshot,
  signUpWorkspace,
  startEcho,
  startHost,
  until,
  type LocalServer,
} from "./harness";
import { startStoreLocal, type StoreLocal } from "../scripts/store-local.mjs";

const PORT = e2ePort(8925);
const HOST_PORT = e2ePort(8926);
const SHOP = "acme-outdoor.myshopify.com";

type Connection = {
  id: string;
  platform: string;
  status: string;
  shop: string;
  webhookUrl: string;
  productCount: number | null;
};
type Source = { id: string; title: string; url: string | null; externalId: string | null; status: string };
type Asked = { answer: string; sources: { sourceId: string; title: string; url: string | null }[] };
type Frame = Record<string, unknown>;

describe("commerce flow: connect stores, sync, order look-ups, webhooks", () => {
  let store: StoreLocal;
  let server: LocalServer;
  let browser: Browser;
  let host: { origin: string; close(): Promise<void> };
  let page: Page;
  const pageErrors: string[] = [];
  const owner = { email: `owner-${randomBytes(4).toString("hex")}@shop.example`, token: "", botId: "", botKey: "" };
  let botSecret = "";
  let woo: Connection;
  let shopify: Connection;

  async function call<T>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const r = await api<T>(server.origin, owner.token, method, path, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body;
  }
  const ask = (question: string) => call<Asked>("POST", `/api/bots/${owner.botId}/ask`, { question });
  const sources = async () => (await call<{ data: Source[] }>("GET", "/api/knowledge/sources?limit=200")).data;
  /** What the tenant's server does for a logged-in customer: HMAC of `${userId}:${expiresAt}` with the bot secret. */
  const identityFor = (userId: string) => {
    const expiresAt = Math.floor(Date.now() / 1000) + 3600;
    const hash = createHmac("sha256", botSecret).update(`${userId}:${expiresAt}`).digest("hex");
    return { userId, expiresAt, hash };
  };
  /** The AI messages a visitor socket received after its `n`-th visitor message was acknowledged. */
  const aiTexts = (frames: Frame[]) =>
    frames
      .filter((f) => f.type === "msg" && f.role === "ai")
      .map((f) => ({ text: String(f.text), sources: f.sources }));
  async function visitorAsks(v: Awaited<ReturnType<typeof openVisitor>>, text: string) {
    const before = aiTexts(v.frames).length;
    v.say(text);
    return until(`an AI answer to "${text}"`, () => aiTexts(v.frames)[before], 30_000);
  }

  beforeAll(async () => {
    store = await startStoreLocal({
      port: 0,
      shop: SHOP,
      shopifyClientId: "echo-e2e-shopify-app",
      shopifyClientSecret: `shpss_${randomBytes(16).toString("hex")}`,
      pageSize: 2, // three products per store: paging shows
    });
    try {
      server = await startEcho(PORT, "echo-commerce-flow-", {
        SHOPIFY_API_BASE: store.origin,
        SHOPIFY_API_KEY: store.shopify.clientId,
        SHOPIFY_API_SECRET: store.shopify.clientSecret,
        ALLOW_PRIVATE_EGRESS: "true",
      });
      browser = await launchBrowser();
    } catch (err) {
      await server?.stop();
      await store.close();
      throw err;
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await server?.stop();
    await store?.close();
  });

  it("signs up a workspace through the public API", async () => {
    const w = await signUpWorkspace(server.origin, {
      email: owner.email,
      password: "commerce flow password 1234",
      company: "Acme Outdoor",
      name: "Olga Owner",
    });
    Object.assign(owner, { token: w.token, botId: w.botId, botKey: w.botKey });
    botSecret = (await call<{ secret: string }>("GET", `/api/bots/${w.botId}/secret`)).secret;
    expect(await call<{ data: unknown[] }>("GET", "/api/integrations")).toEqual({ data: [] });
  });

  it("connects WooCommerce: wrong keys are refused with nothing stored, right keys connect and sync", async () => {
    const input = { storeUrl: store.origin, ...store.woo };
    const refused = await call<{ code: string }>(
      "POST",
      "/api/integrations/woocommerce",
      { ...input, consumerSecret: "cs_wrong" },
      400,
    );
    expect(refused.code).toBe("INVALID_REQUEST");
    expect(await call<{ data: unknown[] }>("GET", "/api/integrations")).toEqual({ data: [] });

    woo = await call<Connection>("POST", "/api/integrations/woocommerce", input, 201);
    expect(woo).toMatchObject({ platform: "woocommerce", status: "active", shop: new URL(store.origin).host });
    expect(woo.webhookUrl).toBe(`${server.origin}/hooks/woocommerce/${woo.id}`);
    for (const secret of [store.woo.consumerSecret, store.woo.webhookSecret])
      expect(JSON.stringify(await call("GET", "/api/integrations"))).not.toContain(secret);

    // three published products on two pages of two
    expect(await call("POST", `/api/integrations/${woo.id}/sync`)).toEqual({
      indexed: 3,
      removed: 0,
      pages: 2,
      complete: true,
    });
    const mine = (await sources()).filter((s) => s.externalId?.startsWith(`commerce:${woo.id}:`));
    expect(mine.map((s) => [s.title, s.url]).sort()).toEqual([
      ["Camp Mug", `${store.origin}/product/camp-mug/`],
      ["Summit Backpack", `${store.origin}/product/summit-backpack/`],
      ["Trail Jacket", `${store.origin}/product/trail-jacket/`],
    ]);
  });

  it("installs Shopify through OAuth in the browser: Install app on the store, Echo's callback verifies it", async () => {
    const started = await call<{ connection: Connection; authorizeUrl: string }>(
      "POST",
      "/api/integrations/shopify/install",
      { shop: SHOP },
      201,
    );
    expect(started.connection.status).toBe("pending");
    const authorize = new URL(started.authorizeUrl);
    // the merchant approves on the shop, here the local store (SHOPIFY_API_BASE), never the network
    expect(authorize.origin + authorize.pathname).toBe(`${store.origin}/admin/oauth/authorize`);
    expect(authorize.searchParams.get("client_id")).toBe(store.shopify.clientId);
    expect(authorize.searchParams.get("redirect_uri")).toBe(`${server.origin}/api/integrations/shopify/callback`);

    await page.goto(started.authorizeUrl);
    await page.getByRole("heading", { name: `Install app on ${SHOP}` }).waitFor();
    await screenshot(page, "commerce-flow-shopify-install");
    const answered = page.waitForResponse((r) =>
      r.url().startsWith(`${server.origin}/api/integrations/shopify/callback`),
    );
    await page.getByRole("button", { name: "Install app" }).click();
    const res = await answered;
    expect(res.status()).toBe(302);
    expect(res.headers().location).toBe(`/app/settings/integrations?connected=${started.connection.id}`);
    const callback = res.url();
    const params = new URL(callback).searchParams;
    expect(params.get("shop")).toBe(SHOP);
    expect(params.get("hmac")).toMatch(/^[0-9a-f]{64}$/);

    shopify = await call<Connection>("GET", `/api/integrations/${started.connection.id}`);
    expect(shopify.status).toBe("active");
    // the callback is single use: the same signed URL again is refused
    const replay = await fetch(callback, { redirect: "manual" });
    expect(replay.status).toBe(401);
    // a callback signed with another secret is refused too (a fresh install, its state, a forged hmac)
    const second = await call<{ connection: Connection; authorizeUrl: string }>(
      "POST",
      "/api/integrations/shopify/install",
      { shop: SHOP },
      201,
    );
    const forged = new URLSearchParams({
      code: "forged",
      shop: SHOP,
      state: new URL(second.authorizeUrl).searchParams.get("state")!,
      timestamp: String(Math.floor(Date.now() / 1000)),
    });
    forged.set("hmac", createHmac("sha256", "not-the-app-secret").update(forged.toString()).digest("hex"));
    expect((await fetch(`${server.origin}/api/integrations/shopify/callback?${forged}`)).status).toBe(401);
    expect((await call<Connection>("GET", `/api/integrations/${second.connection.id}`)).status).toBe("pending");
    await call("DELETE", `/api/integrations/${second.connection.id}`, undefined, 204);

    // three products on two pages; the draft has no online store page, so it is not indexed
    expect(await call("POST", `/api/integrations/${shopify.id}/sync`)).toEqual({
      indexed: 2,
      removed: 0,
      pages: 2,
      complete: true,
    });
    const requests = store.state.requests.map((r) => `${r.method} ${r.path} ${r.status}`);
    expect(requests).toContain("POST /admin/oauth/access_token 200");
    expect(requests).toContain("POST /admin/api/2025-10/graphql.json 200");
  });

  it("answers a product question citing the product page", async () => {
    await until(
      "every product indexed",
      async () => {
        const list = (await sources()).filter((s) => s.externalId?.startsWith("commerce:"));
        return list.length === 5 && list.every((s) => s.status === "ready");
      },
      60_000,
    );
    const blue = await ask("Do you have the alpine rain jacket in blue?");
    expect(blue.sources.map((s) => s.url)).toContain(`https://${SHOP}/products/alpine-rain-jacket`);
    expect(blue.answer).toContain("Blue");
    const mug = await ask("Is the camp mug in stock?");
    expect(mug.sources.map((s) => s.url)).toContain(`${store.origin}/product/camp-mug/`);
  }, 90_000);

  it("tells a visitor verified by the widget their order's status in the real widget, citing the order", async () => {
    const jane = identityFor("jane@example.com");
    const identify = `<script>window.Echo = window.Echo || function () { (Echo.q = Echo.q || []).push(arguments); };
Echo("identify", ${JSON.stringify({ name: "Jane", email: "jane@example.com", ...jane })}); Echo("open");</script>`;
    host = await startHost(HOST_PORT, { "/": hostPage({ echo: server.origin, botKey: owner.botKey, head: identify }) });
    const visitor = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    visitor.on("pageerror", (e) => pageErrors.push(e.message));
    await visitor.goto(`${host.origin}/`);
    const box = visitor.getByRole("textbox", { name: "Type your message…" });
    await box.waitFor();
    await box.fill("Where is my order #727?");
    await box.press("Enter");
    const answer = await until(
      "the order answer in the widget",
      () =>
        visitor.evaluate(() => {
          const root = document.querySelector("echo-widget")?.shadowRoot;
          const ai = [...(root?.querySelectorAll<HTMLElement>(".m .g[data-role=ai]") ?? [])].filter(
            (e) => e.getAttribute("aria-busy") === "false",
          );
          const last = ai[ai.length - 1];
          if (!last) return null;
          return {
            text: last.querySelector(".tx")?.textContent ?? "",
            sources: [...last.querySelectorAll(".src li")].map((li) => li.textContent ?? ""),
          };
        }),
      30_000,
    );
    await screenshot(visitor, "commerce-flow-verified-order");
    expect(answer.text).toContain("Order 727 has shipped");
    expect(answer.text).toContain("Trail Jacket");
    expect(answer.text).toContain("1Z999AA10123456784");
    expect(answer.sources.join(" ")).toContain("Order 727");
    await visitor.close();

    // the same verified visitor asking for another customer's order number gets nothing about it
    const v = await openVisitor(server.origin, owner.botKey, "Jane", {
      email: "jane@example.com",
      identity: identityFor("jane@example.com"),
    });
    const theirs = await visitorAsks(v, "Where is my order #728?");
    expect(theirs.text).toContain("couldn't find");
    for (const leak of ["Camp Mug", "24.00", "prepared", "refunded", "Bob"]) expect(theirs.text).not.toContain(leak);
    expect(theirs.sources ?? []).toEqual([]);
    v.close();

    // the operator sees the same orders beside the conversation: Jane's, marked verified, not Bob's
    const sidebar = await call<{ email: string; verified: boolean; orders: { number: string }[] }>(
      "GET",
      `/api/conversations/${v.conversationId}/orders`,
    );
    expect(sidebar.verified).toBe(true);
    expect(sidebar.orders.map((o) => o.number.replace(/^#/, "")).sort()).toEqual(["1001", "727"]);
    await page.goto(`${server.origin}/app/login?next=${encodeURIComponent(`/c/${v.conversationId}`)}`);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill("commerce flow password 1234");
    await page.getByRole("button", { name: "Sign in" }).click();
    const orders = page.getByRole("region", { name: "Recent orders" });
    await orders.waitFor();
    await orders.getByText("verified", { exact: true }).waitFor();
    const text = await orders.innerText();
    expect(text).toMatch(/#727 · \w+ · 129\.00 USD/);
    expect(text).toContain("1 × Trail Jacket");
    expect(text).toContain("1Z999AA10123456784");
    expect(text).not.toContain("Camp Mug");
    await screenshot(page, "commerce-flow-operator-orders");
  }, 90_000);

  it("gives an unverified visitor nothing about someone else's order; the number with the order's email works", async () => {
    const mallory = await openVisitor(server.origin, owner.botKey, "Mallory", { email: "mallory@example.com" });
    const asked = await visitorAsks(mallory, "Where is my order #1001?");
    expect(asked.text).toContain("email");
    const guessed = await visitorAsks(mallory, "My email is bob@example.com");
    // #1001 is Jane's: another email gets the same words as a number that does not exist
    expect(guessed.text).toContain("couldn't find");
    for (const t of [asked.text, guessed.text])
      for (const leak of ["Wool Socks", "JJD000390007", "shipped", "39.00", "Jane"]) expect(t).not.toContain(leak);
    expect(guessed.sources ?? []).toEqual([]);
    mallory.close();

    // a visitor verified as someone else, giving their own email, gets nothing about Jane's order
    const borrowed = await openVisitor(server.origin, owner.botKey, "Mallory", {
      email: "mallory@example.com",
      identity: identityFor("mallory-7"),
    });
    const lent = await visitorAsks(borrowed, "Where is my order #1001?");
    for (const leak of ["Wool Socks", "JJD000390007", "shipped"]) expect(lent.text).not.toContain(leak);
    expect(lent.sources ?? []).toEqual([]);
    borrowed.close();

    const bob = await openVisitor(server.origin, owner.botKey, "Bob");
    const mine = await visitorAsks(bob, "Hi, where is my order #1002? My email is bob@example.com");
    expect(mine.text).toContain("Order #1002 has been received and is waiting to be shipped");
    expect(mine.text).toContain("Alpine Rain Jacket");
    expect(mine.text).toContain("Part of it has been refunded");
    expect(mine.sources).toEqual([expect.objectContaining({ title: "Order #1002" })]);
    const woo728 = await visitorAsks(bob, "And order #728, same email bob@example.com?");
    expect(woo728.text).toContain("Order 728 is being prepared");
    expect(woo728.text).toContain("2 × Camp Mug");
    bob.close();
  }, 90_000);

  it("refuses forged webhooks with nothing changed, and a signed product webhook updates the knowledge", async () => {
    const backpack = () => sources().then((list) => list.filter((s) => s.externalId === `commerce:${woo.id}:13`));
    const [original] = await backpack();
    expect(original?.status).toBe("ready");
    // saving the webhook in WooCommerce pings it unsigned first, and only a 200 saves it cleanly
    const ping = await store.sendWooPing(woo.webhookUrl);
    expect(ping.status, ping.body).toBe(200);
    const product = store.state.woo.products.find((p) => p.id === 13)!;
    product.attributes[0]!.options = ["Orange", "Black", "Forest Green"];

    const forged = await store.sendWooWebhook({
      url: woo.webhookUrl,
      topic: "product.updated",
      payload: product,
      secret: "not-the-webhook-secret",
    });
    expect(forged.status, forged.body).toBe(401);
    const shopForged = await store.sendShopifyWebhook({
      url: shopify.webhookUrl,
      topic: "products/delete",
      payload: { id: 632910393 },
      secret: "not-the-app-secret",
    });
    expect(shopForged.status, shopForged.body).toBe(401);
    expect(await backpack()).toEqual([original]);
    const before = await ask("Is the summit backpack available in forest green?");
    expect(before.answer).not.toContain("Forest Green");
    expect((await sources()).filter((s) => s.externalId?.startsWith("commerce:")).length).toBe(5);

    const signed = await store.sendWooWebhook({ url: woo.webhookUrl, topic: "product.updated", payload: product });
    expect(signed.status, signed.body).toBe(200);
    expect(JSON.parse(signed.body)).toEqual({ topic: "product.updated", action: "indexed" });
    const [updated] = await until(
      "the re-indexed backpack to replace the old copy",
      async () => {
        const list = await backpack();
        return list.length === 1 && list[0]!.id !== original!.id && list[0]!.status === "ready" && list;
      },
      45_000,
    );
    expect(updated!.url).toBe(`${store.origin}/product/summit-backpack/`);
    const after = await ask("Is the summit backpack available in forest green?");
    expect(after.answer).toContain("Forest Green");
    expect(after.sources.map((s) => s.url)).toContain(`${store.origin}/product/summit-backpack/`);
    expect(pageErrors).toEqual([]);
  }, 90_000);
});
