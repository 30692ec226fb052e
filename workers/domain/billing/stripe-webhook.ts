import { WebhookSignatureInvalid, type PaymentEvent } from "../../contracts/payments";
import { Invalid, NotFound } from "../../lib/errors";
import type { BillingStatus } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import { CREDIT_PACKS, DEFAULT_PLAN, isCreditPackId, planOfPrice } from "./plans";

/** Events that change a tenant's billing; every other type is acknowledged and ignored. */
const HANDLED = new Set([
  "checkout.session.completed",
  "customer.subscription.created",
  "customer.subscription.updated",
  "customer.subscription.deleted",
  "invoice.paid",
  "invoice.payment_failed",
]);

const STATUSES: ReadonlySet<string> = new Set(["active", "trialing", "past_due", "canceled", "unpaid", "incomplete"]);

export type WebhookResult = {
  received: true;
  duplicate?: true;
  ignored?: true;
  tenantId?: string;
  /** AI answers a credit-pack payment added. */
  credits?: number;
};

/**
 * POST /hooks/stripe: verify the signature over the raw body (a bad one is a 400 and changes
 * nothing), skip an event id already handled, then re-read the subscription from the API instead of
 * trusting the payload (Stripe guarantees neither order nor exactly-once delivery) and write the
 * account and the event id in one batch. Re-reading makes handling idempotent too: a redelivery
 * racing the first one writes the same state.
 */
export async function handleStripeWebhook(ctx: BaseCtx, rawBody: string, signature: string | null) {
  const payments = ctx.services.payments;
  if (!payments) throw new NotFound("Stripe webhook endpoint (Stripe is not configured)");
  let event: PaymentEvent;
  try {
    event = await payments.verifyEvent(rawBody, signature);
  } catch (err) {
    if (err instanceof WebhookSignatureInvalid) throw new Invalid(`Stripe signature refused: ${err.message}`);
    throw err;
  }
  const repo = ctx.repos.billing;
  const now = new Date(ctx.clock.now());
  if (!HANDLED.has(event.type)) return { received: true, ignored: true } satisfies WebhookResult;
  if (await repo.seenEvent(event.id)) return { received: true, duplicate: true } satisfies WebhookResult;
  if (event.type === "checkout.session.completed" && event.object.mode === "payment")
    return applyCreditPack(ctx, event, now);
  const ref = refsOf(event);
  if (!ref.subscriptionId) {
    // an invoice without a subscription (a one-off): remember it, nothing to apply
    await repo.claimEventStmt(event.id, event.type, null, now).run();
    return { received: true, ignored: true } satisfies WebhookResult;
  }
  const sub = await payments.subscription(ref.subscriptionId);
  const tenantId =
    ref.tenantId ?? sub.tenantId ?? (await repo.accountByCustomer(sub.customerId))?.tenantId ?? undefined;
  if (!tenantId) {
    ctx.log.warn("billing: Stripe event for an unknown customer", { eventId: event.id, type: event.type });
    await repo.claimEventStmt(event.id, event.type, null, now).run();
    return { received: true, ignored: true } satisfies WebhookResult;
  }
  const plan = planOfPrice(sub.priceId);
  const status = (STATUSES.has(sub.status) ? sub.status : "incomplete") as BillingStatus;
  await ctx.repos.batch([
    repo.upsertAccountStmt({
      tenantId,
      plan: plan?.id ?? DEFAULT_PLAN,
      status,
      stripeCustomerId: sub.customerId,
      stripeSubscriptionId: sub.id,
      periodEnd: sub.periodEnd ? new Date(sub.periodEnd) : null,
      cancelAtPeriodEnd: sub.cancelAtPeriodEnd,
      updatedAt: now,
    }),
    repo.claimEventStmt(event.id, event.type, tenantId, now),
  ]);
  ctx.log.info("billing: subscription applied", { tenantId, eventId: event.id, status, plan: plan?.id });
  return { received: true, tenantId } satisfies WebhookResult;
}

/**
 * A completed one-off Checkout for a credit pack: the session is re-read from the API (paid? which
 * pack? which tenant?), then the pack's answers are added and the event id claimed in one batch.
 * The grant is conditional on the event id being new inside that batch, so two deliveries racing
 * past the `seenEvent` check still top up once.
 */
async function applyCreditPack(ctx: BaseCtx, event: PaymentEvent, now: Date): Promise<WebhookResult> {
  const repo = ctx.repos.billing;
  const id = typeof event.object.id === "string" ? event.object.id : "";
  const session = await ctx.services.payments!.checkoutSession(id);
  const packId = session.metadata.pack ?? "";
  const tenantId = session.tenantId;
  if (session.metadata.kind !== "credits" || !isCreditPackId(packId) || !tenantId || session.paymentStatus !== "paid") {
    ctx.log.warn("billing: payment session not applied", { eventId: event.id, status: session.paymentStatus });
    await repo.claimEventStmt(event.id, event.type, tenantId, now).run();
    return { received: true, ignored: true };
  }
  if (!(await ctx.repos.tenants.get(tenantId))) {
    await repo.claimEventStmt(event.id, event.type, null, now).run();
    return { received: true, ignored: true };
  }
  const pack = CREDIT_PACKS[packId];
  await ctx.repos.batch([
    repo.grantCreditsOnceStmt(tenantId, pack.answers, event.id, session.customerId, now),
    repo.claimEventStmt(event.id, event.type, tenantId, now),
  ]);
  ctx.log.info("billing: credit pack applied", { tenantId, eventId: event.id, pack: pack.id });
  return { received: true, tenantId, credits: pack.answers };
}

/** The subscription (and tenant, when Checkout names it) an event is about. */
function refsOf(event: PaymentEvent): { subscriptionId?: string; tenantId?: string } {
  const o = event.object;
  const str = (x: unknown) => (typeof x === "string" && x ? x : undefined);
  const idOf = (x: unknown) => str(x) ?? str((x as { id?: unknown } | null)?.id);
  if (event.type === "checkout.session.completed")
    return { subscriptionId: idOf(o.subscription), tenantId: str(o.client_reference_id) };
  if (event.type.startsWith("customer.subscription.")) return { subscriptionId: str(o.id) };
  // invoices: `subscription` moved under parent.subscription_details in 2025-03-31.basil
  const parent = o.parent as { subscription_details?: { subscription?: unknown } } | undefined;
  return { subscriptionId: idOf(parent?.subscription_details?.subscription) ?? idOf(o.subscription) };
}
