/**
 * Channels end to end against `npm start`'s server (wrangler dev): a mail posted to wrangler's local
 * email handler (`POST /cdn-cgi/handler/email?from=&to=`) becomes a conversation, the AI's answer
 * lands in the outbox with threading headers, a reply joins the same conversation and an auto-reply
 * is ignored; a signed WhatsApp message becomes a conversation whose answer reaches a local
 * Graph-compatible server (WHATSAPP_API_BASE + ALLOW_PRIVATE_EGRESS, passed through by npm start),
 * and a bad signature is refused with nothing stored.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { launchBrowser, screenshot, startEcho, type LocalServer, e2ePort, demoApi } from "./harness";
import { rfc822 as eml } from "../workers/test/rfc822";

const PORT = e2ePort(8871);

let server: LocalServer;
let graph: Server;
const graphCalls: { url: string; auth: string | undefined; body: Record<string, any> }[] = [];

const api = <T = any>(path: string, init: { method?: string; json?: unknown } = {}) => demoApi(server)<T>(path, init);

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > end) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

type Mail = { to: string; subject: string; text: string; headers: Record<string, string>; messageId: string };
const outboxTo = async (to: string) => (await api<{ data: Mail[] }>("/api/outbox")).data.filter((m) => m.to === to);
const emailConversations = async () =>
  (await api<{ data: { id: string; channel: string }[] }>("/api/conversations?limit=100")).data.filter(
    (c) => c.channel === "email",
  );

async function postMail(from: string, to: string, raw: string) {
  const res = await fetch(
    `${server.origin}/cdn-cgi/handler/email?from=${encodeURIComponent(from)}&to=${encodeURIComponent(to)}`,
    { method: "POST", body: raw },
  );
  return { status: res.status, text: await res.text() };
}

beforeAll(async () => {
  graph = createServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      const body = JSON.parse(data || "{}");
      graphCalls.push({ url: req.url ?? "", auth: req.headers.authorization, body });
      res.setHeader("content-type", "application/json");
      res.end(
        JSON.stringify({
          messaging_product: "whatsapp",
          contacts: [{ input: body.to, wa_id: body.to }],
          messages: [{ id: `wamid.E2E${graphCalls.length}` }],
        }),
      );
    });
  });
  await new Promise<void>((r) => graph.listen(0, "127.0.0.1", r));
  process.env.WHATSAPP_API_BASE = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
  process.env.ALLOW_PRIVATE_EGRESS = "true";
  server = await startEcho(PORT, "echo-channels-");
}, 180_000);

afterAll(async () => {
  await server?.stop();
  graph?.close();
  delete process.env.WHATSAPP_API_BASE;
  delete process.env.ALLOW_PRIVATE_EGRESS;
});

describe("email channel against npm start", () => {
  it("mail → conversation → AI answer by mail → threaded reply; an auto-reply is ignored", async () => {
    const { address } = await api<{ address: string }>("/api/channels/email");
    const visitor = "mia@customer.test";
    const first = await postMail(
      visitor,
      address,
      eml(
        { from: `Mia <${visitor}>`, to: address, subject: "Export", id: "<e2e-1@customer.test>" },
        "How do I export my notes?",
      ),
    );
    expect(first.status, first.text).toBeLessThan(300);
    const [answer] = await until(
      () => outboxTo(visitor),
      (m) => m.length === 1,
    );
    expect(answer!.subject).toBe("Re: Export");
    expect(answer!.headers["In-Reply-To"]).toBe("<e2e-1@customer.test>");
    const convs = await emailConversations();
    expect(convs).toHaveLength(1);

    await postMail(
      visitor,
      address,
      eml(
        {
          from: `Mia <${visitor}>`,
          to: address,
          subject: "Re: Export",
          id: "<e2e-2@customer.test>",
          extra: [`In-Reply-To: ${answer!.messageId}`, `References: <e2e-1@customer.test> ${answer!.messageId}`],
        },
        "And how often do notes sync?\r\n\r\nOn Wed, Dec 2, 2026, Echo wrote:\r\n> earlier",
      ),
    );
    const two = await until(
      () => outboxTo(visitor),
      (m) => m.length === 2,
    );
    expect(two[0]!.headers.References).toBe(`<e2e-1@customer.test> ${answer!.messageId} <e2e-2@customer.test>`);
    expect(await emailConversations()).toHaveLength(1);

    const ooo = await postMail(
      visitor,
      address,
      eml(
        {
          from: `Mia <${visitor}>`,
          to: address,
          subject: "Out of office",
          id: "<e2e-ooo@customer.test>",
          extra: ["Auto-Submitted: auto-replied"],
        },
        "I am away until Monday.",
      ),
    );
    expect(ooo.status, ooo.text).toBeLessThan(300);
    const messages = await api<{ data: { role: string; text: string }[] }>(
      `/api/conversations/${convs[0]!.id}/messages`,
    );
    expect(messages.data.some((m) => m.text.includes("I am away"))).toBe(false);
    expect(await emailConversations()).toHaveLength(1);
    expect(await outboxTo(visitor)).toHaveLength(2);
  });
});

describe("WhatsApp channel against npm start", () => {
  it("a signed message is answered through the local Graph server; a bad signature stores nothing", async () => {
    const secret = "e2e-app-secret-123";
    const ch = await api<{ id: string; webhookUrl: string }>("/api/channels/whatsapp", {
      method: "POST",
      json: {
        botId: server.demo.botId,
        phoneNumberId: "555000111",
        accessToken: "EAAG-e2e-token",
        appSecret: secret,
        verifyToken: "e2e-verify-token",
      },
    });
    const hook = new URL(ch.webhookUrl).pathname;
    const raw = JSON.stringify({
      object: "whatsapp_business_account",
      entry: [
        {
          id: "WABA",
          changes: [
            {
              field: "messages",
              value: {
                messaging_product: "whatsapp",
                metadata: { display_phone_number: "16505551111", phone_number_id: "555000111" },
                contacts: [{ profile: { name: "Ola" }, wa_id: "4712345678" }],
                messages: [
                  {
                    from: "4712345678",
                    id: "wamid.E2EIN1",
                    timestamp: String(Math.floor(Date.now() / 1000)),
                    type: "text",
                    text: { body: "How do I export my notes?" },
                  },
                ],
              },
            },
          ],
        },
      ],
    });
    const bad = await fetch(`${server.origin}${hook}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": `sha256=${"0".repeat(64)}` },
      body: raw,
    });
    expect(bad.status).toBe(401);
    const whatsappConvs = async () =>
      (await api<{ data: { channel: string }[] }>("/api/conversations?limit=100")).data.filter(
        (c) => c.channel === "whatsapp",
      );
    expect(await whatsappConvs()).toHaveLength(0);

    const sig = `sha256=${createHmac("sha256", secret).update(raw, "utf8").digest("hex")}`;
    const ok = await fetch(`${server.origin}${hook}`, {
      method: "POST",
      headers: { "content-type": "application/json", "x-hub-signature-256": sig },
      body: raw,
    });
    expect(ok.status, await ok.text()).toBe(200);
    await until(
      async () => graphCalls.length,
      (n) => n >= 1,
    );
    expect(graphCalls[0]!.url).toBe("/v21.0/555000111/messages");
    expect(graphCalls[0]!.auth).toBe("Bearer EAAG-e2e-token");
    expect(graphCalls[0]!.body).toMatchObject({ messaging_product: "whatsapp", to: "4712345678", type: "text" });
    await until(whatsappConvs, (c) => c.length === 1);
  });
});

describe("Settings → Channels in the dashboard", () => {
  let browser: Browser | undefined;
  afterAll(async () => browser?.close());

  it("shows the inbound address and connects a WhatsApp number, showing the webhook URL Meta verifies", async () => {
    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.goto(`${server.origin}/app/settings`);
    const { address } = await api<{ address: string }>("/api/channels/email");
    expect(await page.getByTestId("inbound-address").textContent()).toBe(address);

    await page.getByLabel("Phone number id").fill("777000222");
    await page.getByLabel("Access token").fill("EAAG-dashboard-token");
    await page.getByLabel("App secret").fill("dashboard-app-secret");
    await page.getByLabel("Verify token").fill("dashboard-verify-1");
    await page.getByRole("button", { name: "Connect WhatsApp number" }).click();
    const hook = (await page.getByTestId("whatsapp-webhook").textContent())!;
    expect(hook).toMatch(/\/hooks\/whatsapp\/wac_[0-9a-z]{26}$/);
    await screenshot(page, "settings-channels");
    // Meta's handshake against the URL shown succeeds with the verify token typed in the form
    const path = new URL(hook).pathname;
    const ok = await fetch(
      `${server.origin}${path}?hub.mode=subscribe&hub.verify_token=dashboard-verify-1&hub.challenge=42`,
    );
    expect(await ok.text()).toBe("42");
    // a bad input shows the API's error and connects nothing
    await page.getByLabel("Phone number id").fill("not digits");
    await page.getByLabel("Access token").fill("EAAG-dashboard-token");
    await page.getByLabel("App secret").fill("dashboard-app-secret");
    await page.getByRole("button", { name: "Connect WhatsApp number" }).click();
    const alert = page.getByRole("alert");
    await alert.waitFor();
    expect(await alert.textContent()).toMatch(/field needs a change/i);
    // the refused field is the one marked, with the API's reason in words
    const phone = page.getByLabel("Phone number id");
    expect(await phone.getAttribute("aria-invalid")).toBe("true");
    expect(await page.locator(".field", { has: phone }).textContent()).toMatch(/phone number id \(digits\)/i);
    expect(errors).toEqual([]);
  });
});
