import type { z } from "@hono/zod-openapi";
import { AppError, Invalid } from "../../lib/errors";
import type { Ctx } from "../ctx";
import { CREDIT_PACKS, PLANS, planOf } from "./plans";
import { creditsPayOverage, effectivePlan } from "./entitlement";
import { loadBillingSnapshot } from "./may-tenant";
import type { CheckoutInput, CreditCheckoutInput } from "./schemas";

/** Why Checkout and the Portal cannot open without Stripe; the rest of billing works embedded. */
export const STRIPE_OFF =
  "Stripe is not configured on this deployment (STRIPE_SECRET_KEY and STRIPE_WEBHOOK_SECRET), so plans cannot be bought here. Every workspace is on the Free plan and its quotas apply.";

function requirePayments(ctx: Ctx) {
  if (!ctx.services.payments) throw new AppError("CONFLICT", STRIPE_OFF, { members: { mode: "embedded" } });
  return ctx.services.payments;
}

const billingScreen = (ctx: Ctx, query = "") => `${ctx.services.origin}/app/billing${query}`;

/**
 * Subscription statuses in which Stripe still bills the subscription or retries its payment (a
 * cancelled-at-period-end one is `active` until it ends): another Checkout would start a second
 * subscription beside it, billed as well.
 */
const BILLED: ReadonlySet<string> = new Set(["active", "trialing", "past_due", "unpaid"]);

/** POST /api/billing/checkout: a Stripe Checkout Session for the plan's price; the webhook applies it. */
export async function startCheckout(ctx: Ctx, input: z.infer<typeof CheckoutInput>) {
  const plan = PLANS[input.plan];
  if (!plan.stripePriceId) throw new Invalid(`the ${plan.name} plan is not sold through Checkout`);
  const payments = requirePayments(ctx);
  const account = await ctx.repos.billing.account(ctx.tenantId);
  // plan changes of a live subscription go through the Customer Portal (one subscription, prorated)
  if (account?.stripeSubscriptionId && BILLED.has(account.status))
    throw new AppError(
      "CONFLICT",
      `this workspace already has a ${planOf(account.plan).name} subscription (${account.status}); change or cancel it in Manage billing (the Customer Portal) rather than starting a second one`,
      { members: { plan: planOf(account.plan).id, status: account.status } },
    );
  return payments.checkout({
    tenantId: ctx.tenantId,
    priceId: plan.stripePriceId,
    customerId: account?.stripeCustomerId ?? null,
    successUrl: billingScreen(ctx, "?checkout=done"),
    cancelUrl: billingScreen(ctx, "?checkout=cancelled"),
  });
}

/** POST /api/billing/portal: the Customer Portal for the tenant's Stripe customer. */
export async function openPortal(ctx: Ctx) {
  const payments = requirePayments(ctx);
  const account = await ctx.repos.billing.account(ctx.tenantId);
  if (!account?.stripeCustomerId)
    throw new AppError("CONFLICT", "this workspace has no Stripe customer yet; upgrade through Checkout first");
  return payments.portal({ customerId: account.stripeCustomerId, returnUrl: billingScreen(ctx) });
}

/** POST /api/billing/credits/checkout: a one-off Checkout payment for a credit pack; the webhook tops up once. */
export async function startCreditCheckout(ctx: Ctx, input: z.infer<typeof CreditCheckoutInput>) {
  const pack = CREDIT_PACKS[input.pack];
  const payments = requirePayments(ctx);
  const snap = await loadBillingSnapshot(ctx);
  const plan = effectivePlan(snap, ctx.clock.now());
  // credits would never be spent on this plan (entitlement.ts creditsPayOverage): do not sell them
  if (!creditsPayOverage(plan) || plan.limits.aiAnswers === null)
    throw new AppError(
      "CONFLICT",
      plan.limits.aiAnswers === null
        ? `the ${plan.name} plan has unlimited AI answers, so credit packs would never be spent`
        : `the ${plan.name} plan bills answers past its quota as metered overage, so credit packs would not be spent; they are for plans without overage`,
      { members: { plan: plan.id } },
    );
  const account = await ctx.repos.billing.account(ctx.tenantId);
  return payments.creditCheckout({
    tenantId: ctx.tenantId,
    priceId: pack.stripePriceId,
    pack: pack.id,
    customerId: account?.stripeCustomerId ?? null,
    successUrl: billingScreen(ctx, "?credits=done"),
    cancelUrl: billingScreen(ctx, "?credits=cancelled"),
  });
}

/** Invoices listed per page on the Billing screen. */
export const INVOICES_PAGE = 24;

/** GET /api/billing/invoices: the Stripe customer's invoices (none without Stripe or before a first purchase). */
export async function listInvoices(ctx: Ctx) {
  const payments = ctx.services.payments;
  const account = await ctx.repos.billing.account(ctx.tenantId);
  if (!payments || !account?.stripeCustomerId) return { data: [] };
  const list = await payments.invoices(account.stripeCustomerId, INVOICES_PAGE);
  return {
    data: list.map((i) => ({ ...i, created: new Date(i.created).toISOString() })),
  };
}
