import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import Stripe from "stripe";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import worker from "../index";
import { requestCtx } from "../compose";
import { reportUsageToStripe } from "../domain/billing/report-usage";
import { recordUsage } from "../domain/billing/usage";
import { createDb } from "../storage/db";
import { reposOf } from "../storage/repos";
import { setEgressTransport } from "../lib/egress";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { sign } from "../lib/signatures";
import { APP_SECRET, inboundText, PNID, TOKEN, VERIFY } from "../test/whatsapp-meta";
import { createStripeFake, ECHO_PRICES } from "../../scripts/stripe-fake.mjs";
import { CREDIT_PACKS, PLANS } from "../domain/billing/plans";

/**
 * Billing with Stripe, through the official SDK: its requests leave through the egress policy to
 * STRIPE_API_BASE on loopback, where the local Stripe-compatible server (scripts/stripe-fake.mjs,
 * shapes from Stripe's API reference; the same one scripts/stripe-local.mjs serves to the browser
 * test) answers in-process through the egress transport seam. Webhooks are signed with the SDK's
 * own `generateTestHeaderStringAsync`; nothing leaves this machine.
 */

const SECRET = "whsec_test_secret";
const stripeEnv = {
  ...env,
  STRIPE_SECRET_KEY: "sk_test_echo",
  STRIPE_WEBHOOK_SECRET: SECRET,
  STRIPE_API_BASE: "http://127.0.0.1:12111",
  ALLOW_PRIVATE_EGRESS: "true",
} as Env;

/** Calls the Worker with Stripe configured. */
async function callS(path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  const ctx = createExecutionContext();
  const request = new Request(`http://echo.test${path}`, { ...init, headers, body }) as Request<
    unknown,
    IncomingRequestCfProperties
  >;
  const res = await worker.fetch(request, stripeEnv, ctx);
  await waitOnExecutionContext(ctx);
  return res;
}

const STRIPE_BASE = "http://127.0.0.1:12111";
/**
 * The Stripe-compatible server the browser test and `npm start` use too (scripts/stripe-fake.mjs),
 * answering in-process here. Test setup writes its state directly, as a change made at Stripe.
 */
const stripe = createStripeFake({ base: STRIPE_BASE, apiKey: "sk_test_echo" });
const requests = stripe.state.requests;
let restore: () => void;

type Sub = { customer: string; status: string; price: string; periodEnd: number; cancel: boolean; tenantId: string };
/** The subscription Stripe returns for `id` from now on (`periodEnd` in ms); unnamed fields keep their value. */
function setSub(id: string, s: Partial<Sub>) {
  const old = stripe.state.subscriptions.get(id);
  const item = old?.items.data[0];
  const tenantId = s.tenantId ?? old?.metadata.tenantId;
  stripe.putSubscription({
    id,
    customer: s.customer ?? old!.customer,
    price: s.price ?? item!.price.id,
    status: s.status ?? old?.status ?? "active",
    periodEnd: s.periodEnd !== undefined ? Math.floor(s.periodEnd / 1000) : item!.current_period_end,
    cancelAtPeriodEnd: s.cancel ?? old?.cancel_at_period_end ?? false,
    metadata: tenantId ? { tenantId } : {},
  });
}

beforeEach(() => {
  requests.length = 0;
  restore = setEgressTransport(async (req) =>
    new URL(req.url).origin === STRIPE_BASE ? stripe.fetch(req) : new Response("not stripe", { status: 599 }),
  );
});
afterEach(() => restore());

const signer = new Stripe("sk_test_signer", {
  httpClient: Stripe.createFetchHttpClient(() => Promise.reject(new Error("no network"))),
});
const subtle = Stripe.createSubtleCryptoProvider();

async function sendEvent(event: object, opts: { tamper?: boolean; timestamp?: number } = {}) {
  const payload = JSON.stringify(event);
  const header = await signer.webhooks.generateTestHeaderStringAsync({
    payload,
    secret: SECRET,
    cryptoProvider: subtle,
    ...(opts.timestamp ? { timestamp: opts.timestamp } : {}),
  });
  const body = opts.tamper ? payload.replace("sub_", "sub_X") : payload;
  return callS("/hooks/stripe", {
    method: "POST",
    body,
    headers: { "stripe-signature": header, "content-type": "application/json" },
  });
}

let n = 0;
const event = (type: string, object: Record<string, unknown>) => ({
  id: `evt_${++n}_${crypto.randomUUID().slice(0, 8)}`,
  object: "event",
  type,
  created: Math.floor(Date.now() / 1000),
  data: { object },
});

const billing = async (t: TestTenant) => expectJson(callS("/api/billing", { token: t.token }), 200);
const DAY = 86_400_000;

/** A tenant with a live Pro subscription applied through a signed webhook. */
async function proTenant() {
  const t = await makeTenant();
  const id = `sub_${crypto.randomUUID().slice(0, 12).replace(/-/g, "")}`;
  const customer = `cus_${id.slice(4)}`;
  setSub(id, {
    customer,
    status: "active",
    price: "price_echo_pro_monthly",
    periodEnd: Date.now() + 20 * DAY,
    tenantId: t.tenantId,
  });
  await expectJson(sendEvent(event("customer.subscription.created", { id, object: "subscription", customer })), 200);
  return { t, id, customer };
}

describe("the local Stripe server", () => {
  it("holds exactly the catalogue's Stripe prices, at the catalogue's amounts", () => {
    const catalogue = [
      ...Object.values(PLANS).flatMap((p) => (p.stripePriceId ? [[p.stripePriceId, p.priceCents, "month"]] : [])),
      ...Object.values(CREDIT_PACKS).map((p) => [p.stripePriceId, p.priceCents, null]),
    ];
    const fake = Object.entries(ECHO_PRICES).map(([id, p]) => [id, p.unit_amount, p.interval]);
    expect(fake.sort()).toEqual(catalogue.sort());
  });
});

describe("Stripe webhook signatures", () => {
  it("the SDK's test header matches the published HMAC vector (whsec_test_secret, t=1700000000)", async () => {
    const payload = JSON.stringify({ id: "evt_test_webhook", object: "event" }, null, 2);
    const header = await signer.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: SECRET,
      timestamp: 1700000000,
      cryptoProvider: subtle,
    });
    expect(header).toBe("t=1700000000,v1=4f1cd7feda9826e746b7d482c4badebb657398df1099e1046364f6196a230150");
  });

  it("refuses a tampered body, a missing header and a stale timestamp with 400, changing nothing", async () => {
    const t = await makeTenant();
    const id = "sub_tamper1";
    setSub(id, {
      customer: "cus_tamper1",
      status: "active",
      price: "price_echo_enterprise_monthly",
      periodEnd: Date.now() + DAY,
      tenantId: t.tenantId,
    });
    const ev = event("customer.subscription.created", { id, customer: "cus_tamper1" });
    const bad = await expectJson(sendEvent(ev, { tamper: true }), 400);
    expect(bad.code).toBe("INVALID_REQUEST");
    await expectJson(callS("/hooks/stripe", { method: "POST", body: JSON.stringify(ev) }), 400);
    await expectJson(sendEvent(ev, { timestamp: Math.floor(Date.now() / 1000) - 3600 }), 400);
    expect(requests.filter((r) => r.path.startsWith("/v1/subscriptions"))).toEqual([]);
    expect((await billing(t)).plan).toBe("free");
    // the same event, correctly signed, is then applied (it was not marked handled by the refusals)
    await expectJson(sendEvent(ev), 200);
    expect((await billing(t)).plan).toBe("enterprise");
  });
});

describe("subscription events", () => {
  it("apply the plan re-read from the API: Pro lifts the limit to 5,000; a replay changes nothing", async () => {
    const { t, id, customer } = await proTenant();
    const b = await billing(t);
    expect(b).toMatchObject({ plan: "pro", status: "active", mode: "stripe", usage: { aiAnswers: { limit: 5000 } } });
    // the same event id again, even with the subscription since changed at Stripe: no second effect
    const ev = event("customer.subscription.updated", { id, customer });
    await expectJson(sendEvent(ev), 200);
    setSub(id, { price: "price_echo_enterprise_monthly" });
    const reads = requests.filter((r) => r.path === `/v1/subscriptions/${id}`).length;
    const again = await expectJson(sendEvent(ev), 200);
    expect(again).toMatchObject({ received: true, duplicate: true });
    expect(requests.filter((r) => r.path === `/v1/subscriptions/${id}`).length).toBe(reads);
    expect((await billing(t)).plan).toBe("pro");
  });

  it("trusts the API over event order: a late 'updated' after 'deleted' cannot bring the plan back", async () => {
    const { t, id, customer } = await proTenant();
    setSub(id, { status: "canceled", periodEnd: Date.now() - DAY });
    await expectJson(sendEvent(event("customer.subscription.deleted", { id, customer, status: "canceled" })), 200);
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer, status: "active" })), 200);
    expect(await billing(t)).toMatchObject({ plan: "free", status: "canceled", usage: { aiAnswers: { limit: 100 } } });
  });

  it("keeps a cancelled plan until its period ends; a failed payment shows the dunning state", async () => {
    const { t, id, customer } = await proTenant();
    setSub(id, { cancel: true });
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer })), 200);
    expect(await billing(t)).toMatchObject({ plan: "pro", cancelAtPeriodEnd: true });
    setSub(id, { status: "past_due", cancel: false });
    const inv = { id: "in_1", object: "invoice", customer, parent: { subscription_details: { subscription: id } } };
    await expectJson(sendEvent(event("invoice.payment_failed", inv)), 200);
    expect(await billing(t)).toMatchObject({ plan: "pro", status: "past_due", paymentIssue: true });
    setSub(id, { status: "active" });
    await expectJson(sendEvent(event("invoice.paid", inv)), 200);
    expect(await billing(t)).toMatchObject({ plan: "pro", status: "active", paymentIssue: false });
  });

  it("links Checkout to the tenant by client_reference_id", async () => {
    const t = await makeTenant();
    setSub("sub_checkout1", {
      customer: "cus_checkout1",
      status: "active",
      price: "price_echo_pro_monthly",
      periodEnd: Date.now() + DAY,
    });
    const session = {
      id: "cs_1",
      object: "checkout.session",
      client_reference_id: t.tenantId,
      customer: "cus_checkout1",
      subscription: "sub_checkout1",
    };
    await expectJson(sendEvent(event("checkout.session.completed", session)), 200);
    expect(await billing(t)).toMatchObject({ plan: "pro", status: "active" });
  });

  it("acknowledges event types it does not handle without reading anything", async () => {
    const r = await expectJson(sendEvent(event("customer.created", { id: "cus_x" })), 200);
    expect(r).toMatchObject({ received: true, ignored: true });
    expect(requests).toEqual([]);
  });
});

describe("plan-gated channels and features (billing on)", () => {
  const whatsapp = (t: TestTenant) =>
    callS("/api/channels/whatsapp", {
      method: "POST",
      token: t.token,
      json: { botId: t.botId, phoneNumberId: PNID, accessToken: TOKEN, appSecret: APP_SECRET, verifyToken: VERIFY },
    });
  const sso = (t: TestTenant, required = false) =>
    callS("/api/settings/sso", {
      method: "PUT",
      token: t.token,
      json: {
        issuer: "http://127.0.0.1:9/oidc",
        clientId: "echo",
        clientSecret: "a-client-secret",
        allowedDomains: ["example.test"],
        required,
      },
    });
  const channelCount = async (tenantId: string) =>
    (await env.DB.prepare("select count(*) n from whatsapp_channels where tenant_id = ?")
      .bind(tenantId)
      .first<{ n: number }>())!.n;

  it("refuses Free WhatsApp and SSO with a 403 naming the plan and the limit, storing nothing; Pro gets WhatsApp, not SSO", async () => {
    const free = await makeTenant();
    const b = await billing(free);
    expect(b.planLocks).toBe(true);
    expect(
      b.plans.map((p: { id: string; channels: string[]; features: string[] }) => [
        p.id,
        p.channels.includes("whatsapp"),
        p.features.includes("sso"),
      ]),
    ).toEqual([
      ["free", false, false],
      ["pro", true, false],
      ["enterprise", true, true],
    ]);
    const w = await expectJson(whatsapp(free), 403);
    expect(w).toMatchObject({ code: "PLAN_LIMIT", plan: "free", limit: "channel:whatsapp", upgrade: "/app/billing" });
    expect(await channelCount(free.tenantId)).toBe(0);
    expect(await expectJson(sso(free), 403)).toMatchObject({ plan: "free", limit: "feature:sso" });
    await expectJson(callS("/api/settings/sso", { token: free.token }), 404);

    const { t: pro } = await proTenant();
    await expectJson(whatsapp(pro), 201);
    expect(await channelCount(pro.tenantId)).toBe(1);
    expect(await expectJson(sso(pro), 403)).toMatchObject({ plan: "pro", limit: "feature:sso" });
    // without Stripe (the fixtures' plain env) nothing can be bought, so nothing is locked
    await expectJson(
      call("/api/channels/whatsapp", {
        method: "POST",
        token: free.token,
        json: {
          botId: free.botId,
          phoneNumberId: PNID,
          accessToken: TOKEN,
          appSecret: APP_SECRET,
          verifyToken: VERIFY,
        },
      }),
      201,
    );
  });

  it("after a downgrade: 'SSO required' stops locking members out, SSO sign-in is refused, WhatsApp goes to a person", async () => {
    const { t, id, customer } = await proTenant();
    setSub(id, { price: "price_echo_enterprise_monthly" });
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer })), 200);
    expect((await billing(t)).plan).toBe("enterprise");
    const agent = await addMember(t, "agent");
    await expectJson(sso(t, true), 200);
    const login = () =>
      callS("/api/auth/login", {
        method: "POST",
        json: { email: agent.email, password: "another long password", tenantId: t.tenantId },
      });
    await expectJson(login(), 403);
    const channel = await expectJson(whatsapp(t), 201);

    setSub(id, { status: "canceled", periodEnd: Date.now() - DAY });
    await expectJson(sendEvent(event("customer.subscription.deleted", { id, customer, status: "canceled" })), 200);
    expect((await billing(t)).plan).toBe("free");
    await expectJson(login(), 200);
    const start = await expectJson(callS(`/api/auth/sso/start?workspace=${t.tenantId}`), 403);
    expect(start).toMatchObject({ plan: "free", limit: "feature:sso" });

    // a customer writes to the number connected before: kept, and handed to a person, not answered by the AI
    const raw = inboundText("15550001111", "wamid.DOWNGRADED1", "Where is my order?");
    await expectJson(
      callS(`/hooks/whatsapp/${channel.id}`, {
        method: "POST",
        body: raw,
        headers: { "content-type": "application/json", "x-hub-signature-256": await sign.hub256(APP_SECRET, raw) },
      }),
      200,
    );
    const row = await eventually(
      () =>
        env.DB.prepare(
          "select mode, meta, message_count n from conversations where tenant_id = ? and channel = 'whatsapp'",
        )
          .bind(t.tenantId)
          .first<{ mode: string; meta: string; n: number }>(),
      (r) => r?.mode === "human",
    );
    expect(row!.meta).toContain("quota");
    const roles = await eventually(
      async () =>
        (
          await env.DB.prepare(
            "select m.role, m.text from messages m join conversations c on c.id = m.conversation_id where c.tenant_id = ? order by m.seq",
          )
            .bind(t.tenantId)
            .all<{ role: string; text: string }>()
        ).results,
      (r) => r.length === row!.n,
    );
    expect(roles.filter((r) => r.role === "visitor").map((r) => r.text)).toEqual(["Where is my order?"]);
    expect(roles.map((r) => r.role)).not.toContain("ai");
  });
});

describe("white-label", () => {
  it("white-label: the widget session carries the 'Powered by Echo' link on Free and Pro, none on Enterprise or with billing off", async () => {
    const session = async (t: TestTenant, viaStripe = true) => {
      const init = { method: "POST", json: { botKey: t.botKey } };
      const s = await expectJson(
        viaStripe ? callS("/api/widget/sessions", init) : call("/api/widget/sessions", init),
        200,
      );
      return s.bot.poweredBy as string | null;
    };
    const free = await makeTenant();
    expect(await session(free)).toBe("http://echo.test/");
    // the deployment without Stripe sells nothing, so it locks no feature: no mark to remove
    expect(await session(free, false)).toBeNull();
    const { t, id, customer } = await proTenant();
    expect(await session(t), "Pro does not include white-label").toBe("http://echo.test/");
    setSub(id, { price: "price_echo_enterprise_monthly" });
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer })), 200);
    expect(await session(t)).toBeNull();
    // the plan ends: the mark comes back with the next session
    setSub(id, { status: "canceled", periodEnd: Date.now() - DAY });
    await expectJson(sendEvent(event("customer.subscription.deleted", { id, customer, status: "canceled" })), 200);
    expect(await session(t)).toBe("http://echo.test/");
  });
});

describe("Checkout and the Customer Portal", () => {
  it("open a Checkout Session for the plan's price with the tenant as client_reference_id", async () => {
    const t = await makeTenant();
    const r = await expectJson(
      callS("/api/billing/checkout", { method: "POST", token: t.token, json: { plan: "pro" } }),
      200,
    );
    const id = /^http:\/\/127\.0\.0\.1:12111\/c\/pay\/(cs_test_\w+)$/.exec(r.url)?.[1];
    expect(stripe.state.checkoutSessions.get(id!), r.url).toMatchObject({
      mode: "subscription",
      status: "open",
      client_reference_id: t.tenantId,
      metadata: { tenantId: t.tenantId },
    });
    const [req] = requests;
    expect(req).toBeDefined();
    expect(req!.path).toBe("/v1/checkout/sessions");
    expect(req!.headers.get("idempotency-key")).toMatch(/^checkout:/);
    expect(Object.fromEntries(req!.form)).toMatchObject({
      mode: "subscription",
      "line_items[0][price]": "price_echo_pro_monthly",
      client_reference_id: t.tenantId,
      "subscription_data[metadata][tenantId]": t.tenantId,
    });
    await expectJson(callS("/api/billing/checkout", { method: "POST", token: t.token, json: { plan: "free" } }), 400);
  });

  it("refuses a second subscription while one still bills (409, no Stripe call); after it ended, Checkout opens", async () => {
    const { t, id, customer } = await proTenant();
    const checkout = (plan: string) =>
      callS("/api/billing/checkout", { method: "POST", token: t.token, json: { plan } });
    const before = requests.length;
    // a Checkout would start another subscription beside Pro, and both would bill
    expect(await expectJson(checkout("enterprise"), 409)).toMatchObject({ code: "CONFLICT", plan: "pro" });
    // cancelled to the period end: it still bills until then
    setSub(id, { cancel: true });
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer })), 200);
    await expectJson(checkout("pro"), 409);
    setSub(id, { cancel: false, status: "past_due" });
    await expectJson(sendEvent(event("customer.subscription.updated", { id, customer })), 200);
    await expectJson(checkout("enterprise"), 409);
    expect(requests.slice(before).filter((r) => r.path === "/v1/checkout/sessions")).toEqual([]);
    setSub(id, { status: "canceled", periodEnd: Date.now() - DAY });
    await expectJson(sendEvent(event("customer.subscription.deleted", { id, customer })), 200);
    const r = await expectJson(checkout("pro"), 200);
    expect(requests.at(-1)!.form.get("customer"), r.url).toBe(customer);
  });

  it("answers 503 (retryable) when Stripe fails or cannot be reached, never a 500", async () => {
    const { t } = await proTenant();
    const failing = [
      async () =>
        Response.json({ error: { type: "api_error", message: "An unknown error occurred" } }, { status: 500 }),
      async () => {
        throw new TypeError("connection refused");
      },
    ];
    for (const transport of failing) {
      const down = setEgressTransport(transport);
      try {
        for (const path of ["/api/billing/portal", "/api/billing/invoices"]) {
          const r = await expectJson(
            callS(path, { method: path.endsWith("portal") ? "POST" : "GET", token: t.token }),
            503,
          );
          expect(r).toMatchObject({ code: "UPSTREAM_UNAVAILABLE", retryable: true });
          expect(r.detail).not.toContain("An unknown error occurred");
        }
      } finally {
        down();
      }
    }
  });

  it("opens the Portal for the tenant's own customer; none yet is a 409; a viewer may not (403)", async () => {
    const fresh = await makeTenant();
    await expectJson(callS("/api/billing/portal", { method: "POST", token: fresh.token }), 409);
    const { t, customer } = await proTenant();
    const r = await expectJson(callS("/api/billing/portal", { method: "POST", token: t.token }), 200);
    expect(r.url).toMatch(/^http:\/\/127\.0\.0\.1:12111\/p\/session\/bps_\w+$/);
    expect(requests.at(-1)!.form.get("customer")).toBe(customer);
    const viewer = await addMember(t, "viewer");
    const before = requests.length;
    await expectJson(callS("/api/billing/portal", { method: "POST", token: viewer.token }), 403);
    await expectJson(
      callS("/api/billing/checkout", { method: "POST", token: viewer.token, json: { plan: "enterprise" } }),
      403,
    );
    expect(requests.length).toBe(before);
  });
});

describe("Billing Meters", () => {
  it("reports a Pro tenant's answers once each, with a deterministic identifier; a free tenant's never", async () => {
    const { t, customer } = await proTenant();
    const repos = reposOf(createDb(env.DB));
    for (const id of ["msg_a", "msg_b"])
      await recordUsage(
        { repos },
        { tenantId: t.tenantId, eventId: id, metric: "ai_answers", botId: t.botId, quantity: 1, at: Date.now() },
      );
    const ctx = requestCtx(stripeEnv, "req_test", "http://echo.test");
    requests.length = 0;
    expect(await reportUsageToStripe(ctx, t.tenantId)).toBe(2);
    const sent = requests.filter((r) => r.path === "/v1/billing/meter_events");
    expect(
      sent.map((r) => [
        r.form.get("event_name"),
        r.form.get("payload[stripe_customer_id]"),
        r.form.get("payload[value]"),
        r.form.get("identifier"),
      ]),
    ).toEqual([
      ["echo_ai_answers", customer, "1", `${t.tenantId}:msg_a`],
      ["echo_ai_answers", customer, "1", `${t.tenantId}:msg_b`],
    ]);
    expect(sent[0]!.headers.get("idempotency-key")).toBe(`meter:${t.tenantId}:msg_a`);
    // a second run finds nothing unreported
    expect(await reportUsageToStripe(ctx, t.tenantId)).toBe(0);
    const free = await makeTenant();
    await recordUsage(
      { repos },
      {
        tenantId: free.tenantId,
        eventId: "msg_c",
        metric: "ai_answers",
        botId: free.botId,
        quantity: 1,
        at: Date.now(),
      },
    );
    expect(await reportUsageToStripe(ctx, free.tenantId)).toBe(0);
    expect(requests.filter((r) => r.path === "/v1/billing/meter_events")).toHaveLength(2);
  });
});

describe("invoices", () => {
  it("lists the Stripe customer's invoices through invoices.list({ customer }), and only theirs", async () => {
    const { t, customer } = await proTenant();
    const other = await proTenant();
    const inv = (id: string, cust: string, created: number) => ({
      id,
      object: "invoice",
      customer: cust,
      number: `ECHO-${id}`,
      status: "paid",
      total: 4900,
      amount_paid: 4900,
      currency: "usd",
      created,
      hosted_invoice_url: `https://invoice.stripe.com/i/${id}`,
      invoice_pdf: `https://pay.stripe.com/invoice/${id}/pdf`,
    });
    for (const i of [inv("in_a2", customer, 1_767_225_600), inv("in_a1", customer, 1_764_547_200)])
      stripe.putInvoice(i);
    stripe.putInvoice(inv("in_b1", other.customer, 1_764_547_200));
    const r = await expectJson(callS("/api/billing/invoices", { token: t.token }), 200);
    expect(r.data.map((i: { id: string }) => i.id)).toEqual(["in_a2", "in_a1"]);
    expect(r.data[0]).toEqual({
      id: "in_a2",
      number: "ECHO-in_a2",
      status: "paid",
      total: 4900,
      amountPaid: 4900,
      currency: "usd",
      created: new Date(1_767_225_600_000).toISOString(),
      hostedUrl: "https://invoice.stripe.com/i/in_a2",
      pdfUrl: "https://pay.stripe.com/invoice/in_a2/pdf",
    });
    const call = requests.find((x) => x.path === "/v1/invoices");
    expect(call?.method).toBe("GET");
    // a workspace that never bought anything has no Stripe customer: an empty list, no Stripe call
    const fresh = await makeTenant();
    requests.length = 0;
    expect(await expectJson(callS("/api/billing/invoices", { token: fresh.token }), 200)).toEqual({ data: [] });
    expect(requests).toEqual([]);
    const agent = await addMember(t, "agent");
    await expectJson(callS("/api/billing/invoices", { token: agent.token }), 403);
  });
});

describe("credit packs", () => {
  async function buyPack(t: TestTenant, pack: string) {
    const r = await expectJson(
      callS("/api/billing/credits/checkout", { method: "POST", token: t.token, json: { pack } }),
      200,
    );
    const created = requests.filter((x) => x.path === "/v1/checkout/sessions").at(-1)!;
    const id = /pay\/(cs_test_\w+)$/.exec(r.url)![1]!;
    return { url: r.url as string, form: created.form, id };
  }

  it("open a one-off Checkout payment for the pack; the paid session's webhook tops up once", async () => {
    const t = await makeTenant();
    const { form, id, url } = await buyPack(t, "answers_1000");
    expect(url).toBe(`${STRIPE_BASE}/c/pay/${id}`);
    expect(form.get("mode")).toBe("payment");
    expect(form.get("line_items[0][price]")).toBe("price_echo_credits_1000");
    expect(form.get("client_reference_id")).toBe(t.tenantId);
    expect(form.get("metadata[pack]")).toBe("answers_1000");
    await expectJson(
      callS("/api/billing/credits/checkout", { method: "POST", token: t.token, json: { pack: "x" } }),
      400,
    );
    // an event for a session that is not paid (yet) adds nothing
    const unpaid = event("checkout.session.completed", { id, object: "checkout.session", mode: "payment" });
    expect(await expectJson(sendEvent(unpaid), 200)).toMatchObject({ ignored: true });
    expect((await billing(t)).credits).toEqual({ granted: 0, spent: 0, available: 0 });
    // paid: the event tops up; the same event again, and concurrently, changes nothing
    await stripe.pay(id, { deliver: false });
    const paid = event("checkout.session.completed", { id, object: "checkout.session", mode: "payment" });
    const [a, b] = await Promise.all([sendEvent(paid), sendEvent(paid)]);
    const results = [await expectJson(a, 200), await expectJson(b, 200)];
    expect(results.filter((x) => x.credits === 1000).length).toBeGreaterThanOrEqual(1);
    await expectJson(sendEvent(paid), 200);
    expect((await billing(t)).credits).toEqual({ granted: 1000, spent: 0, available: 1000 });
    // a tampered event is refused and adds nothing
    const forged = event("checkout.session.completed", {
      id: "sub_forged",
      object: "checkout.session",
      mode: "payment",
    });
    await expectJson(sendEvent(forged, { tamper: true }), 400);
    expect((await billing(t)).credits.granted).toBe(1000);
  });

  it("a second pack right after the first was paid opens a new Checkout (the idempotency key follows the request)", async () => {
    const t = await makeTenant();
    const minute = () => Math.floor(Date.now() / 60_000);
    const m = minute();
    const first = await buyPack(t, "answers_1000");
    const again = await buyPack(t, "answers_1000");
    // a double click inside the minute (Echo's key window) gets the same session, not two
    if (minute() === m) expect(again.id).toBe(first.id);
    // paid: the account now has a Stripe customer, so the next request for the same pack differs
    await stripe.pay(first.id, { deliver: false });
    const paid = event("checkout.session.completed", { id: first.id, object: "checkout.session", mode: "payment" });
    expect(await expectJson(sendEvent(paid), 200)).toMatchObject({ credits: 1000 });
    const next = await buyPack(t, "answers_1000");
    expect(next.form.get("customer")).toBe(stripe.state.checkoutSessions.get(first.id)!.customer);
    expect(next.id).not.toBe(first.id);
  });

  it("credits pay for answers past the quota instead of degrading, one credit an answer, settled once", async () => {
    const t = await makeTenant();
    const { id } = await buyPack(t, "answers_1000");
    await stripe.pay(id, { deliver: false });
    await expectJson(sendEvent(event("checkout.session.completed", { id, mode: "payment" })), 200);
    const ctx = { ...requestCtx(stripeEnv, "req_test", "http://echo.test"), tenantId: t.tenantId };
    const { mayTenant, afterUsage } = await import("../domain/billing");
    for (let i = 0; i < 100; i++)
      await recordUsage(ctx, {
        tenantId: t.tenantId,
        eventId: `m${i}`,
        metric: "ai_answers",
        botId: t.botId,
        quantity: 1,
        at: Date.now(),
      });
    expect(await mayTenant(ctx, { kind: "ai_answer" })).toMatchObject({ ok: true, credits: true, remaining: 1000 });
    await recordUsage(ctx, {
      tenantId: t.tenantId,
      eventId: "m100",
      metric: "ai_answers",
      botId: t.botId,
      quantity: 1,
      at: Date.now(),
    });
    expect((await afterUsage(ctx)).creditsSpent).toBe(1);
    // settled twice from the same counters: still one credit spent
    await afterUsage(ctx);
    const b = await billing(t);
    expect(b).toMatchObject({ overQuota: false, credits: { granted: 1000, spent: 1, available: 999 } });
  });

  it("a downgrade inside the month: credits pay for the answers after it, not for those Pro covered", async () => {
    const t = await makeTenant();
    const ctx = { ...requestCtx(stripeEnv, "req_test", "http://echo.test"), tenantId: t.tenantId };
    const { mayTenant, afterUsage } = await import("../domain/billing");
    const { id } = await buyPack(t, "answers_1000");
    await stripe.pay(id, { deliver: false });
    await expectJson(sendEvent(event("checkout.session.completed", { id, mode: "payment" })), 200);
    const answers = async (from: number, n: number) => {
      for (let i = from; i < from + n; i++)
        await recordUsage(ctx, {
          tenantId: t.tenantId,
          eventId: `d${i}`,
          metric: "ai_answers",
          botId: t.botId,
          quantity: 1,
          at: Date.now(),
        });
    };
    // on Free: 130 answers, the 30 past the quota paid from credits
    await answers(0, 130);
    expect((await afterUsage(ctx)).creditsSpent).toBe(30);
    // upgraded to Pro for part of the month: 1,000 answers more, covered by the subscription
    const sub = `sub_${crypto.randomUUID().slice(0, 12).replace(/-/g, "")}`;
    const customer = `cus_${sub.slice(4)}`;
    setSub(sub, {
      customer,
      status: "active",
      price: "price_echo_pro_monthly",
      periodEnd: Date.now() + 9 * DAY,
      tenantId: t.tenantId,
    });
    await expectJson(sendEvent(event("customer.subscription.created", { id: sub, customer })), 200);
    await answers(130, 1000);
    expect((await afterUsage(ctx)).creditsSpent).toBe(0);
    expect((await billing(t)).credits).toEqual({ granted: 1000, spent: 30, available: 970 });
    // the subscription ends inside the month: back on Free, and the 1,000 Pro answers stay Pro's
    setSub(sub, { status: "canceled", periodEnd: Date.now() - 1000 });
    await expectJson(sendEvent(event("customer.subscription.deleted", { id: sub, customer, status: "canceled" })), 200);
    const b = await billing(t);
    expect(b).toMatchObject({ plan: "free", overQuota: false, usage: { aiAnswers: { used: 1130, limit: 100 } } });
    expect(b.credits).toEqual({ granted: 1000, spent: 30, available: 970 });
    expect(await mayTenant(ctx, { kind: "ai_answer" })).toMatchObject({ ok: true, credits: true, remaining: 970 });
    // each answer after the downgrade is one credit, settled once; looking again changes nothing
    await answers(1130, 5);
    expect((await afterUsage(ctx)).creditsSpent).toBe(35);
    await afterUsage(ctx);
    expect((await billing(t)).credits).toEqual({ granted: 1000, spent: 35, available: 965 });
    const row = await env.DB.prepare("select spent, covered from billing_credit_spend where tenant_id = ?")
      .bind(t.tenantId)
      .first<{ spent: number; covered: number }>();
    expect(row).toEqual({ spent: 35, covered: 1100 });
    // a later event about the ended subscription does not move the line to answers Free gave
    await expectJson(sendEvent(event("customer.subscription.updated", { id: sub, customer })), 200);
    await answers(1135, 1);
    expect((await afterUsage(ctx)).creditsSpent).toBe(36);
  });

  it("a plan with metered overage never spends credits: overage billed while the subscription pays, degrade otherwise; packs not sold on it", async () => {
    const t = await makeTenant();
    const now = Date.now();
    const period = new Date(now).toISOString().slice(0, 7);
    // Pro with a live subscription, 1,000 credits bought earlier (on Free), the 5,000 answers used up
    const setStatus = (status: string) =>
      env.DB.prepare(
        `INSERT INTO billing_accounts (tenant_id, plan, status, stripe_customer_id, credits_granted, updated_at)
         VALUES (?, 'pro', ?, ?, 1000, ?)
         ON CONFLICT (tenant_id) DO UPDATE SET status = excluded.status`,
      )
        .bind(t.tenantId, status, `cus_metered_${t.tenantId}`, now)
        .run();
    await setStatus("active");
    await env.DB.prepare(
      `INSERT INTO usage_counters (tenant_id, period, metric, bot_id, quantity, cost_micros) VALUES (?, ?, 'ai_answers', ?, 5000, 0)`,
    )
      .bind(t.tenantId, period, t.botId)
      .run();
    const ctx = { ...requestCtx(stripeEnv, "req_test", "http://echo.test"), tenantId: t.tenantId };
    const { mayTenant, afterUsage } = await import("../domain/billing");
    const answer = await mayTenant(ctx, { kind: "ai_answer" });
    expect(answer, "the 5,001st answer is metered overage, not a credit").toMatchObject({ ok: true, overage: true });
    expect(answer).not.toHaveProperty("credits");
    await recordUsage(ctx, {
      tenantId: t.tenantId,
      eventId: "over1",
      metric: "ai_answers",
      botId: t.botId,
      quantity: 1,
      at: now,
    });
    expect((await afterUsage(ctx)).creditsSpent).toBe(0);
    expect((await billing(t)).credits).toEqual({ granted: 1000, spent: 0, available: 1000 });
    // the same answer goes to Stripe's meter (the overage is billed there, once)
    expect(await reportUsageToStripe(ctx, t.tenantId)).toBeGreaterThan(0);
    // a credit pack cannot be bought on Pro: it would never be spent
    const refused = await expectJson(
      callS("/api/billing/credits/checkout", { method: "POST", token: t.token, json: { pack: "answers_1000" } }),
      409,
    );
    expect(refused).toMatchObject({ code: "CONFLICT", plan: "pro" });
    // payment failed: Pro stays in force but its overage is not billed, and credits do not step in
    await setStatus("past_due");
    expect(await mayTenant(ctx, { kind: "ai_answer" })).toMatchObject({ ok: false, limit: "aiAnswers", plan: "pro" });
    expect((await afterUsage(ctx)).creditsSpent).toBe(0);
    expect((await billing(t)).credits).toEqual({ granted: 1000, spent: 0, available: 1000 });
  });
});
