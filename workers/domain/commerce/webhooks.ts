import { z } from "zod";
import { AppError, Invalid, NotFound, Unauthorized } from "../../lib/errors";
import { hasPrefix } from "../../lib/ids";
import { fromShopifyWebhookProduct, ShopifyWebhookProduct } from "../../providers/commerce/shopify";
import { toWooProduct, WooProduct } from "../../providers/commerce/woocommerce";
import type { CommerceConnectionRow, CommercePlatform } from "../../storage/schema";
import type { BaseCtx, Ctx } from "../ctx";
import { eraseVisitorData, exportVisitorData } from "../privacy/visitor";
import { acceptedSecrets, deliveryKeysOf, processDeliveryOnce, verifyBodyUnderAny } from "./deliveries";
import { indexProduct, removeProduct } from "./products";
import { openConnectionSecrets, ShopifySecrets, WooSecrets } from "./store";

/**
 * Store webhooks (issue 20), at /hooks/shopify/:id and /hooks/woocommerce/:id. The raw body is
 * verified before anything is parsed or stored: Shopify's `X-Shopify-Hmac-Sha256` under the app's
 * client secret, WooCommerce's `X-WC-Webhook-Signature` under the webhook secret given at connect
 * time; a missing or wrong signature is 401 and nothing changes. Then by topic:
 * - products create/update → the product is re-indexed into knowledge; delete → removed;
 * - Shopify's mandatory compliance topics run the visitor export / erasure of the privacy area
 *   (customers/data_request, customers/redact) or disconnect the shop (shop/redact);
 * - orders and customers are acknowledged without storing anything (orders are read live at
 *   look-up time, so there is no copy to keep current or to erase).
 * A verified delivery is processed once (deliveries.ts): a redelivery answers `duplicate`.
 */
export const MAX_STORE_HOOK_BYTES = 2 * 1024 * 1024;

export type HookOutcome = { topic: string; action: string };

type HookRequest = { rawBody: string; headers: Headers };

/** Runs a verified delivery's topic handler once per delivery (deliveries.ts). */
async function once(
  base: BaseCtx,
  row: CommerceConnectionRow,
  req: HookRequest,
  topic: string,
  act: () => Promise<HookOutcome>,
): Promise<HookOutcome> {
  const keys = await deliveryKeysOf(row.platform, req.headers, req.rawBody);
  const done = await processDeliveryOnce(base, row, { keys, topic }, act);
  return done.duplicate ? { topic, action: "duplicate" } : done.result;
}

/** The connection named in a hook URL; missing, malformed and not-yet-installed are one 404. */
export async function connectionForHook(ctx: BaseCtx, platform: CommercePlatform, id: string) {
  const row = hasPrefix(id, "cmc") ? await ctx.repos.commerceConnections.byIdForHook(id) : undefined;
  if (!row || row.platform !== platform || row.status !== "active") throw new NotFound("store connection", id);
  return row;
}

/** The tenant context a verified hook acts in; the actor is the connection (audit names it). */
export const hookCtx = (base: BaseCtx, row: CommerceConnectionRow): Ctx => ({
  ...base,
  tenantId: row.tenantId,
  actor: { kind: "key", keyId: row.id, permissions: new Set() },
});

function parsed<T>(schema: z.ZodType<T>, raw: string): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Invalid("the webhook body is not JSON");
  }
  const r = schema.safeParse(json);
  if (!r.success) throw new Invalid("the webhook body does not have the topic's shape");
  return r.data;
}

const CustomerRef = z.object({
  shop_domain: z.string(),
  customer: z.object({ id: z.number().optional(), email: z.string().nullable().optional() }).loose(),
  data_request: z.object({ id: z.number() }).loose().optional(),
  orders_requested: z.array(z.number()).optional(),
  orders_to_redact: z.array(z.number()).optional(),
});
const ShopRef = z.object({ shop_domain: z.string() }).loose();
const DeletedRef = z.object({ id: z.union([z.number(), z.string()]) }).loose();

/** Data-request exports are kept in R2 for the merchant to hand over. */
export const dataRequestKey = (tenantId: string, connectionId: string, requestId: string) =>
  `commerce/${tenantId}/${connectionId}/data-requests/${requestId}.json`;

export async function handleShopifyHook(
  base: BaseCtx,
  row: CommerceConnectionRow,
  req: HookRequest,
): Promise<HookOutcome> {
  const secrets = ShopifySecrets.parse(await openConnectionSecrets(base, row));
  const verified = await verifyBodyUnderAny(
    acceptedSecrets(
      secrets.clientSecret,
      { secret: secrets.previousClientSecret, until: secrets.previousUntil },
      base.clock.now(),
    ),
    req.rawBody,
    req.headers.get("x-shopify-hmac-sha256"),
  );
  if (!verified.ok) throw new Unauthorized(`webhook signature ${verified.reason}`);
  const shop = req.headers.get("x-shopify-shop-domain");
  if (shop && shop !== row.shop) throw new Unauthorized("the webhook names another shop");
  const topic = req.headers.get("x-shopify-topic") ?? "";
  return once(base, row, req, topic, () => shopifyTopic(hookCtx(base, row), row, topic, req.rawBody));
}

async function shopifyTopic(
  ctx: Ctx,
  row: CommerceConnectionRow,
  topic: string,
  rawBody: string,
): Promise<HookOutcome> {
  switch (topic) {
    case "products/create":
    case "products/update": {
      const p = fromShopifyWebhookProduct(parsed(ShopifyWebhookProduct, rawBody), row.storeUrl);
      return { topic, action: (await indexProduct(ctx, row, p)) ? "indexed" : "unchanged" };
    }
    case "products/delete": {
      const { id } = parsed(DeletedRef, rawBody);
      await removeProduct(ctx, row, `gid://shopify/Product/${id}`);
      return { topic, action: "removed" };
    }
    case "customers/data_request": {
      const body = parsed(CustomerRef, rawBody);
      const email = body.customer.email;
      const requestId = String(body.data_request?.id ?? ctx.requestId);
      const data = email ? await exportVisitorData(ctx, { email }).catch(notFoundAs(null)) : null;
      await ctx.services.files.put(
        dataRequestKey(row.tenantId, row.id, requestId),
        JSON.stringify({ shop: row.shop, customer: body.customer, echo: data }),
        { httpMetadata: { contentType: "application/json" }, customMetadata: { tenantId: row.tenantId } },
      );
      return { topic, action: data ? "exported" : "nothing_held" };
    }
    case "customers/redact": {
      const email = parsed(CustomerRef, rawBody).customer.email;
      const erased = email ? await eraseVisitorData(ctx, { email }).catch(notFoundAs(null)) : null;
      return { topic, action: erased ? "erased" : "nothing_held" };
    }
    case "shop/redact":
    case "app/uninstalled": {
      parsed(topic === "shop/redact" ? ShopRef : z.unknown(), rawBody);
      await ctx.repos.commerceConnections.delete(row.tenantId, row.id);
      return { topic, action: "disconnected" };
    }
    default:
      // orders/*, customers/* and anything else the shop is subscribed to: verified, nothing kept
      return { topic, action: "acknowledged" };
  }
}

const notFoundAs =
  <T>(value: T) =>
  (err: unknown): T => {
    if (err instanceof AppError && err.code === "NOT_FOUND") return value;
    throw err;
  };

/**
 * WooCommerce's test ping when a merchant saves an active webhook (WC_Webhook::deliver_ping): an
 * unsigned form body `webhook_id=<n>`, and any answer but 200 shows them "Delivery URL returned
 * response code" and leaves the webhook pending. It carries no data and changes nothing, so it is
 * acknowledged without a signature; any other unsigned body is still 401.
 */
const WOO_PING = /^webhook_id=\d{1,20}$/;

export async function handleWooCommerceHook(
  base: BaseCtx,
  row: CommerceConnectionRow,
  req: HookRequest,
): Promise<HookOutcome> {
  if (!req.headers.get("x-wc-webhook-signature") && WOO_PING.test(req.rawBody.trim()))
    return { topic: "ping", action: "acknowledged" };
  const secrets = WooSecrets.parse(await openConnectionSecrets(base, row));
  const verified = await verifyBodyUnderAny(
    acceptedSecrets(
      secrets.webhookSecret,
      { secret: secrets.previousWebhookSecret, until: secrets.previousUntil },
      base.clock.now(),
    ),
    req.rawBody,
    req.headers.get("x-wc-webhook-signature"),
  );
  if (!verified.ok) throw new Unauthorized(`webhook signature ${verified.reason}`);
  const topic = req.headers.get("x-wc-webhook-topic") ?? "";
  return once(base, row, req, topic, () => wooTopic(hookCtx(base, row), row, topic, req.rawBody));
}

async function wooTopic(ctx: Ctx, row: CommerceConnectionRow, topic: string, rawBody: string): Promise<HookOutcome> {
  switch (topic) {
    case "product.created":
    case "product.updated":
    case "product.restored": {
      const p = toWooProduct(parsed(WooProduct, rawBody));
      return { topic, action: (await indexProduct(ctx, row, p)) ? "indexed" : "unchanged" };
    }
    case "product.deleted": {
      const { id } = parsed(DeletedRef, rawBody);
      await removeProduct(ctx, row, String(id));
      return { topic, action: "removed" };
    }
    default:
      return { topic, action: "acknowledged" };
  }
}
