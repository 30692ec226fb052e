// The objects of the local Stripe fake (scripts/stripe-fake.mjs), built as Stripe's API returns them:
// field names and types from the API reference and the `stripe` SDK's types (generated from
// Stripe's OpenAPI description). Each carries the fields Echo or the SDK read and the common scalar
// ones; nested settings Echo never reads (tax, payment method options, branding…) are left out.

/** @typedef {import("./stripe-fake.d.mts").FakeSubscription} FakeSubscription */
/** @typedef {import("./stripe-fake.d.mts").FakeInvoice} FakeInvoice */
/** @typedef {import("./stripe-fake.d.mts").FakePrice} FakePrice */

const ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
/** @param {number} n */
export const randomChars = (n) =>
  Array.from(crypto.getRandomValues(new Uint8Array(n)), (b) => ALPHABET[b % 62]).join("");
/** A Stripe-looking id: `cus_…`, `sub_…`, `cs_test_…` (random, 24 characters after the prefix). */
export const stripeId = (prefix) => `${prefix}_${randomChars(24)}`;

/**
 * Stripe's form encoding (`a[b][0][c]=v`) back into objects and arrays; values stay strings, as
 * Stripe receives them.
 * @param {URLSearchParams} form
 * @returns {Record<string, any>}
 */
export function decodeForm(form) {
  /** @type {Record<string, any>} */
  const out = {};
  for (const [key, value] of form) {
    const path = key.replace(/\]/g, "").split("[");
    let node = out;
    path.forEach((part, i) => {
      if (i === path.length - 1) node[part] = value;
      else node = node[part] ??= /^\d+$/.test(path[i + 1] ?? "") ? [] : {};
    });
  }
  return out;
}

/** One calendar month after `seconds` (Stripe's monthly interval; the day clamps to the month's end). */
export function addMonth(seconds) {
  const d = new Date(seconds * 1000);
  const day = d.getUTCDate();
  d.setUTCDate(1);
  d.setUTCMonth(d.getUTCMonth() + 1);
  const last = new Date(Date.UTC(d.getUTCFullYear(), d.getUTCMonth() + 1, 0)).getUTCDate();
  d.setUTCDate(Math.min(day, last));
  return Math.floor(d.getTime() / 1000);
}

const productOf = (priceId) => `prod_${priceId.replace(/^price_/, "")}`;

/** A Price (null when the account has none of that id). @param {string} id @param {FakePrice | undefined} spec */
export function priceObject(id, spec) {
  if (!spec) return null;
  return {
    id,
    object: "price",
    active: true,
    billing_scheme: "per_unit",
    created: 1_767_225_600,
    currency: "usd",
    livemode: false,
    lookup_key: null,
    metadata: {},
    nickname: null,
    product: productOf(id),
    recurring: spec.interval
      ? { interval: spec.interval, interval_count: 1, meter: null, trial_period_days: null, usage_type: "licensed" }
      : null,
    tax_behavior: "unspecified",
    type: spec.interval ? "recurring" : "one_time",
    unit_amount: spec.unit_amount,
    unit_amount_decimal: String(spec.unit_amount),
  };
}

/** @param {{id: string, email: string | null, created: number}} c */
export function customerObject({ id, email, created }) {
  return {
    id,
    object: "customer",
    balance: 0,
    created,
    currency: null,
    default_source: null,
    delinquent: false,
    description: null,
    email,
    invoice_prefix: randomChars(8).toUpperCase(),
    livemode: false,
    metadata: {},
    name: null,
    phone: null,
    preferred_locales: [],
    tax_exempt: "none",
    test_clock: null,
  };
}

/**
 * A subscription as `GET /v1/subscriptions/:id` returns it, with one item; the period sits on the
 * item (`current_period_*` moved there in 2025-03-31.basil).
 * @param {{id: string, customer: string, price: {id: string}, start: number, periodEnd?: number, status?: string, cancelAtPeriodEnd?: boolean, metadata?: Record<string, string>}} s
 * @returns {FakeSubscription}
 */
export function subscriptionObject(s) {
  const periodEnd = s.periodEnd ?? addMonth(s.start);
  return {
    id: s.id,
    object: "subscription",
    application: null,
    billing_cycle_anchor: s.start,
    cancel_at: s.cancelAtPeriodEnd ? periodEnd : null,
    cancel_at_period_end: s.cancelAtPeriodEnd ?? false,
    canceled_at: null,
    cancellation_details: { comment: null, feedback: null, reason: null },
    collection_method: "charge_automatically",
    created: s.start,
    currency: "usd",
    customer: s.customer,
    days_until_due: null,
    default_payment_method: null,
    description: null,
    discounts: [],
    ended_at: null,
    items: {
      object: "list",
      data: [
        {
          id: stripeId("si"),
          object: "subscription_item",
          created: s.start,
          current_period_end: periodEnd,
          current_period_start: s.start,
          discounts: [],
          metadata: {},
          price: s.price,
          quantity: 1,
          subscription: s.id,
          tax_rates: [],
        },
      ],
      has_more: false,
      url: `/v1/subscription_items?subscription=${s.id}`,
    },
    latest_invoice: null,
    livemode: false,
    metadata: s.metadata ?? {},
    pause_collection: null,
    schedule: null,
    start_date: s.start,
    status: s.status ?? "active",
    test_clock: null,
    trial_end: null,
    trial_start: null,
  };
}

/**
 * A paid invoice for one price; `hosted_invoice_url` is the fake's own invoice page.
 * @param {{base: string, number: string, created: number, customer: {id: string, email: string | null, name: string | null}, price: string, spec: FakePrice | undefined, subscription: FakeSubscription | null, billingReason: string, periodStart?: number, periodEnd?: number}} i
 * @returns {FakeInvoice}
 */
export function invoiceObject(i) {
  const amount = i.spec?.unit_amount ?? 0;
  const id = stripeId("in");
  const start = i.periodStart ?? i.created;
  const end = i.periodEnd ?? i.created;
  return {
    id,
    object: "invoice",
    amount_due: amount,
    amount_paid: amount,
    amount_remaining: 0,
    attempt_count: 1,
    attempted: true,
    billing_reason: i.billingReason,
    collection_method: "charge_automatically",
    created: i.created,
    currency: "usd",
    customer: i.customer.id,
    customer_email: i.customer.email,
    customer_name: i.customer.name,
    description: null,
    hosted_invoice_url: `${i.base}/i/${id}`,
    invoice_pdf: null,
    lines: {
      object: "list",
      data: [
        {
          id: stripeId("il"),
          object: "line_item",
          amount,
          currency: "usd",
          description: `1 × ${i.spec?.product ?? i.price}`,
          period: { start, end },
          pricing: { price_details: { price: i.price, product: productOf(i.price) }, type: "price_details" },
          quantity: 1,
        },
      ],
      has_more: false,
      url: `/v1/invoices/${id}/lines`,
    },
    livemode: false,
    metadata: {},
    number: i.number,
    parent: i.subscription
      ? {
          quote_details: null,
          subscription_details: { metadata: i.subscription.metadata, subscription: i.subscription.id },
          type: "subscription_details",
        }
      : null,
    period_end: end,
    period_start: start,
    status: "paid",
    status_transitions: { finalized_at: i.created, marked_uncollectible_at: null, paid_at: i.created, voided_at: null },
    subtotal: amount,
    total: amount,
  };
}
