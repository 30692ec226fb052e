import { sha256Hex } from "../../lib/crypto";
import { verifyShopifyWebhook } from "../../lib/signatures";
import type { CommerceConnectionRow, CommercePlatform } from "../../storage/schema";
import type { BaseCtx } from "../ctx";

/**
 * Replay protection of store webhooks (issue 20). After the signature verified, a delivery claims
 * its keys; a redelivery (a retry, a duplicate send, a captured request resent) answers 200 with
 * action `duplicate` and changes nothing. The keys:
 * - `id:` the vendor's delivery id (X-Shopify-Webhook-Id, X-WC-Webhook-Delivery-ID), the same on
 *   every retry of one delivery, and `event:` Shopify's X-Shopify-Event-Id, the same on every
 *   delivery of one event;
 * - `sha256:` the hash of the signed body. The headers are not signed (both vendors sign the body
 *   only), so anyone holding one captured request could resend it under a new delivery id; the body
 *   hash is the one id inside the signed content, and it drops that resend too.
 * If processing fails the claims are given back, so the vendor's retry is processed.
 * Claims are kept for DELIVERY_TTL_MS (Shopify retries for 4 hours, WooCommerce does not retry on
 * its own), then swept by the cron; a body identical to one seen within that window is dropped,
 * which is harmless for products (same content) and compliance topics (already done).
 */
export const DELIVERY_TTL_MS = 30 * 24 * 60 * 60 * 1000;
/** Delivery ids are short tokens (WooCommerce: 32 hex, Shopify: a UUID); longer ones are cut. */
export const MAX_DELIVERY_ID = 200;

const headerId = (headers: Headers, name: string) => {
  const v = headers.get(name)?.trim();
  return v ? v.slice(0, MAX_DELIVERY_ID) : undefined;
};

/** The replay keys of a verified delivery, most specific first. */
export async function deliveryKeysOf(platform: CommercePlatform, headers: Headers, rawBody: string) {
  const keys: string[] = [];
  const delivery = headerId(headers, platform === "shopify" ? "x-shopify-webhook-id" : "x-wc-webhook-delivery-id");
  if (delivery) keys.push(`id:${delivery}`);
  const event = platform === "shopify" ? headerId(headers, "x-shopify-event-id") : undefined;
  if (event) keys.push(`event:${event}`);
  keys.push(`sha256:${await sha256Hex(rawBody)}`);
  return keys;
}

export type Delivered<T> = { duplicate: true } | { duplicate: false; result: T };

/** Runs `fn` only if none of `keys` was claimed before for this connection. */
export async function processDeliveryOnce<T>(
  ctx: Pick<BaseCtx, "repos" | "clock" | "log">,
  row: CommerceConnectionRow,
  input: { keys: string[]; topic: string },
  fn: () => Promise<T>,
): Promise<Delivered<T>> {
  const repo = ctx.repos.commerceDeliveries;
  const claimed: string[] = [];
  const giveBack = () => Promise.all(claimed.map((k) => repo.release(row.tenantId, row.id, k).catch(() => undefined)));
  for (const deliveryKey of input.keys) {
    const first = await repo.claim({
      tenantId: row.tenantId,
      connectionId: row.id,
      deliveryKey,
      topic: input.topic.slice(0, 80),
      receivedAt: new Date(ctx.clock.now()),
    });
    if (!first) {
      await giveBack(); // a duplicate changes nothing, its fresh keys included
      ctx.log.info("commerce: duplicate webhook dropped", { connectionId: row.id, key: deliveryKey });
      return { duplicate: true };
    }
    claimed.push(deliveryKey);
  }
  try {
    return { duplicate: false, result: await fn() };
  } catch (err) {
    await giveBack();
    throw err;
  }
}

/** Drops claims older than DELIVERY_TTL_MS (cron). */
export const sweepDeliveries = (ctx: Pick<BaseCtx, "repos" | "clock">) =>
  ctx.repos.commerceDeliveries.sweep(new Date(ctx.clock.now() - DELIVERY_TTL_MS));

/**
 * The webhook secrets a delivery may be signed with: the current one and, during a rotation's grace
 * window, the previous one (Shopify's rotation guide: accept both until the old secret is revoked).
 */
export function acceptedSecrets(
  current: string,
  previous: { secret?: string | undefined; until?: number | undefined },
  now: number,
) {
  return previous.secret && previous.until !== undefined && now < previous.until
    ? [current, previous.secret]
    : [current];
}

/** Verifies a body HMAC (both vendors use base64 HMAC-SHA256 of the raw body) under any accepted secret. */
export async function verifyBodyUnderAny(secrets: string[], rawBody: string, header: string | null) {
  let last = await verifyShopifyWebhook({ secret: secrets[0]!, rawBody, header });
  for (const secret of secrets.slice(1)) {
    if (last.ok) break;
    last = await verifyShopifyWebhook({ secret, rawBody, header });
  }
  return last;
}
