import { createRoute, z } from "@hono/zod-openapi";
import { bodyLimit } from "hono/body-limit";
import { getBilling, getUsage, saveBillingSettings, saveBotBilling } from "../domain/billing/account";
import { listInvoices, openPortal, startCheckout, startCreditCheckout } from "../domain/billing/checkout";
import {
  BillingDto,
  BillingSettingsInput,
  BotBillingInput,
  BotRef,
  CheckoutInput,
  CreditCheckoutInput,
  InvoicesDto,
  UrlDto,
  UsageDto,
  UsageQuery,
} from "../domain/billing/schemas";
import { handleStripeWebhook } from "../domain/billing/stripe-webhook";
import { AppError } from "../lib/errors";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["billing"];
const refused = {
  402: { content: { "application/problem+json": { schema: z.object({}) } }, description: "Quota used up" },
  409: { content: { "application/problem+json": { schema: z.object({}) } }, description: "Stripe not configured" },
} as const;

/** The tenant's plan, usage and settings; Checkout and the Customer Portal (issue 15). Admins only. */
export const billingRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "Plan, status, this period's usage against the plan's limits, and the plan catalogue",
      security: sec,
      middleware: [authed("billing:read")],
      responses: { 200: jsonResponse(BillingDto, "billing"), ...problemResponses },
    }),
    async (c) => c.json(await getBilling(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/usage",
      tags,
      summary: "Usage counters of a period (default: this month, UTC), per bot",
      security: sec,
      middleware: [authed("billing:read")],
      request: { query: UsageQuery },
      responses: { 200: jsonResponse(UsageDto, "usage"), ...problemResponses },
    }),
    async (c) => c.json(await getUsage(c.var.ctx, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/settings",
      tags,
      summary: "What bots do over quota (handoff | embedded) and the monthly AI budget cap (micro-dollars)",
      security: sec,
      middleware: [authed("billing:write")],
      request: { body: jsonBody(BillingSettingsInput) },
      responses: { 200: jsonResponse(BillingDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await saveBillingSettings(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/bots/{botId}",
      tags,
      summary: "A bot's own over-quota choice and monthly AI budget cap (null: the tenant's)",
      security: sec,
      middleware: [authed("billing:write")],
      request: { params: BotRef, body: jsonBody(BotBillingInput) },
      responses: { 200: jsonResponse(BillingDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await saveBotBilling(c.var.ctx, c.req.valid("param").botId, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/checkout",
      tags,
      summary:
        "A Stripe Checkout Session for a plan; 409 when Stripe is not configured or a subscription still bills (change it in the Portal)",
      security: sec,
      middleware: [authed("billing:write")],
      request: { body: jsonBody(CheckoutInput) },
      responses: { 200: jsonResponse(UrlDto, "redirect the browser to url"), ...problemResponses, ...refused },
    }),
    async (c) => c.json(await startCheckout(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/credits/checkout",
      tags,
      summary: "A one-off Stripe Checkout payment for a prepaid credit pack; 409 when Stripe is not configured",
      security: sec,
      middleware: [authed("billing:write")],
      request: { body: jsonBody(CreditCheckoutInput) },
      responses: { 200: jsonResponse(UrlDto, "redirect the browser to url"), ...problemResponses, ...refused },
    }),
    async (c) => c.json(await startCreditCheckout(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invoices",
      tags,
      summary: "The workspace's Stripe invoices, newest first (empty without Stripe or a Stripe customer)",
      security: sec,
      middleware: [authed("billing:read")],
      responses: { 200: jsonResponse(InvoicesDto, "invoices"), ...problemResponses },
    }),
    async (c) => c.json(await listInvoices(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/portal",
      tags,
      summary: "A Stripe Customer Portal session (change plan, cancel, invoices)",
      security: sec,
      middleware: [authed("billing:write")],
      responses: { 200: jsonResponse(UrlDto, "redirect the browser to url"), ...problemResponses, ...refused },
    }),
    async (c) => c.json(await openPortal(c.var.ctx), 200),
  );

/** Stripe events are small; the cap bounds what is hashed before the signature is known good. */
export const MAX_STRIPE_EVENT_BYTES = 512 * 1024;

/** POST /hooks/stripe: signed with `Stripe-Signature`, verified over the raw body before anything is parsed. */
export const stripeHookRoutes = createRouter()
  .use(
    "*",
    bodyLimit({
      maxSize: MAX_STRIPE_EVENT_BYTES,
      onError: () => {
        throw new AppError("PAYLOAD_TOO_LARGE", `a Stripe event is at most ${MAX_STRIPE_EVENT_BYTES} bytes`);
      },
    }),
  )
  .post("/", async (c) =>
    c.json(await handleStripeWebhook(c.var.ctx, await c.req.text(), c.req.header("stripe-signature") ?? null), 200),
  );
