import { createRoute, z } from "@hono/zod-openapi";
import {
  completeShopifyInstall,
  connectWooCommerce,
  deleteConnection,
  getConnection,
  listConnections,
  startShopifyInstall,
  toConnectionDto,
} from "../domain/commerce/connections";
import { findOrder, ordersOfConversation } from "../domain/commerce/orders";
import { syncProducts } from "../domain/commerce/products";
import { rotateConnectionSecrets } from "../domain/commerce/rotate";
import {
  ConnectionDto,
  OrderDto,
  OrderLookupInput,
  RotateSecretsInput,
  ShopifyInstallInput,
  SyncResultDto,
  WooConnectInput,
} from "../domain/commerce/schemas";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const Param = IdParam("cmc");
const sec = [{ bearer: [] }];
const tags = ["integrations"];

/**
 * /api/integrations: a workspace's store connections (issue 20). Credentials go in, only hints
 * come out. The Shopify callback is the one anonymous route: its HMAC and single-use state are
 * its authentication (domain/commerce/connections.ts).
 */
export const integrationRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      summary: "List store connections",
      tags,
      security: sec,
      middleware: [authed("settings:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(ConnectionDto) }), "connections"), ...problemResponses },
    }),
    async (c) => c.json({ data: (await listConnections(c.var.ctx)).map((r) => toConnectionDto(c.var.ctx, r)) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/woocommerce",
      tags,
      summary: "Connect a WooCommerce store (the keys are checked against the store first)",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(WooConnectInput) },
      responses: { 201: jsonResponse(ConnectionDto, "connected"), ...problemResponses },
    }),
    async (c) => c.json(toConnectionDto(c.var.ctx, await connectWooCommerce(c.var.ctx, c.req.valid("json"))), 201),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/shopify/install",
      tags,
      summary: "Start Shopify's OAuth install: answers the URL to send the merchant to",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(ShopifyInstallInput) },
      responses: {
        201: jsonResponse(z.object({ connection: ConnectionDto, authorizeUrl: z.string() }), "pending install"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { row, authorizeUrl } = await startShopifyInstall(c.var.ctx, c.req.valid("json"));
      return c.json({ connection: toConnectionDto(c.var.ctx, row), authorizeUrl }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "Get a store connection",
      tags,
      security: sec,
      middleware: [authed("settings:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(ConnectionDto, "connection"), ...problemResponses },
    }),
    async (c) => c.json(toConnectionDto(c.var.ctx, await getConnection(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/sync",
      tags,
      summary: "Index the store's products into the bot's knowledge now",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(SyncResultDto, "sync result"), ...problemResponses },
    }),
    async (c) => c.json(await syncProducts(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/rotate-secrets",
      tags,
      summary:
        "Replace the stored store secrets without reconnecting (the old webhook secret stays valid for graceHours)",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param, body: jsonBody(RotateSecretsInput) },
      responses: { 200: jsonResponse(ConnectionDto, "rotated"), ...problemResponses },
    }),
    async (c) => {
      const row = await rotateConnectionSecrets(c.var.ctx, c.req.valid("param").id, c.req.valid("json"));
      return c.json(toConnectionDto(c.var.ctx, row), 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/orders/lookup",
      tags,
      summary: "Find an order by its number and the email on it (both must match)",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { body: jsonBody(OrderLookupInput) },
      responses: { 200: jsonResponse(OrderDto, "the order"), ...problemResponses },
    }),
    async (c) => c.json(await findOrder(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}",
      summary: "Disconnect a store",
      tags,
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param },
      responses: { 204: { description: "disconnected" }, ...problemResponses },
    }),
    async (c) => {
      await deleteConnection(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  )
  .get("/shopify/callback", async (c) => {
    const row = await completeShopifyInstall(c.var.ctx, new URL(c.req.url).searchParams);
    return c.redirect(`/app/settings/integrations?connected=${encodeURIComponent(row.id)}`, 302);
  });

/** GET /api/conversations/:id/orders: the visitor's recent orders, for the operator's sidebar. */
export const conversationOrderRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/{id}/orders",
    summary: "The conversation's visitor's recent store orders, for the operator's sidebar",
    tags,
    security: sec,
    middleware: [authed("conversations:read")],
    request: { params: IdParam("conv") },
    responses: {
      200: jsonResponse(
        z.object({ email: z.string().nullable(), verified: z.boolean(), orders: z.array(OrderDto) }),
        "the visitor's recent orders",
      ),
      ...problemResponses,
    },
  }),
  async (c) => c.json(await ordersOfConversation(c.var.ctx, c.req.valid("param").id), 200),
);
