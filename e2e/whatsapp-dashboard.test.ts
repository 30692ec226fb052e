/**
 * WhatsApp in the operator's conversation view, against `npm start`'s server and a local
 * Graph-compatible server (WHATSAPP_API_BASE + ALLOW_PRIVATE_EGRESS): inside the 24-hour window the
 * composer shows the time left and our messages their delivery receipts in words; a contact's
 * image is listed as a file; once the window is closed the composer offers the number's synced
 * approved templates instead of free text, and the chosen one goes out in the official payload.
 */
import { createHmac } from "node:crypto";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser } from "playwright-core";
import { e2ePort, launchBrowser, screenshot, startEcho, until, type LocalServer, demoApi } from "./harness";

const PORT = e2ePort(8873);
const PNID = "555000333";
const WABA = "102290129340398";
const SECRET = "e2e-wa-app-secret";
const JPEG = Buffer.from("\xff\xd8\xff e2e jpeg", "latin1");

let server: LocalServer;
let graph: Server;
let browser: Browser | undefined;
const sent: Record<string, any>[] = [];

const api = <T = any>(path: string, init: { method?: string; json?: unknown } = {}) => demoApi(server)<T>(path, init);

beforeAll(async () => {
  graph = createServer((req, res) => {
    let data = "";
    req.on("data", (d) => (data += d));
    req.on("end", () => {
      const url = req.url ?? "";
      const base = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
      res.setHeader("content-type", "application/json");
      if (req.method === "POST" && url === `/v21.0/${PNID}/messages`) {
        const body = JSON.parse(data || "{}");
        sent.push(body);
        return res.end(
          JSON.stringify({ messaging_product: "whatsapp", messages: [{ id: `wamid.WAE2E${sent.length}` }] }),
        );
      }
      if (url.startsWith(`/v21.0/${WABA}/message_templates`))
        return res.end(
          JSON.stringify({
            data: [
              {
                name: "order_update",
                language: "en_US",
                status: "APPROVED",
                category: "UTILITY",
                components: [{ type: "BODY", text: "Hi {{1}}, your order {{2}} is on its way." }],
              },
              { name: "we_miss_you", language: "en_US", status: "REJECTED", category: "MARKETING", components: [] },
            ],
          }),
        );
      if (url === "/v21.0/9001")
        return res.end(JSON.stringify({ url: `${base}/media/9001`, mime_type: "image/jpeg", file_size: JPEG.length }));
      if (url === "/media/9001" && req.headers.authorization === "Bearer EAAG-wa-e2e") {
        res.setHeader("content-type", "image/jpeg");
        return res.end(JPEG);
      }
      res.statusCode = 404;
      res.end(JSON.stringify({ error: { code: 100, message: "unknown" } }));
    });
  });
  await new Promise<void>((r) => graph.listen(0, "127.0.0.1", r));
  process.env.WHATSAPP_API_BASE = `http://127.0.0.1:${(graph.address() as AddressInfo).port}`;
  process.env.ALLOW_PRIVATE_EGRESS = "true";
  server = await startEcho(PORT, "echo-wa-dash-");
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await server?.stop();
  graph?.close();
  delete process.env.WHATSAPP_API_BASE;
  delete process.env.ALLOW_PRIVATE_EGRESS;
});

async function hook(channelId: string, value: Record<string, unknown>) {
  const raw = JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: WABA,
        changes: [
          {
            field: "messages",
            value: { messaging_product: "whatsapp", metadata: { phone_number_id: PNID }, ...value },
          },
        ],
      },
    ],
  });
  const res = await fetch(`${server.origin}/hooks/whatsapp/${channelId}`, {
    method: "POST",
    headers: {
      "content-type": "application/json",
      "x-hub-signature-256": `sha256=${createHmac("sha256", SECRET).update(raw, "utf8").digest("hex")}`,
    },
    body: raw,
  });
  expect(res.status, await res.text()).toBe(200);
}

const conversationOf = async (name: string) =>
  until(`the conversation of ${name}`, async () =>
    (
      await api<{ data: { id: string; channel: string; visitor?: { name?: string } }[] }>(
        "/api/conversations?limit=100",
      )
    ).data.find((c) => c.channel === "whatsapp" && c.visitor?.name === name),
  );

describe("WhatsApp in the dashboard", () => {
  it("shows the window, receipts and media; outside the window sends a picked template", async () => {
    const ch = await api<{ id: string }>("/api/channels/whatsapp", {
      method: "POST",
      json: {
        botId: server.demo.botId,
        phoneNumberId: PNID,
        accessToken: "EAAG-wa-e2e",
        appSecret: SECRET,
        verifyToken: "e2e-wa-verify",
        wabaId: WABA,
      },
    });
    const nowS = Math.floor(Date.now() / 1000);
    // Ola wrote 48 minutes ago (the window has 23 h 12 min left), with a photo
    await hook(ch.id, {
      contacts: [{ profile: { name: "Ola" }, wa_id: "4712340001" }],
      messages: [
        {
          from: "4712340001",
          id: "wamid.OLA1",
          timestamp: String(nowS - 48 * 60),
          type: "text",
          text: { body: "How do I export my notes?" },
        },
        {
          from: "4712340001",
          id: "wamid.OLA2",
          timestamp: String(nowS - 47 * 60),
          type: "image",
          image: { id: "9001", mime_type: "image/jpeg", caption: "my screen" },
        },
      ],
    });
    const ola = await conversationOf("Ola");
    await until("the AI's answer sent through Graph", () =>
      sent.find((b) => b.to === "4712340001" && b.type === "text"),
    );
    const first = `wamid.WAE2E${sent.findIndex((b) => b.to === "4712340001") + 1}`;
    await hook(ch.id, {
      statuses: [{ id: first, status: "delivered", timestamp: String(nowS), recipient_id: "4712340001" }],
    });

    browser = await launchBrowser();
    const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    const errors: string[] = [];
    page.on("pageerror", (e) => errors.push(e.message));
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.goto(`${server.origin}/app/c/${ola.id}`);

    const window = page.getByTestId("wa-window");
    await window.waitFor();
    expect(await window.textContent()).toMatch(/^Window closes in 23 h 1\d min$/);
    await page.locator("[data-receipt=delivered]").first().waitFor();
    expect(await page.locator("[data-receipt=delivered]").first().textContent()).toContain("Delivered");
    // a later status reaches the open view live (hub event), read in words
    await hook(ch.id, {
      statuses: [{ id: first, status: "read", timestamp: String(nowS), recipient_id: "4712340001" }],
    });
    await page.locator("[data-receipt=read]").first().waitFor();
    expect(await page.locator("[data-receipt=read]").first().textContent()).toContain("Read");
    // the photo is a file of the message
    await page.getByRole("list", { name: "Attachments" }).getByRole("button", { name: "whatsapp-image.jpg" }).waitFor();
    await screenshot(page, "whatsapp-window-receipts");

    // Per wrote 30 hours ago: the window is closed, the composer offers templates only
    await hook(ch.id, {
      contacts: [{ profile: { name: "Per" }, wa_id: "4712340002" }],
      messages: [
        {
          from: "4712340002",
          id: "wamid.PER1",
          timestamp: String(nowS - 30 * 3600),
          type: "text",
          text: { body: "Is my order shipped?" },
        },
      ],
    });
    const per = await conversationOf("Per");
    await page.goto(`${server.origin}/app/c/${per.id}`);
    await page.getByTestId("wa-window").filter({ hasText: "window is closed" }).waitFor();
    expect(await page.locator("#composer-text").count()).toBe(0);
    await page.getByLabel("Template", { exact: true }).selectOption({ label: "order_update (en_US)" });
    expect(await page.getByRole("option", { name: /we_miss_you/ }).count()).toBe(0);
    await page.getByLabel("{{1}}").fill("Per");
    await page.getByLabel("{{2}}").fill("A-1234");
    await screenshot(page, "whatsapp-template-picker");
    await page.getByRole("button", { name: "Send template" }).click();
    await page.getByText("Template order_update sent.").waitFor();
    const tpl = sent.filter((b) => b.type === "template");
    expect(tpl).toEqual([
      {
        messaging_product: "whatsapp",
        recipient_type: "individual",
        to: "4712340002",
        type: "template",
        template: {
          name: "order_update",
          language: { policy: "deterministic", code: "en_US" },
          components: [
            {
              type: "body",
              parameters: [
                { type: "text", text: "Per" },
                { type: "text", text: "A-1234" },
              ],
            },
          ],
        },
      },
    ]);
    await page.getByRole("list", { name: "Messages" }).getByText("[template order_update] Per · A-1234").waitFor();
    // no free-form text ever went to Per
    expect(sent.filter((b) => b.to === "4712340002" && b.type === "text")).toEqual([]);
    expect(errors).toEqual([]);
  });
});
