/**
 * The whole billing flow against `npm start`'s server (scripts/local-server.mjs) with Stripe pointed
 * at the local Stripe-compatible server (scripts/stripe-local.mjs; STRIPE_* and ALLOW_PRIVATE_EGRESS
 * passed through as `npm start` passes them): a workspace signs up on Free, uses its 100 AI answers
 * (the 101st is handed to a person with reason `quota`; owners are warned at 80 % and 100 % in the
 * inbox feed and by mail), upgrades to Pro through Checkout in Chromium (Pay on the fake's page; its
 * signed webhooks lift the limit to 5,000), a replay of the same signed event changes nothing, the
 * Portal cancels at the period end, and the period's end (the fake's `/_test/advance`) puts the
 * workspace back on Free. Screenshots: artifacts/screenshots/billing-flow-*.png (gitignored).
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  api,
  e2ePort,
  hostPage,
  launchBrowser,
  openVisitor,
  screenshot,
  signUpWorkspace,
  startEcho,
  startHost,
  until,
  type LocalServer,
} from "./harness";
import { startStripeLocal, type StripeLocal } from "../scripts/stripe-local.mjs";

const PORT = e2ePort(8920);
const STRIPE_KEY = "sk_test_echo_billing_flow";

type Billing = {
  plan: string;
  planName: string;
  status: string;
  periodEnd: string | null;
  cancelAtPeriodEnd: boolean;
  overQuota: boolean;
  mode: string;
  usage: { aiAnswers: { used: number; limit: number | null } };
};
type Frame = Record<string, unknown>;

describe("billing flow: Free → quota used up → Checkout → Pro → Portal cancel → period end → Free", () => {
  let stripe: StripeLocal;
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const owner = {
    email: `owner-${randomBytes(4).toString("hex")}@flow.example`,
    password: "billing flow password 1234",
    token: "",
    tenantId: "",
    botId: "",
    botKey: "",
    apiKey: "",
  };

  /** The new owner's API; asserts the status. */
  async function call<T = Billing>(method: string, path: string, body?: unknown, status = 200): Promise<T> {
    const r = await api<T>(server.origin, owner.token, method, path, body);
    expect(r.status, `${method} ${path}: ${JSON.stringify(r.body)}`).toBe(status);
    return r.body;
  }
  const billing = () => call<Billing>("GET", "/api/billing");
  /** One AI answer through the OpenAI-compatible endpoint with a server key (the cheapest real answer path). */
  const complete = (n: number) =>
    fetch(`${server.origin}/v1/chat/completions`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${owner.apiKey}` },
      body: JSON.stringify({
        model: owner.botId,
        messages: [{ role: "user", content: `Question ${n}: can I export?` }],
      }),
    });
  const subscriptionReads = () => stripe.fake.state.requests.filter((r) => r.path.startsWith("/v1/subscriptions/"));
  const billingScreen = async () => {
    await page.getByRole("heading", { name: "Billing", exact: true }).waitFor();
    return page.locator("main");
  };

  beforeAll(async () => {
    stripe = await startStripeLocal({
      port: 0,
      echo: `http://127.0.0.1:${PORT}`,
      apiKey: STRIPE_KEY,
      webhookSecret: `whsec_${randomBytes(24).toString("hex")}`,
    });
    try {
      server = await startEcho(PORT, "echo-billing-flow-", {
        STRIPE_SECRET_KEY: STRIPE_KEY,
        STRIPE_WEBHOOK_SECRET: stripe.webhookSecret,
        STRIPE_API_BASE: stripe.origin,
        ALLOW_PRIVATE_EGRESS: "true",
      });
      browser = await launchBrowser();
    } catch (err) {
      await server?.stop();
      await stripe.close();
      throw err;
    }
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    await page.emulateMedia({ colorScheme: "light" });
  }, 180_000);

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await stripe?.close();
  });

  it("signs up a workspace through the public API: Free, 100 AI answers, billing by Stripe", async () => {
    Object.assign(
      owner,
      await signUpWorkspace(server.origin, {
        email: owner.email,
        password: owner.password,
        company: "Flow Shop",
        name: "Olga Owner",
      }),
    );
    expect(await billing()).toMatchObject({
      plan: "free",
      status: "none",
      mode: "stripe",
      overQuota: false,
      usage: { aiAnswers: { used: 0, limit: 100 } },
    });
    owner.apiKey = (
      await call<{ secret: string }>("POST", "/api/keys", { name: "flow", scopes: ["chat:completions"] }, 201)
    ).secret;
  });

  it("shows the 'Powered by Echo' mark in the widget on Free (white-label is Enterprise's), linking to this deployment", async () => {
    const host = await startHost(e2ePort(8921), {
      "/": hostPage({ echo: server.origin, botKey: owner.botKey, attrs: "data-open" }),
    });
    try {
      await page.goto(`${host.origin}/`);
      const mark = page.getByRole("link", { name: "Powered by Echo" });
      await mark.waitFor();
      expect(await mark.getAttribute("href")).toBe(`${server.origin}/`);
      expect(await mark.getAttribute("target")).toBe("_blank");
      await screenshot(page, "billing-flow-0-widget-mark");
    } finally {
      await host.close();
    }
  });

  it("uses up the 100 answers: the 101st is handed to a person (reason quota), owners are warned at 80 % and 100 %", async () => {
    for (let n = 1; n <= 100; n++) {
      const r = await complete(n);
      expect(r.status, `answer ${n}: ${await r.clone().text()}`).toBe(200);
    }
    expect(await billing()).toMatchObject({ overQuota: true, usage: { aiAnswers: { used: 100, limit: 100 } } });
    // /v1 has no conversation to hand over: it answers OpenAI's quota error (README "Billing and plans")
    const refused = await complete(101);
    expect(refused.status).toBe(402);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe("insufficient_quota");

    // a visitor in the widget: the message is kept and the conversation goes to a person, no error
    const visitor = await openVisitor(server.origin, owner.botKey, "Over Quota");
    visitor.say("Can someone help me with my order?");
    const mode = await until(
      "the quota hand-off",
      () => visitor.frames.find((f) => f.type === "mode" && f.mode === "human"),
      30_000,
    );
    visitor.close();
    expect(mode.reason).toBe("quota");
    expect(visitor.frames.filter((f) => f.type === "error")).toEqual([]);
    expect(visitor.frames.some((f) => f.type === "msg" && f.role === "visitor")).toBe(true);
    expect(visitor.frames.some((f) => f.type === "msg" && f.role === "ai")).toBe(false);
    const conv = await until("the conversation listed as the person's", async () => {
      const c = await call<{ mode: string }>("GET", `/api/conversations/${visitor.conversationId}`);
      return c.mode === "human" && c;
    });
    expect(conv.mode).toBe("human");
    expect((await billing()).usage.aiAnswers.used, "a hand-off is not an AI answer").toBe(100);

    // the warnings: one mail per threshold to the owner, and billing.quota in the inbox feed
    const mails = (await call<{ data: { to: string; subject: string }[] }>("GET", "/api/outbox")).data.filter((m) =>
      /quota/i.test(m.subject),
    );
    expect(mails.map((m) => [m.to, m.subject.replace(/^\[[^\]]*\] /, "")]).sort()).toEqual([
      [owner.email, "80% of your quota used: AI answers"],
      [owner.email, "Quota reached: AI answers"],
    ]);
    const feed = await inboxFeed(server.origin, owner.token, (fs) => fs.filter(isQuota).length >= 2);
    expect(feed.filter(isQuota).map((f) => [f.threshold, f.used, f.limit, f.plan])).toEqual([
      [80, 80, 100, "free"],
      [100, 100, 100, "free"],
    ]);
  });

  it("upgrades through Checkout in the browser: Pay, the signed webhooks, Pro with 5,000 answers", async () => {
    await page.goto(`${server.origin}/app/login?next=${encodeURIComponent("/billing")}`);
    await page.getByLabel("Email").fill(owner.email);
    await page.getByLabel("Password").fill(owner.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    const main = await billingScreen();
    await main.getByText("This period's AI answers are used up").waitFor();
    const meter = page.getByRole("meter", { name: "AI answers" });
    expect([await meter.getAttribute("value"), await meter.getAttribute("max")]).toEqual(["100", "100"]);
    await screenshot(page, "billing-flow-1-free-over-quota");

    await page.getByRole("button", { name: "Upgrade to Pro" }).click();
    await page.waitForURL(`${stripe.origin}/c/pay/**`);
    await page.getByRole("heading", { name: "Pay $49.00 per month" }).waitFor();
    const session = [...stripe.fake.state.checkoutSessions.values()].at(-1)!;
    expect(session).toMatchObject({ mode: "subscription", client_reference_id: owner.tenantId, status: "open" });
    await screenshot(page, "billing-flow-2-checkout");
    await page.getByRole("button", { name: "Pay" }).click();
    await page.waitForURL(`${server.origin}/app/billing?checkout=done`);
    await (await billingScreen()).getByText("Pro plan").waitFor();

    const sub = stripe.fake.state.subscriptions.get(session.subscription!)!;
    const delivered = stripe.fake.state.deliveries.map((d) => [d.type, d.status]);
    expect(delivered).toEqual([
      ["customer.created", 200],
      ["customer.subscription.created", 200],
      ["invoice.paid", 200],
      ["checkout.session.completed", 200],
    ]);
    const b = await billing();
    expect(b).toMatchObject({
      plan: "pro",
      status: "active",
      overQuota: false,
      cancelAtPeriodEnd: false,
      usage: { aiAnswers: { used: 100, limit: 5000 } },
    });
    expect(b.periodEnd).toBe(new Date(sub.items.data[0]!.current_period_end * 1000).toISOString());
    expect(sub.metadata.tenantId).toBe(owner.tenantId);
    await until("the meter at 5,000", async () => (await meter.getAttribute("max")) === "5000");
    // the invoice of the first payment, listed from Stripe's invoices.list
    await page.getByRole("region", { name: "Invoices" }).getByText("$49.00 · paid").waitFor();
    expect(page.url()).toBe(`${server.origin}/app/billing?checkout=done`);
    // the limit is lifted: the next answer is given
    expect((await complete(102)).status).toBe(200);
    // one subscription at a time: plan changes go through the Portal, a second Checkout is refused
    await main.getByText("Change or cancel the plan in Manage billing.").waitFor();
    expect(await page.getByRole("button", { name: /^Upgrade to/ }).count()).toBe(0);
    const sessions = stripe.fake.state.checkoutSessions.size;
    await call("POST", "/api/billing/checkout", { plan: "enterprise" }, 409);
    expect(stripe.fake.state.checkoutSessions.size).toBe(sessions);
    await page.reload();
    await (await billingScreen()).getByText("Pro plan").waitFor();
    await screenshot(page, "billing-flow-3-pro");
  });

  it("a replay of the same signed event changes nothing, nor does Stripe's redelivery of it", async () => {
    const before = await billing();
    const reads = subscriptionReads().length;
    const completed = stripe.fake.state.deliveries.find((d) => d.type === "checkout.session.completed")!;
    const replay = await stripe.fake.resend(completed.eventId, { exact: true });
    expect(replay.header).toBe(completed.header);
    expect([replay.status, JSON.parse(replay.body)]).toEqual([200, { received: true, duplicate: true }]);
    const redelivery = await stripe.fake.resend(completed.eventId, { exact: false });
    expect(redelivery.header).not.toBe(completed.header);
    expect([redelivery.status, JSON.parse(redelivery.body)]).toEqual([200, { received: true, duplicate: true }]);
    // a handled event id is not applied again: no second read of the subscription, the same billing
    expect(subscriptionReads().length).toBe(reads);
    expect(await billing()).toEqual(before);
  });

  it("the Portal switches the plan: Enterprise lifts the limit and white-labels the widget; back to Pro", async () => {
    const poweredBy = async () => {
      const r = await fetch(`${server.origin}/api/widget/sessions`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ botKey: owner.botKey }),
      });
      return ((await r.json()) as { bot: { poweredBy: string | null } }).bot.poweredBy;
    };
    expect(await poweredBy()).toBe(`${server.origin}/`);
    const sub = [...stripe.fake.state.subscriptions.values()][0]!;
    const periodEnd = sub.items.data[0]!.current_period_end;
    const switchTo = async (label: RegExp, plan: string) => {
      await page.getByRole("button", { name: "Manage billing" }).click();
      await page.waitForURL(`${stripe.origin}/p/session/**`);
      await page.getByRole("button", { name: label }).click();
      await page.waitForURL(`${server.origin}/app/billing`);
      await (await billingScreen()).getByText(`${plan} plan`).waitFor();
    };
    await switchTo(/^Switch to Echo Enterprise/, "Enterprise");
    expect(sub.items.data[0]!.price.id).toBe("price_echo_enterprise_monthly");
    expect(stripe.fake.state.deliveries.at(-1)).toMatchObject({ type: "customer.subscription.updated", status: 200 });
    const e = await billing();
    // the same period: the month's usage is not reset by a plan change, only its limit
    expect(e).toMatchObject({ plan: "enterprise", status: "active", usage: { aiAnswers: { used: 101, limit: null } } });
    expect(e.periodEnd).toBe(new Date(periodEnd * 1000).toISOString());
    expect(await poweredBy(), "Enterprise includes white-label").toBeNull();
    await screenshot(page, "billing-flow-3b-enterprise");

    await switchTo(/^Switch to Echo Pro/, "Pro");
    expect(await billing()).toMatchObject({ plan: "pro", usage: { aiAnswers: { used: 101, limit: 5000 } } });
    expect(await poweredBy()).toBe(`${server.origin}/`);
  });

  it("the Portal cancels at the period end: still Pro, the screen says when it ends", async () => {
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.waitForURL(`${stripe.origin}/p/session/**`);
    await page.getByText("Renews on").waitFor();
    await screenshot(page, "billing-flow-4-portal");
    await page.getByRole("button", { name: "Cancel plan" }).click();
    await page.waitForURL(`${server.origin}/app/billing`);
    const main = await billingScreen();
    const sub = [...stripe.fake.state.subscriptions.values()][0]!;
    expect(sub).toMatchObject({ cancel_at_period_end: true, status: "active" });
    expect(stripe.fake.state.deliveries.at(-1)).toMatchObject({ type: "customer.subscription.updated", status: 200 });
    const b = await billing();
    expect(b).toMatchObject({ plan: "pro", status: "active", cancelAtPeriodEnd: true });
    const ends = new Date(b.periodEnd!).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
    await main.getByText(`Pro (active) · ends ${ends}`).waitFor();
    expect(await page.getByRole("button", { name: /^Upgrade to/ }).count(), "it still bills until then").toBe(0);
    await screenshot(page, "billing-flow-5-cancelled");

    // a change of mind: "Renew plan" in the Portal, then cancelled again for the period's end below
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.waitForURL(`${stripe.origin}/p/session/**`);
    await page.getByText("Cancels on").waitFor();
    await page.getByRole("button", { name: "Renew plan" }).click();
    await page.waitForURL(`${server.origin}/app/billing`);
    expect(await billing()).toMatchObject({ plan: "pro", status: "active", cancelAtPeriodEnd: false });
    expect(sub.cancel_at_period_end).toBe(false);
    await page.getByRole("button", { name: "Manage billing" }).click();
    await page.waitForURL(`${stripe.origin}/p/session/**`);
    await page.getByRole("button", { name: "Cancel plan" }).click();
    await page.waitForURL(`${server.origin}/app/billing`);
    expect(await billing()).toMatchObject({ plan: "pro", cancelAtPeriodEnd: true });
  });

  it("the period ends (the fake's /_test/advance): the subscription is deleted and the workspace is back on Free", async () => {
    const r = await fetch(`${stripe.origin}/_test/advance`, { method: "POST" });
    const advanced = (await r.json()) as { ended: string[]; events: { type: string }[] };
    expect(r.status).toBe(200);
    expect(advanced.events.map((e) => e.type)).toEqual(["customer.subscription.deleted"]);
    expect(stripe.fake.state.deliveries.at(-1)).toMatchObject({ type: "customer.subscription.deleted", status: 200 });
    expect(stripe.fake.state.subscriptions.get(advanced.ended[0]!)?.status).toBe("canceled");
    const b = await billing();
    expect(b).toMatchObject({
      plan: "free",
      status: "canceled",
      overQuota: true,
      usage: { aiAnswers: { used: 101, limit: 100 } },
    });
    expect((await complete(103)).status, "Free's quota applies again").toBe(402);
    await page.reload();
    const main = await billingScreen();
    await main.getByText("Free plan").waitFor();
    const ended = new Date(b.periodEnd!).toLocaleDateString("en", { year: "numeric", month: "short", day: "numeric" });
    await main.getByText(`Free (canceled) · subscription ended ${ended}`).waitFor();
    await main.getByText("This period's AI answers are used up").waitFor();
    await page.getByRole("button", { name: "Upgrade to Pro" }).waitFor();
    await screenshot(page, "billing-flow-6-free-again");
    expect(pageErrors).toEqual([]);
  });
});

const isQuota = (f: Frame): f is Frame & { threshold: number; used: number; limit: number; plan: string } =>
  f.type === "billing.quota";

/** The operators' inbox feed from the start (`hello` with lastSeq 0 replays kept events) until `done`. */
async function inboxFeed(origin: string, token: string, done: (frames: Frame[]) => boolean): Promise<Frame[]> {
  const frames: Frame[] = [];
  const ws = new WebSocket(`${origin.replace(/^http/, "ws")}/api/inbox/ws?token=${encodeURIComponent(token)}`);
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("inbox socket failed")), { once: true });
  });
  ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
  try {
    await until("the billing.quota events in the inbox feed", () => done(frames));
    return frames;
  } finally {
    ws.close();
  }
}
