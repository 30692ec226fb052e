import { z } from "zod";
import { egressFetch, egressPolicyOf, EgressFailed, EgressRefused } from "../../lib/egress";
import { RateLimited, Unavailable } from "../../lib/errors";
import { type CommerceStore, StoreError, type StoreFetch } from "../../providers/commerce/port";
import { shopifyStore } from "../../providers/commerce/shopify";
import { wooStore } from "../../providers/commerce/woocommerce";
import type { CommerceConnectionRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { masterKeysOf } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";

/** What a store answer may weigh and take. */
export const STORE_MAX_BYTES = 5 * 1024 * 1024;
export const STORE_TIMEOUT_MS = 15_000;

/**
 * Sealed secrets of a connection. `previous…` is the webhook secret a rotation replaced, still
 * accepted on webhooks until `previousUntil` (epoch ms; rotate.ts).
 */
export const ShopifySecrets = z.object({
  clientId: z.string(),
  clientSecret: z.string(),
  accessToken: z.string().optional(),
  previousClientSecret: z.string().optional(),
  previousUntil: z.number().optional(),
});
export type ShopifySecrets = z.infer<typeof ShopifySecrets>;
export const WooSecrets = z.object({
  consumerKey: z.string(),
  consumerSecret: z.string(),
  webhookSecret: z.string(),
  previousWebhookSecret: z.string().optional(),
  previousUntil: z.number().optional(),
});
export type WooSecrets = z.infer<typeof WooSecrets>;

type StoreCtx = Pick<BaseCtx, "config" | "repos" | "log">;

/** Every request to a store goes through the one egress policy (lib/egress.ts). */
export function storeFetch(ctx: Pick<BaseCtx, "config">): StoreFetch {
  const policy = egressPolicyOf(ctx.config);
  return (url, init) =>
    egressFetch(policy, url, init, { maxBytes: STORE_MAX_BYTES, timeoutMs: STORE_TIMEOUT_MS, maxRedirects: 0 });
}

/** Where Shopify is reached for a shop: SHOPIFY_API_BASE when set (local servers), else the shop itself. */
export const shopifyApiBase = (ctx: Pick<BaseCtx, "config">, shop: string) =>
  ctx.config.shopifyApiBase ?? `https://${shop}`;

/** Opens the connection's sealed secrets (re-sealing them under the current master key when stale). */
export async function openConnectionSecrets(ctx: StoreCtx, row: CommerceConnectionRow): Promise<unknown> {
  const plaintext = await openAndRenew(
    { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
    row.tenantId,
    row.secretsCiphertext,
    (next) => ctx.repos.commerceConnections.update(row.tenantId, row.id, { secretsCiphertext: next }),
  );
  return JSON.parse(plaintext) as unknown;
}

/** The commerce port over one active connection. */
export async function storeOf(ctx: StoreCtx, row: CommerceConnectionRow): Promise<CommerceStore> {
  const secrets = await openConnectionSecrets(ctx, row);
  if (row.platform === "shopify") {
    const s = ShopifySecrets.parse(secrets);
    if (!s.accessToken) throw new Unavailable(`store ${row.shop} has not finished installing`);
    return shopifyStore({
      apiBase: shopifyApiBase(ctx, row.shop),
      storeUrl: row.storeUrl,
      accessToken: s.accessToken,
      fetch: storeFetch(ctx),
    });
  }
  const s = WooSecrets.parse(secrets);
  return wooStore({
    storeUrl: row.storeUrl,
    consumerKey: s.consumerKey,
    consumerSecret: s.consumerSecret,
    fetch: storeFetch(ctx),
  });
}

/** A store failure as the API answers it: throttled → 429 with Retry-After, the rest → 503. */
export function storeFailure(err: unknown, shop: string): Error {
  if (err instanceof StoreError) {
    if (err.kind === "throttled") return new RateLimited(`${shop} is throttling requests`, err.retryAfterSeconds ?? 1);
    return new Unavailable(`${shop}: ${err.message}`, err);
  }
  if (err instanceof EgressRefused || err instanceof EgressFailed)
    return new Unavailable(`${shop}: ${err.message}`, err);
  return err instanceof Error ? err : new Error(String(err));
}
