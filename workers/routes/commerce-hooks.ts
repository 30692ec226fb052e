import { Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import {
  connectionForHook,
  handleShopifyHook,
  handleWooCommerceHook,
  MAX_STORE_HOOK_BYTES,
} from "../domain/commerce/webhooks";
import type { AppEnv } from "../env";
import { AppError } from "../lib/errors";

const limit = bodyLimit({
  maxSize: MAX_STORE_HOOK_BYTES,
  onError: () => {
    throw new AppError("PAYLOAD_TOO_LARGE", `webhook body is over ${MAX_STORE_HOOK_BYTES} bytes`);
  },
});

/**
 * Store webhooks, mounted at /hooks: `/shopify/:id` and `/woocommerce/:id` (the connection's id).
 * The raw body is read once and verified by the domain before anything is parsed (401 otherwise).
 */
export const commerceHookRoutes = new Hono<AppEnv>()
  .post("/shopify/:id", limit, async (c) => {
    const row = await connectionForHook(c.var.ctx, "shopify", c.req.param("id"));
    const rawBody = new TextDecoder().decode(await c.req.arrayBuffer());
    return c.json(await handleShopifyHook(c.var.ctx, row, { rawBody, headers: c.req.raw.headers }), 200);
  })
  .post("/woocommerce/:id", limit, async (c) => {
    const row = await connectionForHook(c.var.ctx, "woocommerce", c.req.param("id"));
    const rawBody = new TextDecoder().decode(await c.req.arrayBuffer());
    return c.json(await handleWooCommerceHook(c.var.ctx, row, { rawBody, headers: c.req.raw.headers }), 200);
  });
