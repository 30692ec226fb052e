/**
 * The payments port (issue 15): Stripe in production, absent (null) in the embedded mode. Plain
 * data in and out, so a verb never sees the SDK; providers/payments/stripe.ts implements it with the
 * official `stripe` SDK over the egress policy.
 */

/** A subscription as billing needs it, re-read from the API (never trusted from event order). */
export type SubscriptionState = {
  id: string;
  customerId: string;
  /** Stripe's status: active, trialing, past_due, canceled, unpaid, incomplete, incomplete_expired, paused. */
  status: string;
  /** The first item's price (Echo sells one plan price per subscription). */
  priceId: string | null;
  /** End of the current period (ms), from the first item (`current_period_end` moved there in 2025-03-31.basil). */
  periodEnd: number | null;
  cancelAtPeriodEnd: boolean;
  /** `metadata.tenantId` set at Checkout. */
  tenantId: string | null;
};

/** A verified webhook event: its id (the idempotency key), type and `data.object`. */
export type PaymentEvent = { id: string; type: string; object: Record<string, unknown> };

/** The signature did not verify (or the header is missing or stale): a 400, nothing changes. */
export class WebhookSignatureInvalid extends Error {
  override readonly name = "WebhookSignatureInvalid";
}

/** An invoice as the Billing screen lists it (from Stripe's `invoices.list`). */
export type InvoiceSummary = {
  id: string;
  number: string | null;
  status: string | null;
  /** Smallest currency unit (cents). */
  total: number;
  amountPaid: number;
  currency: string;
  /** Seconds since the epoch → ms. */
  created: number;
  hostedUrl: string | null;
  pdfUrl: string | null;
};

/** A Checkout Session re-read from the API (credit packs are applied from this, not from the event payload). */
export type CheckoutSessionState = {
  id: string;
  mode: string;
  /** `paid` once the money is in (`no_payment_required` never applies to a pack). */
  paymentStatus: string;
  tenantId: string | null;
  customerId: string | null;
  metadata: Record<string, string>;
};

export interface PaymentsPort {
  /** A one-off Checkout payment (mode: payment) for a prepaid credit pack. */
  creditCheckout(input: {
    tenantId: string;
    priceId: string;
    pack: string;
    customerId: string | null;
    successUrl: string;
    cancelUrl: string;
  }): Promise<{ url: string }>;
  checkoutSession(id: string): Promise<CheckoutSessionState>;
  /** The customer's invoices, newest first (one page). */
  invoices(customerId: string, limit: number): Promise<InvoiceSummary[]>;
  /** A Checkout Session for a subscription; `client_reference_id` is the tenant. */
  checkout(input: {
    tenantId: string;
    priceId: string;
    customerId: string | null;
    successUrl: string;
    cancelUrl: string;
  }): Promise<{ url: string }>;
  /** A Customer Portal session (short-lived: created on each click). */
  portal(input: { customerId: string; returnUrl: string }): Promise<{ url: string }>;
  subscription(id: string): Promise<SubscriptionState>;
  /** Verifies `Stripe-Signature` over the raw body; throws WebhookSignatureInvalid. */
  verifyEvent(rawBody: string, signature: string | null): Promise<PaymentEvent>;
  /** One Billing Meters event; `identifier` makes a retry a no-op at Stripe. */
  meterEvent(input: {
    eventName: string;
    customerId: string;
    value: number;
    identifier: string;
    timestamp: number;
  }): Promise<void>;
}
