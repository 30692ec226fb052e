import { Invalid, NotFound, Unauthorized, Unavailable } from "../../lib/errors";
import { sha256Hex } from "../../lib/crypto";
import { hasPrefix, newId, randomToken } from "../../lib/ids";
import { verifyShopifyQuery } from "../../lib/signatures";
import { StoreError } from "../../providers/commerce/port";
import { SHOPIFY_SCOPES } from "../../providers/commerce/shopify";
import { wooStore } from "../../providers/commerce/woocommerce";
import type { CommerceConnectionRow } from "../../storage/schema";
import { audit } from "../audit";
import type { BaseCtx, Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { z } from "zod";
import { SHOP_DOMAIN, type ConnectionDto, type ShopifyInstallInput, type WooConnectInput } from "./schemas";
import {
  openConnectionSecrets,
  ShopifySecrets,
  shopifyApiBase,
  storeFailure,
  storeFetch,
  type WooSecrets,
} from "./store";

/**
 * Store connections of a workspace (issue 20). WooCommerce connects in one call (credentials are
 * checked against the store first); Shopify installs through OAuth: `startShopifyInstall` stores a
 * pending row with a single-use state and answers the authorize URL, and the HMAC-verified callback
 * (`completeShopifyInstall`) exchanges the code for an offline token. Secrets are sealed under the
 * tenant key and never returned; only hints are.
 */
export const OAUTH_STATE_TTL_MS = 10 * 60 * 1000;

const hintsOf = (secrets: Record<string, unknown>) =>
  Object.fromEntries(
    Object.entries(secrets)
      .filter((e): e is [string, string] => typeof e[1] === "string" && !e[0].startsWith("previous"))
      .map(([k, v]) => [k, secretHint(v)]),
  );

const seal = (ctx: Pick<BaseCtx, "config">, tenantId: string, secrets: object) =>
  encryptSecret(masterKeysOf(ctx.config), tenantId, JSON.stringify(secrets));

export const webhookPathOf = (row: Pick<CommerceConnectionRow, "platform" | "id">) =>
  `/hooks/${row.platform}/${row.id}`;

export function toConnectionDto(ctx: Pick<BaseCtx, "services">, row: CommerceConnectionRow): ConnectionDto {
  return {
    id: row.id,
    platform: row.platform,
    shop: row.shop,
    storeUrl: row.storeUrl,
    botId: row.botId,
    status: row.status,
    secretHints: row.secretHints,
    webhookUrl: `${ctx.services.origin}${webhookPathOf(row)}`,
    lastSyncAt: row.lastSyncAt?.toISOString() ?? null,
    productCount: row.productCount,
    createdAt: row.createdAt.toISOString(),
  };
}

async function requireBot(ctx: Ctx, botId: string | undefined) {
  if (botId && !(await ctx.repos.bots.get(ctx.tenantId, botId))) throw new NotFound("bot", botId);
}

export async function getConnection(ctx: Ctx, id: string) {
  const row = hasPrefix(id, "cmc") ? await ctx.repos.commerceConnections.get(ctx.tenantId, id) : undefined;
  if (!row) throw new NotFound("store connection", id);
  return row;
}

export const listConnections = (ctx: Ctx) => ctx.repos.commerceConnections.list(ctx.tenantId);

/** POST /api/integrations/woocommerce: checks the keys against the store, then stores them sealed. */
export async function connectWooCommerce(ctx: Ctx, input: WooConnectInput) {
  await requireBot(ctx, input.botId);
  const url = new URL(input.storeUrl);
  const storeUrl = `${url.origin}${url.pathname.replace(/\/+$/, "")}`;
  try {
    await wooStore({
      storeUrl,
      consumerKey: input.consumerKey,
      consumerSecret: input.consumerSecret,
      fetch: storeFetch(ctx),
    }).checkCredentials();
  } catch (err) {
    if (err instanceof StoreError && err.kind === "unauthorized")
      throw new Invalid("the store refused these credentials", [
        { path: "consumerKey", message: "WooCommerce answered 401 for this consumer key and secret" },
      ]);
    throw storeFailure(err, url.host);
  }
  const secrets: WooSecrets = {
    consumerKey: input.consumerKey,
    consumerSecret: input.consumerSecret,
    webhookSecret: input.webhookSecret,
  };
  const now = new Date(ctx.clock.now());
  const row = await ctx.repos.commerceConnections.insert({
    id: newId("cmc", now.getTime()),
    tenantId: ctx.tenantId,
    platform: "woocommerce",
    shop: url.host,
    storeUrl,
    botId: input.botId ?? null,
    status: "active",
    secretsCiphertext: await seal(ctx, ctx.tenantId, secrets),
    secretHints: hintsOf(secrets),
    createdAt: now,
    updatedAt: now,
  });
  await audit(ctx, "commerce.connected", { type: "commerce_connection", id: row.id }, { platform: "woocommerce" });
  return row;
}

/** POST /api/integrations/shopify/install: a pending connection and the URL that asks the merchant to approve. */
export async function startShopifyInstall(ctx: Ctx, input: ShopifyInstallInput) {
  await requireBot(ctx, input.botId);
  const clientId = input.clientId ?? ctx.config.shopifyApiKey;
  const clientSecret = input.clientSecret ?? ctx.config.shopifyApiSecret;
  if (!clientId || !clientSecret)
    throw new Invalid("no Shopify app is configured", [
      { path: "clientId", message: "give your custom app's clientId and clientSecret, or set SHOPIFY_API_KEY/SECRET" },
    ]);
  const state = randomToken(32);
  const now = new Date(ctx.clock.now());
  const secrets: ShopifySecrets = { clientId, clientSecret };
  const row = await ctx.repos.commerceConnections.insert({
    id: newId("cmc", now.getTime()),
    tenantId: ctx.tenantId,
    platform: "shopify",
    shop: input.shop,
    storeUrl: `https://${input.shop}`,
    botId: input.botId ?? null,
    status: "pending",
    secretsCiphertext: await seal(ctx, ctx.tenantId, secrets),
    secretHints: hintsOf({ clientId: clientId, clientSecret }),
    oauthStateHash: await sha256Hex(state),
    oauthStateExpiresAt: new Date(now.getTime() + OAUTH_STATE_TTL_MS),
    createdAt: now,
    updatedAt: now,
  });
  // the merchant approves on the shop (SHOPIFY_API_BASE when set: a local server, as for the token exchange)
  const authorize = new URL(`${shopifyApiBase(ctx, input.shop)}/admin/oauth/authorize`);
  authorize.searchParams.set("client_id", clientId);
  authorize.searchParams.set("scope", SHOPIFY_SCOPES);
  authorize.searchParams.set("redirect_uri", `${ctx.services.origin}/api/integrations/shopify/callback`);
  authorize.searchParams.set("state", state);
  // no grant_options[]=per-user: Shopify issues an offline (shop-wide, non-expiring) token
  return { row, authorizeUrl: authorize.href };
}

const TokenAnswer = z.object({ access_token: z.string().min(1), scope: z.string().optional() });

/**
 * GET /api/integrations/shopify/callback: the merchant's browser arrives from Shopify. The state
 * names the pending row (single use, 10 minutes); the query's `hmac` must verify under that row's
 * client secret and `shop` must be the shop the install began with. Then the code is exchanged
 * for the offline token at `POST {shop}/admin/oauth/access_token`, sealed with the client secret.
 */
export async function completeShopifyInstall(ctx: BaseCtx, params: URLSearchParams) {
  const state = params.get("state");
  const row = state ? await ctx.repos.commerceConnections.byStateHash(await sha256Hex(state)) : undefined;
  if (
    !row ||
    row.status !== "pending" ||
    !row.oauthStateExpiresAt ||
    row.oauthStateExpiresAt.getTime() < ctx.clock.now()
  )
    throw new Unauthorized("unknown or expired install state");
  const secrets = ShopifySecrets.parse(await openConnectionSecrets(ctx, row));
  const verified = await verifyShopifyQuery({ secret: secrets.clientSecret, params, nowMs: ctx.clock.now() });
  if (!verified.ok) throw new Unauthorized(`the callback's hmac did not verify (${verified.reason})`);
  const shop = params.get("shop") ?? "";
  if (!SHOP_DOMAIN.test(shop) || shop !== row.shop) throw new Unauthorized("the callback names another shop");
  const code = params.get("code");
  if (!code) throw new Invalid("the callback carries no code");
  let token: z.infer<typeof TokenAnswer>;
  try {
    const res = await storeFetch(ctx)(`${shopifyApiBase(ctx, shop)}/admin/oauth/access_token`, {
      method: "POST",
      headers: { "content-type": "application/json", accept: "application/json" },
      body: JSON.stringify({ client_id: secrets.clientId, client_secret: secrets.clientSecret, code }),
    });
    if (!res.ok) throw new StoreError(`the token exchange answered HTTP ${res.status}`, "upstream");
    const parsed = TokenAnswer.safeParse(await res.json().catch(() => undefined));
    if (!parsed.success) throw new StoreError("the token exchange answered an unexpected shape", "upstream");
    token = parsed.data;
  } catch (err) {
    throw storeFailure(err, shop);
  }
  const sealed: ShopifySecrets = { ...secrets, accessToken: token.access_token };
  const updated = await ctx.repos.commerceConnections.update(row.tenantId, row.id, {
    status: "active",
    secretsCiphertext: await seal(ctx, row.tenantId, sealed),
    secretHints: hintsOf(sealed),
    oauthStateHash: null,
    oauthStateExpiresAt: null,
    scopes: token.scope ?? null,
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!updated) throw new Unavailable("the connection disappeared during install");
  await audit(
    { ...ctx, tenantId: row.tenantId, actor: { type: "system", id: "shopify" } },
    "commerce.connected",
    { type: "commerce_connection", id: row.id },
    { platform: "shopify", scopes: token.scope ?? null },
  );
  return updated;
}

export async function deleteConnection(ctx: Ctx, id: string) {
  const row = await getConnection(ctx, id);
  await ctx.repos.commerceConnections.delete(ctx.tenantId, row.id);
  await ctx.repos.commerceConnections.clearSeen(ctx.tenantId, row.id);
  await audit(ctx, "commerce.disconnected", { type: "commerce_connection", id }, { platform: row.platform });
}
