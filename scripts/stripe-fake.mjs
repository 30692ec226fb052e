// A Stripe-compatible API held in memory: exactly the endpoints Echo's payments adapter calls
// (workers/providers/payments/stripe.ts), the hosted Checkout and Customer Portal pages a person
// clicks through, signed webhooks, and a few `/_test/` controls. One `fetch(Request) → Response`
// handler and no Node built-ins, so the same fake answers inside workerd (the billing tests'
// egress transport) and behind node:http (scripts/stripe-local.mjs, the browser test, a person
// running `npm start` against it). The objects' shapes: stripe-fake-objects.mjs; the pages:
// stripe-fake-pages.mjs.
import Stripe from "stripe";
import {
  addMonth,
  customerObject,
  decodeForm,
  invoiceObject,
  priceObject,
  stripeId,
  subscriptionObject,
} from "./stripe-fake-objects.mjs";
import { checkoutPage, closedPage, invoicePage, portalPage } from "./stripe-fake-pages.mjs";

export { decodeForm, stripeId } from "./stripe-fake-objects.mjs";

/** @typedef {import("./stripe-fake.d.mts").FakeSubscription} FakeSubscription */
/** @typedef {import("./stripe-fake.d.mts").FakeCheckoutSession} FakeCheckoutSession */
/** @typedef {import("./stripe-fake.d.mts").FakeInvoice} FakeInvoice */
/** @typedef {import("./stripe-fake.d.mts").FakeEvent} FakeEvent */

/**
 * The Prices the fake account holds: Echo's catalogue (workers/domain/billing/plans.ts, checked by
 * billing-stripe.test.ts). A Checkout for any other price id is refused as Stripe refuses it.
 * @type {Record<string, {product: string, unit_amount: number, interval: "month" | null}>}
 */
export const ECHO_PRICES = {
  price_echo_pro_monthly: { product: "Echo Pro", unit_amount: 4900, interval: "month" },
  price_echo_enterprise_monthly: { product: "Echo Enterprise", unit_amount: 19900, interval: "month" },
  price_echo_credits_1000: { product: "1,000 AI answers", unit_amount: 1500, interval: null },
  price_echo_credits_5000: { product: "5,000 AI answers", unit_amount: 6000, interval: null },
};

const LIVE_STATUSES = new Set(["active", "trialing", "past_due", "unpaid"]);
/** A form body as text (workerd warns when `.text()` reads a form-encoded body). */
const bodyText = async (req) => new TextDecoder().decode(await req.arrayBuffer());
/** The first group of `re` in `path`, or null. */
const param = (re, path) => re.exec(path)?.[1] ?? null;
/** A subscription's one item (Echo sells one price per subscription). */
const itemOf = (sub) => /** @type {FakeSubscription["items"]["data"][number]} */ (sub.items.data[0]);

/**
 * @param {import("./stripe-fake.d.mts").StripeFakeOptions} opts
 * @returns {import("./stripe-fake.d.mts").StripeFake}
 */
export function createStripeFake(opts) {
  const base = opts.base.replace(/\/$/, "");
  const prices = opts.prices ?? ECHO_PRICES;
  const nowMs = opts.now ?? (() => Date.now());
  const now = () => Math.floor(nowMs() / 1000);
  const cryptoProvider = Stripe.createSubtleCryptoProvider();
  /** @type {import("./stripe-fake.d.mts").StripeFakeState} */
  const state = {
    customers: new Map(),
    checkoutSessions: new Map(),
    portalSessions: new Map(),
    subscriptions: new Map(),
    invoices: new Map(),
    meterEvents: new Map(),
    events: [],
    deliveries: [],
    requests: [],
  };
  /** Idempotency-Key → the request it answered and the answer (Stripe replays it for 24 h). */
  const idempotent = new Map();
  /** What a Checkout Session was created with beyond its API object: the price, `subscription_data`. */
  const sessionInput = new Map();
  let invoiceNumber = 0;

  const priceOf = (id) => priceObject(id, prices[id]);

  function customerFor(id, email) {
    const existing = id ? state.customers.get(id) : undefined;
    if (existing) return existing;
    const customer = customerObject({ id: id ?? stripeId("cus"), email: email ?? null, created: now() });
    state.customers.set(customer.id, customer);
    return customer;
  }

  /** @returns {FakeSubscription} */
  function newSubscription(input) {
    const price = priceOf(input.price) ?? { id: input.price, object: "price" };
    return subscriptionObject({ ...input, id: input.id ?? stripeId("sub"), start: input.start ?? now(), price });
  }

  /**
   * A paid invoice for a price: a subscription's (create or cycle) or a one-off Checkout payment's
   * (`manual`: "unrelated to a subscription" in the reference's list of billing reasons).
   * @param {{customer: any, price: string, subscription: FakeSubscription | null, billingReason: string, periodStart?: number, periodEnd?: number}} input
   * @returns {FakeInvoice}
   */
  function paidInvoice(input) {
    const number = `${input.customer.invoice_prefix}-${String(++invoiceNumber).padStart(4, "0")}`;
    const invoice = invoiceObject({ ...input, base, number, created: now(), spec: prices[input.price] });
    state.invoices.set(invoice.id, invoice);
    return invoice;
  }

  // ---- events and webhooks -------------------------------------------------------------------

  /**
   * Records an event (a snapshot of `object`) and delivers it signed, when a receiver is set.
   * @returns {Promise<FakeEvent>}
   */
  async function emit(type, object, previous) {
    /** @type {FakeEvent} */
    const event = {
      id: stripeId("evt"),
      object: "event",
      api_version: Stripe.API_VERSION,
      created: now(),
      data: { object: structuredClone(object), ...(previous ? { previous_attributes: previous } : {}) },
      livemode: false,
      pending_webhooks: opts.deliver ? 1 : 0,
      request: { id: null, idempotency_key: null },
      type,
    };
    state.events.push(event);
    if (!opts.deliver) return event;
    // Stripe sends the event pretty-printed; the signature covers exactly these bytes
    const payload = JSON.stringify(event, null, 2);
    await deliver(event, payload, await sign(payload));
    return event;
  }

  /** `Stripe-Signature` for a payload, made by the SDK itself (`t=…,v1=…`). */
  async function sign(payload, timestamp = now()) {
    if (!opts.webhookSecret) throw new Error("the Stripe fake has no webhook secret to sign with");
    return Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: opts.webhookSecret,
      timestamp,
      cryptoProvider,
    });
  }

  async function deliver(event, payload, header) {
    /** @type {import("./stripe-fake.d.mts").Delivery} */
    const d = { eventId: event.id, type: event.type, payload, header, at: nowMs(), status: 0, body: "" };
    try {
      const r = await /** @type {NonNullable<typeof opts.deliver>} */ (opts.deliver)(payload, header);
      d.status = r.status;
      d.body = r.body.slice(0, 2000);
    } catch (err) {
      d.body = err instanceof Error ? err.message : String(err);
    }
    state.deliveries.push(d);
    opts.log?.(`webhook ${event.type} ${event.id} → ${d.status || "failed"} ${d.body.slice(0, 200)}`);
    return d;
  }

  /**
   * Sends an event again. `exact`: the recorded bytes and signature header as they were (a replay
   * inside the signature's 5-minute tolerance); otherwise re-signed now, as Stripe's own redelivery
   * of a failed event does (same event id, fresh signature). A redelivery is always signed at a later
   * second than the first delivery, as Stripe's is (it comes minutes to hours later), so its header differs
   * even when the test resends within the same second.
   */
  async function resend(eventId, { exact = true } = {}) {
    const first = state.deliveries.find((d) => d.eventId === eventId);
    if (!first) throw new Error(`no delivery of ${eventId} to resend`);
    const firstAt = Number(/(?:^|,)t=(\d+)/.exec(first.header)?.[1] ?? 0);
    const header = exact ? first.header : await sign(first.payload, Math.max(now(), firstAt + 1));
    const event = { id: eventId, type: first.type };
    return deliver(event, first.payload, header);
  }

  // ---- what the hosted pages and the clock do ------------------------------------------------

  /**
   * Pressing Pay: the session completes; in subscription mode a customer and an active subscription appear.
   * @param {string} sessionId @param {{email?: string, deliver?: boolean}} [o]
   */
  async function pay(sessionId, { email, deliver: send = true } = {}) {
    const session = state.checkoutSessions.get(sessionId);
    if (!session) throw new Error(`no Checkout Session ${sessionId}`);
    if (session.status !== "open") throw new Error(`Checkout Session ${sessionId} is ${session.status}`);
    const created = !session.customer;
    const wantsCustomer = session.mode === "subscription" || session.customer_creation === "always";
    const customer = wantsCustomer || session.customer ? customerFor(session.customer, email) : null;
    const { price, subscriptionData, invoiceCreation } = sessionInput.get(sessionId);
    /** @type {[string, any][]} */
    const out = [];
    if (customer && created) out.push(["customer.created", customer]);
    if (session.mode === "subscription" && customer) {
      const sub = newSubscription({ customer: customer.id, price, metadata: subscriptionData.metadata });
      const invoice = paidInvoice({
        customer,
        price,
        subscription: sub,
        billingReason: "subscription_create",
        periodStart: itemOf(sub).current_period_start,
        periodEnd: itemOf(sub).current_period_end,
      });
      sub.latest_invoice = invoice.id;
      state.subscriptions.set(sub.id, sub);
      Object.assign(session, { subscription: sub.id, invoice: invoice.id });
      out.push(["customer.subscription.created", sub], ["invoice.paid", invoice]);
    } else {
      session.payment_intent = stripeId("pi");
      if (customer && invoiceCreation) {
        const invoice = paidInvoice({ customer, price, subscription: null, billingReason: "manual" });
        session.invoice = invoice.id;
        out.push(["invoice.paid", invoice]);
      }
    }
    Object.assign(session, {
      status: "complete",
      payment_status: "paid",
      customer: customer?.id ?? null,
      customer_details: { email: email ?? customer?.email ?? null, name: null, phone: null, tax_exempt: "none" },
    });
    out.push(["checkout.session.completed", session]);
    const events = [];
    if (send) for (const [type, object] of out) events.push(await emit(type, object));
    return { session, events };
  }

  /** "Cancel plan" in the Portal: the subscription runs to the end of its period, then ends. */
  async function cancelAtPeriodEnd(subscriptionId) {
    const sub = state.subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no subscription ${subscriptionId}`);
    if (sub.cancel_at_period_end || !LIVE_STATUSES.has(sub.status)) return { subscription: sub, events: [] };
    const previous = {
      cancel_at: sub.cancel_at,
      cancel_at_period_end: false,
      canceled_at: sub.canceled_at,
      cancellation_details: sub.cancellation_details,
    };
    Object.assign(sub, {
      cancel_at: itemOf(sub).current_period_end,
      cancel_at_period_end: true,
      canceled_at: now(),
      cancellation_details: { comment: null, feedback: null, reason: "cancellation_requested" },
    });
    return { subscription: sub, events: [await emit("customer.subscription.updated", sub, previous)] };
  }

  /**
   * "Renew plan" in the Portal: a subscription set to cancel at its period end keeps renewing.
   */
  async function renew(subscriptionId) {
    const sub = state.subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no subscription ${subscriptionId}`);
    if (!sub.cancel_at_period_end || !LIVE_STATUSES.has(sub.status)) return { subscription: sub, events: [] };
    const previous = {
      cancel_at: sub.cancel_at,
      cancel_at_period_end: true,
      canceled_at: sub.canceled_at,
      cancellation_details: sub.cancellation_details,
    };
    Object.assign(sub, {
      cancel_at: null,
      cancel_at_period_end: false,
      canceled_at: null,
      cancellation_details: { comment: null, feedback: null, reason: null },
    });
    return { subscription: sub, events: [await emit("customer.subscription.updated", sub, previous)] };
  }

  /**
   * "Switch plan" in the Portal (the portal configuration's `subscription_update` with proration
   * `create_prorations`): the item's price changes at once, the period and its end stay, and the
   * prorated difference waits for the next invoice (no invoice now, as Stripe does by default).
   * Only to another recurring price of the catalogue, on a live subscription not set to cancel.
   */
  async function switchPrice(subscriptionId, priceId) {
    const sub = state.subscriptions.get(subscriptionId);
    if (!sub) throw new Error(`no subscription ${subscriptionId}`);
    const price = priceOf(priceId);
    if (!price?.recurring) throw new Error(`${priceId} is not a recurring price of this account`);
    const item = itemOf(sub);
    if (!LIVE_STATUSES.has(sub.status) || sub.cancel_at_period_end || item.price.id === priceId)
      return { subscription: sub, events: [] };
    const previous = { items: structuredClone(sub.items) };
    item.price = price;
    return { subscription: sub, events: [await emit("customer.subscription.updated", sub, previous)] };
  }

  /**
   * The current period of live subscriptions (one, or all) ends now. The fake cannot move Echo's
   * clock, so the period end comes to the present instead: a subscription set to cancel ends
   * (`canceled`, `customer.subscription.deleted`), any other renews for a month with a paid invoice.
   */
  async function endPeriod(subscriptionId) {
    const subs = subscriptionId
      ? [state.subscriptions.get(subscriptionId)].filter((s) => s !== undefined)
      : [...state.subscriptions.values()];
    if (subscriptionId && !subs.length) throw new Error(`no subscription ${subscriptionId}`);
    const ended = [];
    const renewed = [];
    const events = [];
    for (const sub of subs.filter((s) => LIVE_STATUSES.has(s.status))) {
      const item = itemOf(sub);
      const t = now();
      if (sub.cancel_at_period_end) {
        Object.assign(item, { current_period_end: t });
        Object.assign(sub, { status: "canceled", ended_at: t, cancel_at: t });
        ended.push(sub.id);
        events.push(await emit("customer.subscription.deleted", sub));
        continue;
      }
      const previous = { items: structuredClone(sub.items) };
      Object.assign(item, { current_period_start: t, current_period_end: addMonth(t) });
      const customer = customerFor(sub.customer);
      const invoice = paidInvoice({
        customer,
        price: item.price.id,
        subscription: sub,
        billingReason: "subscription_cycle",
        periodStart: item.current_period_start,
        periodEnd: item.current_period_end,
      });
      sub.latest_invoice = invoice.id;
      renewed.push(sub.id);
      events.push(await emit("invoice.paid", invoice));
      events.push(await emit("customer.subscription.updated", sub, previous));
    }
    return { ended, renewed, events };
  }

  /** Test setup: a subscription as the API will return it (its customer is created when missing). */
  function putSubscription(input) {
    customerFor(input.customer);
    const old = input.id ? state.subscriptions.get(input.id) : undefined;
    const sub = newSubscription({ ...input, start: old?.created });
    state.subscriptions.set(sub.id, sub);
    return sub;
  }

  /** Test setup: an invoice for `invoices.list` (Stripe's names; missing fields filled in). */
  function putInvoice(input) {
    customerFor(input.customer);
    /** @type {FakeInvoice} */
    const invoice = { object: "invoice", created: now(), livemode: false, metadata: {}, parent: null, ...input };
    state.invoices.set(input.id, invoice);
    return invoice;
  }

  // ---- the HTTP surface ----------------------------------------------------------------------

  const json = (status, body, headers = {}) =>
    Response.json(body, { status, headers: { "request-id": stripeId("req"), ...headers } });
  const error = (status, type, message, extra = {}) => json(status, { error: { type, message, ...extra } });
  const missing = (kind, id, param = "id") =>
    error(404, "invalid_request_error", `No such ${kind}: '${id}'`, { code: "resource_missing", param });
  const redirect = (to) => new Response(null, { status: 303, headers: { location: to } });
  const html = (body, status = 200) =>
    new Response(body, {
      status,
      headers: { "content-type": "text/html; charset=utf-8", "cache-control": "no-store" },
    });

  function authorized(req) {
    const auth = req.headers.get("authorization") ?? "";
    const key = auth.startsWith("Bearer ") ? auth.slice(7) : "";
    if (!key)
      return error(401, "invalid_request_error", "You did not provide an API key. Use `Authorization: Bearer sk_…`.");
    const ok = opts.apiKey ? key === opts.apiKey : key.startsWith("sk_test_");
    if (!ok)
      return error(401, "invalid_request_error", `Invalid API Key provided: ${key.slice(0, 8)}****${key.slice(-4)}`);
    return null;
  }

  function createCheckoutSession(p) {
    if (!["payment", "subscription"].includes(p.mode))
      return error(400, "invalid_request_error", "Invalid mode: must be one of payment or subscription", {
        param: "mode",
      });
    if (!p.success_url)
      return error(400, "invalid_request_error", "Missing required param: success_url.", {
        code: "parameter_missing",
        param: "success_url",
      });
    const priceId = p.line_items?.[0]?.price;
    const price = priceOf(priceId);
    if (!price) return missing("price", priceId, "line_items[0][price]");
    if ((p.mode === "subscription") !== (price.type === "recurring"))
      return error(400, "invalid_request_error", `The price ${priceId} cannot be used in ${p.mode} mode.`, {
        param: "line_items[0][price]",
      });
    if (p.customer && !state.customers.has(p.customer)) return missing("customer", p.customer, "customer");
    const id = stripeId("cs_test");
    const created = now();
    /** @type {FakeCheckoutSession} */
    const session = {
      id,
      object: "checkout.session",
      amount_subtotal: price.unit_amount,
      amount_total: price.unit_amount,
      cancel_url: p.cancel_url ?? null,
      client_reference_id: p.client_reference_id ?? null,
      created,
      currency: "usd",
      customer: p.customer ?? null,
      customer_creation: p.mode === "payment" && !p.customer ? (p.customer_creation ?? "if_required") : null,
      customer_details: null,
      customer_email: p.customer_email ?? null,
      expires_at: created + 24 * 3600,
      invoice: null,
      invoice_creation:
        p.mode === "payment" ? { enabled: p.invoice_creation?.enabled === "true", invoice_data: {} } : null,
      livemode: false,
      metadata: p.metadata ?? {},
      mode: p.mode,
      payment_intent: null,
      payment_method_types: ["card"],
      payment_status: "unpaid",
      status: "open",
      subscription: null,
      success_url: p.success_url,
      ui_mode: "hosted",
      url: `${base}/c/pay/${id}`,
    };
    state.checkoutSessions.set(id, session);
    sessionInput.set(id, {
      price: priceId,
      subscriptionData: p.subscription_data ?? {},
      invoiceCreation: p.invoice_creation?.enabled === "true",
    });
    return json(200, session);
  }

  function createPortalSession(p) {
    if (!p.customer)
      return error(400, "invalid_request_error", "Missing required param: customer.", {
        code: "parameter_missing",
        param: "customer",
      });
    if (!state.customers.has(p.customer)) return missing("customer", p.customer, "customer");
    const id = stripeId("bps");
    const session = {
      id,
      object: "billing_portal.session",
      configuration: "bpc_echo_local",
      created: now(),
      customer: p.customer,
      flow: null,
      livemode: false,
      locale: null,
      on_behalf_of: null,
      return_url: p.return_url ?? null,
      url: `${base}/p/session/${id}`,
    };
    state.portalSessions.set(id, session);
    return json(200, session);
  }

  function listInvoices(query) {
    const limit = Math.min(100, Math.max(1, Number(query.get("limit") ?? 10)));
    const customer = query.get("customer");
    const all = [...state.invoices.values()]
      .filter((i) => !customer || i.customer === customer)
      .sort((a, b) => b.created - a.created);
    return json(200, { object: "list", data: all.slice(0, limit), has_more: all.length > limit, url: "/v1/invoices" });
  }

  function createMeterEvent(p) {
    if (!p.event_name || !p.payload)
      return error(400, "invalid_request_error", "Missing required param: event_name or payload.", {
        code: "parameter_missing",
      });
    const identifier = p.identifier ?? stripeId("mev");
    // Stripe enforces an identifier's uniqueness for at least 24 hours: a repeat is not counted again
    const event = state.meterEvents.get(identifier) ?? {
      object: "billing.meter_event",
      created: now(),
      event_name: p.event_name,
      identifier,
      livemode: false,
      payload: p.payload,
      timestamp: p.timestamp ? Number(p.timestamp) : now(),
    };
    state.meterEvents.set(identifier, event);
    return json(200, event);
  }

  /** The REST API under /v1 (API key required; Idempotency-Key honoured on POST). */
  async function api(req, url) {
    const denied = authorized(req);
    if (denied) return denied;
    const raw = req.method === "POST" ? await bodyText(req) : "";
    const form = new URLSearchParams(raw);
    state.requests.push({
      method: req.method,
      path: url.pathname,
      query: url.searchParams,
      form,
      headers: req.headers,
    });
    const key = req.method === "POST" ? req.headers.get("idempotency-key") : null;
    const fingerprint = `${req.method} ${url.pathname} ${raw}`;
    const seen = key ? idempotent.get(key) : undefined;
    if (seen && seen.fingerprint !== fingerprint)
      return error(
        400,
        "idempotency_error",
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
      );
    if (seen) return json(seen.status, seen.body, { "idempotent-replayed": "true" });
    const res = await route(req.method, url, decodeForm(form));
    if (key && res.status < 500)
      idempotent.set(key, { fingerprint, status: res.status, body: await res.clone().json() });
    return res;
  }

  async function route(method, url, p) {
    const path = url.pathname;
    if (method === "POST" && path === "/v1/checkout/sessions") return createCheckoutSession(p);
    const cs = param(/^\/v1\/checkout\/sessions\/(\w+)$/, path);
    if (method === "GET" && cs) {
      const s = state.checkoutSessions.get(cs);
      return s ? json(200, s) : missing("checkout.session", cs);
    }
    if (method === "POST" && path === "/v1/billing_portal/sessions") return createPortalSession(p);
    const sub = param(/^\/v1\/subscriptions\/(\w+)$/, path);
    if (method === "GET" && sub) {
      const s = state.subscriptions.get(sub);
      return s ? json(200, s) : missing("subscription", sub);
    }
    if (method === "GET" && path === "/v1/invoices") return listInvoices(url.searchParams);
    if (method === "POST" && path === "/v1/billing/meter_events") return createMeterEvent(p);
    return error(404, "invalid_request_error", `Unrecognized request URL (${method}: ${path}).`);
  }

  /** The hosted pages a browser visits: Checkout (`/c/pay/:id`) and the Portal (`/p/session/:id`). */
  async function hosted(req, url) {
    const form = new URLSearchParams(req.method === "POST" ? await bodyText(req) : "");
    const cs = param(/^\/c\/pay\/(cs_test_\w+)$/, url.pathname);
    if (cs) {
      const session = state.checkoutSessions.get(cs);
      if (!session) return html(closedPage("This Checkout Session does not exist."), 404);
      if (session.status !== "open")
        return html(closedPage("This Checkout Session is no longer open.", session.success_url), 409);
      if (req.method === "GET") return html(checkoutPage(session, prices[sessionInput.get(session.id).price]));
      await pay(session.id, { email: form.get("email") || undefined });
      return redirect(session.success_url);
    }
    const inv = param(/^\/i\/(in_\w+)$/, url.pathname);
    if (req.method === "GET" && inv) {
      const invoice = state.invoices.get(inv);
      return invoice ? html(invoicePage(invoice)) : html(closedPage("This invoice does not exist."), 404);
    }
    const portal = /^\/p\/session\/(bps_\w+)(?:\/(cancel|renew|switch))?$/.exec(url.pathname);
    if (portal) {
      const [, id, action] = portal;
      const session = state.portalSessions.get(id ?? "");
      if (!session) return html(closedPage("This Portal session does not exist."), 404);
      const subs = [...state.subscriptions.values()].filter((s) => s.customer === session.customer);
      if (req.method === "GET" && !action) return html(portalPage(session, subs, prices));
      if (req.method === "POST" && action) {
        const target = subs.find((s) => s.id === form.get("subscription"));
        if (!target) return html(closedPage("No such subscription for this customer."), 404);
        if (action === "cancel") await cancelAtPeriodEnd(target.id);
        else if (action === "renew") await renew(target.id);
        else {
          const price = form.get("price") ?? "";
          if (!prices[price]?.interval) return html(closedPage("No such plan to switch to."), 404);
          await switchPrice(target.id, price);
        }
        return redirect(session.return_url ?? `${base}/p/session/${session.id}`);
      }
    }
    return null;
  }

  /** `/_test/…`: the controls a test or a person uses where Stripe has a dashboard or a test clock. */
  async function controls(req, url) {
    if (req.method === "GET" && url.pathname === "/_test/events")
      return json(200, {
        data: state.events.map((e) => ({
          id: e.id,
          type: e.type,
          created: e.created,
          deliveries: state.deliveries
            .filter((d) => d.eventId === e.id)
            .map(({ status, body, at }) => ({ status, body, at })),
        })),
      });
    const re = param(/^\/_test\/events\/(evt_\w+)\/resend$/, url.pathname);
    if (req.method === "POST" && re) {
      if (!state.deliveries.some((d) => d.eventId === re)) return missing("event delivery", re);
      const d = await resend(re, { exact: url.searchParams.get("resign") !== "true" });
      return json(200, { eventId: d.eventId, status: d.status, body: d.body });
    }
    if (req.method === "POST" && url.pathname === "/_test/advance") {
      const id = url.searchParams.get("subscription") ?? undefined;
      if (id && !state.subscriptions.has(id)) return missing("subscription", id);
      const r = await endPeriod(id);
      return json(200, {
        ended: r.ended,
        renewed: r.renewed,
        events: r.events.map((e) => ({ id: e.id, type: e.type })),
      });
    }
    return null;
  }

  async function fetch(req) {
    const url = new URL(req.url);
    if (url.pathname.startsWith("/v1/")) return api(req, url);
    const page = url.pathname.startsWith("/_test/") ? await controls(req, url) : await hosted(req, url);
    if (page) return page;
    if (req.method === "GET" && url.pathname === "/")
      return new Response(
        "A local Stripe-compatible server for Echo (scripts/stripe-local.mjs).\nGET /_test/events · POST /_test/events/<evt id>/resend[?resign=true] · POST /_test/advance[?subscription=<sub id>]\n",
        { headers: { "content-type": "text/plain; charset=utf-8" } },
      );
    return error(404, "invalid_request_error", `Unrecognized request URL (${req.method}: ${url.pathname}).`);
  }

  return {
    fetch,
    state,
    pay,
    cancelAtPeriodEnd,
    renew,
    switchPrice,
    endPeriod,
    resend,
    sign,
    putSubscription,
    putInvoice,
  };
}
