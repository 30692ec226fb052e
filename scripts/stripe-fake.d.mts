/** A Price the fake account holds: amount in cents, monthly or one-off. */
export type FakePrice = { product: string; unit_amount: number; interval: "month" | null };
export declare const ECHO_PRICES: Record<string, FakePrice>;
export declare function stripeId(prefix: string): string;
export declare function decodeForm(form: URLSearchParams): Record<string, any>;

/** The fields of Stripe's objects the tests read; the objects carry more (see stripe-fake.mjs). */
export type FakeSubscription = {
  id: string;
  object: "subscription";
  customer: string;
  status: string;
  cancel_at_period_end: boolean;
  cancel_at: number | null;
  canceled_at: number | null;
  ended_at: number | null;
  latest_invoice: string | null;
  metadata: Record<string, string>;
  items: {
    object: "list";
    data: {
      id: string;
      price: { id: string };
      current_period_start: number;
      current_period_end: number;
      [field: string]: unknown;
    }[];
    has_more: boolean;
    url: string;
  };
  [field: string]: unknown;
};
export type FakeCheckoutSession = {
  id: string;
  object: "checkout.session";
  mode: "payment" | "subscription";
  status: "open" | "complete" | "expired";
  payment_status: "paid" | "unpaid" | "no_payment_required";
  client_reference_id: string | null;
  customer: string | null;
  subscription: string | null;
  invoice: string | null;
  metadata: Record<string, string>;
  success_url: string;
  cancel_url: string | null;
  url: string;
  [field: string]: unknown;
};
export type FakeInvoice = {
  id: string;
  object: "invoice";
  customer: string;
  created: number;
  [field: string]: unknown;
};
export type FakeEvent = {
  id: string;
  object: "event";
  type: string;
  created: number;
  data: { object: Record<string, unknown>; previous_attributes?: Record<string, unknown> };
  [field: string]: unknown;
};
export type FakeMeterEvent = {
  object: "billing.meter_event";
  event_name: string;
  identifier: string;
  payload: Record<string, string>;
  timestamp: number;
  [field: string]: unknown;
};

/** One POST of a signed event to the receiver: the exact bytes and header, and what it answered (status 0: no answer). */
export type Delivery = {
  eventId: string;
  type: string;
  payload: string;
  header: string;
  at: number;
  status: number;
  body: string;
};

/** A /v1 request the fake received (the tests assert on what Echo asked). */
export type RecordedRequest = {
  method: string;
  path: string;
  query: URLSearchParams;
  form: URLSearchParams;
  headers: Headers;
};

export type StripeFakeState = {
  customers: Map<string, Record<string, unknown> & { id: string }>;
  checkoutSessions: Map<string, FakeCheckoutSession>;
  portalSessions: Map<string, Record<string, unknown> & { id: string; customer: string; url: string }>;
  subscriptions: Map<string, FakeSubscription>;
  invoices: Map<string, FakeInvoice>;
  meterEvents: Map<string, FakeMeterEvent>;
  events: FakeEvent[];
  deliveries: Delivery[];
  requests: RecordedRequest[];
};

export type StripeFakeOptions = {
  /** This server's origin, for the hosted pages' URLs (`<base>/c/pay/<id>`, `<base>/p/session/<id>`). */
  base: string;
  /** The one secret key accepted; default: any `sk_test_…`. */
  apiKey?: string;
  /** Signs webhooks (`whsec_…`); required to emit events to `deliver`. */
  webhookSecret?: string;
  /** Where events go; without it events are only recorded. */
  deliver?: (payload: string, header: string) => Promise<{ status: number; body: string }>;
  /** The account's Prices (default ECHO_PRICES). */
  prices?: Record<string, FakePrice>;
  /** Milliseconds since the epoch (default Date.now). */
  now?: () => number;
  log?: (line: string) => void;
};

export type StripeFake = {
  /** The whole HTTP surface: /v1 API, hosted pages, /_test controls. */
  fetch(request: Request): Promise<Response>;
  state: StripeFakeState;
  /** What pressing Pay does; `deliver: false` records the change without emitting events. */
  pay(
    sessionId: string,
    opts?: { email?: string; deliver?: boolean },
  ): Promise<{ session: FakeCheckoutSession; events: FakeEvent[] }>;
  /** What "Cancel plan" in the Portal does. */
  cancelAtPeriodEnd(subscriptionId: string): Promise<{ subscription: FakeSubscription; events: FakeEvent[] }>;
  /** Portal "Renew plan": a subscription set to cancel keeps renewing (`customer.subscription.updated`). */
  renew(subscriptionId: string): Promise<{ subscription: FakeSubscription; events: FakeEvent[] }>;
  /** Portal "Switch to …": the item's price changes now, the period stays (`customer.subscription.updated`). */
  switchPrice(
    subscriptionId: string,
    priceId: string,
  ): Promise<{ subscription: FakeSubscription; events: FakeEvent[] }>;
  /** Ends the current period of one live subscription, or of all: cancelling ones end, others renew. */
  endPeriod(subscriptionId?: string): Promise<{ ended: string[]; renewed: string[]; events: FakeEvent[] }>;
  /** Sends a delivered event again: the same bytes and header (`exact`, default) or re-signed now. */
  resend(eventId: string, opts?: { exact?: boolean }): Promise<Delivery>;
  /** `Stripe-Signature` for a payload, by the SDK's `generateTestHeaderStringAsync`. */
  sign(payload: string): Promise<string>;
  putSubscription(input: {
    id?: string;
    customer: string;
    price: string;
    status?: string;
    /** Seconds since the epoch. */
    periodEnd?: number;
    cancelAtPeriodEnd?: boolean;
    metadata?: Record<string, string>;
  }): FakeSubscription;
  putInvoice(input: { id: string; customer: string; [field: string]: unknown }): FakeInvoice;
};

export declare function createStripeFake(opts: StripeFakeOptions): StripeFake;
