import Stripe from "stripe";
import {
  WebhookSignatureInvalid,
  type PaymentEvent,
  type PaymentsPort,
  type SubscriptionState,
} from "../../contracts/payments";
import { sha256Hex } from "../../lib/crypto";
import { egressFetcher, egressPolicyOf } from "../../lib/egress";
import { Unavailable } from "../../lib/errors";

/** Stripe answers are small JSON objects; a cap guards against a misbehaving STRIPE_API_BASE. */
const MAX_STRIPE_BYTES = 1024 * 1024;
const STRIPE_TIMEOUT_MS = 20_000;

/**
 * The Idempotency-Key of a Checkout Session: the same request inside the same minute (a double
 * click) gets the same session. Stripe refuses a key reused with other parameters (400
 * `idempotency_error`), and a workspace's next Checkout can differ from its last one inside a minute
 * (the first purchase created its customer), so a digest of the parameters is part of the key.
 */
async function checkoutKey(kind: string, tenantId: string, params: object) {
  const digest = (await sha256Hex(JSON.stringify(params))).slice(0, 16);
  return `${kind}:${tenantId}:${Math.floor(Date.now() / 60_000)}:${digest}`;
}

/**
 * A Stripe that fails or cannot be reached is a 503 the caller may retry (CONVENTIONS §4; a webhook
 * answered 503 is redelivered by Stripe), never a 500. Stripe's message stays in the log (`cause`).
 */
async function upstream<T>(what: string, call: () => Promise<T>): Promise<T> {
  try {
    return await call();
  } catch (err) {
    if (!(err instanceof Stripe.errors.StripeError)) throw err;
    const status = err.statusCode ? `, HTTP ${err.statusCode}` : "";
    throw new Unavailable(`Stripe could not ${what} (${err.type}${status}); try again`, err);
  }
}

export type StripeSettings = {
  secretKey: string;
  webhookSecret: string;
  /** A Stripe-compatible server (`http://127.0.0.1:12111`) instead of api.stripe.com. */
  apiBase?: string;
  environment: string;
  allowPrivateEgress: boolean;
};

/**
 * The payments port on the official SDK. Every request leaves through the egress policy: the SDK's
 * fetch client is handed `egressFetcher` (lib/egress.ts), so STRIPE_API_BASE on loopback works only
 * with ALLOW_PRIVATE_EGRESS=true, exactly like every other outbound call. Webhooks verify with
 * `constructEventAsync` and the SubtleCrypto provider (Workers has no sync HMAC).
 */
export function stripePayments(s: StripeSettings): PaymentsPort {
  const policy = egressPolicyOf({ environment: s.environment, allowPrivateEgress: s.allowPrivateEgress });
  const base = s.apiBase ? new URL(s.apiBase) : undefined;
  const stripe = new Stripe(s.secretKey, {
    httpClient: Stripe.createFetchHttpClient(
      egressFetcher(policy, { maxBytes: MAX_STRIPE_BYTES, timeoutMs: STRIPE_TIMEOUT_MS }),
    ),
    maxNetworkRetries: 1,
    timeout: STRIPE_TIMEOUT_MS,
    telemetry: false,
    ...(base
      ? {
          host: base.hostname,
          port: base.port || (base.protocol === "http:" ? 80 : 443),
          protocol: base.protocol === "http:" ? ("http" as const) : ("https" as const),
        }
      : {}),
  });
  const crypto = Stripe.createSubtleCryptoProvider();
  return {
    async checkout(i) {
      const params = {
        mode: "subscription" as const,
        line_items: [{ price: i.priceId, quantity: 1 }],
        client_reference_id: i.tenantId,
        ...(i.customerId ? { customer: i.customerId } : {}),
        metadata: { tenantId: i.tenantId },
        subscription_data: { metadata: { tenantId: i.tenantId } },
        success_url: i.successUrl,
        cancel_url: i.cancelUrl,
      };
      const idempotencyKey = await checkoutKey("checkout", i.tenantId, params);
      const session = await upstream("open Checkout", () =>
        stripe.checkout.sessions.create(params, { idempotencyKey }),
      );
      if (!session.url) throw new Error("Stripe returned a Checkout Session without a url");
      return { url: session.url };
    },
    async creditCheckout(i) {
      const params = {
        mode: "payment" as const,
        line_items: [{ price: i.priceId, quantity: 1 }],
        client_reference_id: i.tenantId,
        ...(i.customerId ? { customer: i.customerId } : { customer_creation: "always" as const }),
        metadata: { tenantId: i.tenantId, kind: "credits", pack: i.pack },
        invoice_creation: { enabled: true },
        success_url: i.successUrl,
        cancel_url: i.cancelUrl,
      };
      const idempotencyKey = await checkoutKey("credits", i.tenantId, params);
      const session = await upstream("open Checkout", () =>
        stripe.checkout.sessions.create(params, { idempotencyKey }),
      );
      if (!session.url) throw new Error("Stripe returned a Checkout Session without a url");
      return { url: session.url };
    },
    async checkoutSession(id) {
      const s = await upstream("read the Checkout Session", () => stripe.checkout.sessions.retrieve(id));
      const customer = s.customer;
      return {
        id: s.id,
        mode: s.mode,
        paymentStatus: s.payment_status,
        tenantId: s.client_reference_id ?? s.metadata?.tenantId ?? null,
        customerId: typeof customer === "string" ? customer : (customer?.id ?? null),
        metadata: { ...(s.metadata ?? {}) },
      };
    },
    async invoices(customerId, limit) {
      const page = await upstream("list invoices", () => stripe.invoices.list({ customer: customerId, limit }));
      return page.data.map((inv) => ({
        id: inv.id ?? "",
        number: inv.number ?? null,
        status: inv.status ?? null,
        total: inv.total,
        amountPaid: inv.amount_paid,
        currency: inv.currency,
        created: inv.created * 1000,
        hostedUrl: inv.hosted_invoice_url ?? null,
        pdfUrl: inv.invoice_pdf ?? null,
      }));
    },
    async portal(i) {
      const session = await upstream("open the Customer Portal", () =>
        stripe.billingPortal.sessions.create({ customer: i.customerId, return_url: i.returnUrl }),
      );
      return { url: session.url };
    },
    async subscription(id) {
      return subscriptionState(await upstream("read the subscription", () => stripe.subscriptions.retrieve(id)));
    },
    async verifyEvent(rawBody, signature): Promise<PaymentEvent> {
      if (!signature) throw new WebhookSignatureInvalid("the Stripe-Signature header is missing");
      try {
        const event = await stripe.webhooks.constructEventAsync(rawBody, signature, s.webhookSecret, undefined, crypto);
        return { id: event.id, type: event.type, object: event.data.object as unknown as Record<string, unknown> };
      } catch (err) {
        throw new WebhookSignatureInvalid(err instanceof Error ? err.message : "signature check failed");
      }
    },
    async meterEvent(i) {
      await upstream("record a meter event", () =>
        stripe.billing.meterEvents.create(
          {
            event_name: i.eventName,
            payload: { stripe_customer_id: i.customerId, value: String(i.value) },
            identifier: i.identifier,
            timestamp: Math.floor(i.timestamp / 1000),
          },
          { idempotencyKey: `meter:${i.identifier}` },
        ),
      );
    },
  };
}

function subscriptionState(sub: Stripe.Subscription): SubscriptionState {
  const item = sub.items.data[0];
  return {
    id: sub.id,
    customerId: typeof sub.customer === "string" ? sub.customer : sub.customer.id,
    status: sub.status,
    priceId: item?.price.id ?? null,
    periodEnd: item?.current_period_end ? item.current_period_end * 1000 : null,
    cancelAtPeriodEnd: sub.cancel_at_period_end,
    tenantId: sub.metadata?.tenantId ?? null,
  };
}
