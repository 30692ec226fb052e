// The Billing screen in headless Chromium against the local server (embedded billing: no Stripe
// keys): the plan, the usage meter with the period's dates, the per-bot over-quota choice and the
// workspace budget cap changed from the screen and read back from the API; screenshots go to
// artifacts/screenshots/billing-*.png (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, screenshot, until, type LocalServer, openDashboard, e2ePort } from "./harness";

const PORT = e2ePort(8875);

type Billing = {
  planName: string;
  period: { start: string; end: string };
  usage: { aiAnswers: { used: number; limit: number | null } };
  budgetCapMicros: number | null;
  bots: { botId: string; name: string; overQuotaChoice: string | null }[];
};

describe("the Billing screen", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(server.origin, server.demo.token, method, path, body);

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-billing-", pageErrors));
    await page.emulateMedia({ colorScheme: "light" });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows the plan and the AI-answer meter with the period's dates, as the API reports them", async () => {
    await page.goto(`${server.origin}/app/login?next=${encodeURIComponent("/billing")}`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Billing", exact: true }).waitFor();
    const b = (await call<Billing>("GET", "/api/billing")).body;
    const head = await page.locator(".page-head").innerText();
    expect(head).toContain(`${b.planName} plan`);
    const start = new Date(b.period.start).toLocaleDateString("en", {
      year: "numeric",
      month: "short",
      day: "numeric",
    });
    expect(head).toContain(start);
    const meter = page.getByRole("meter", { name: "AI answers" });
    expect(Number(await meter.getAttribute("value"))).toBe(b.usage.aiAnswers.used);
    expect(Number(await meter.getAttribute("max"))).toBe(b.usage.aiAnswers.limit);
    expect(head).toContain("payments are not configured");
    await screenshot(page, "billing-plan-light");
  });

  it("saves a bot's over-quota choice and the workspace budget cap from the screen", async () => {
    const before = (await call<Billing>("GET", "/api/billing")).body;
    const bot = before.bots[0]!;
    await page.getByLabel(`Over quota: ${bot.name}`).selectOption("embedded");
    await until("the bot's choice saved", async () => {
      const b = (await call<Billing>("GET", "/api/billing")).body;
      return b.bots.find((x) => x.botId === bot.botId)?.overQuotaChoice === "embedded";
    });
    await page.getByLabel("Monthly AI budget cap, US$ (empty: none)").fill("12.50");
    await page.getByRole("button", { name: "Save cap" }).click();
    await until(
      "the cap saved",
      async () => (await call<Billing>("GET", "/api/billing")).body.budgetCapMicros === 12_500_000,
    );
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "billing-caps-dark");
    expect(pageErrors).toEqual([]);
  });
});
