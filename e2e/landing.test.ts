// The public landing page at `/` (issue 15): static and script-free, the plans rendered from the
// catalogue, and the ways in (sign up, the demo site, the API docs) working links. Checked at
// desktop and phone size, light and dark; screenshots landing-<theme>-<size>.png.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { PLANS } from "../workers/domain/billing/plans";
import { e2ePort, launchBrowser, screenshot, startEcho, type LocalServer } from "./harness";

const PORT = e2ePort(8905);

describe("landing page", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const requests: string[] = [];

  beforeAll(async () => {
    server = await startEcho(PORT, "echo-landing-");
    browser = await launchBrowser().catch(async (err: unknown) => {
      await server.stop();
      throw err;
    });
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
    page.on("request", (r) => requests.push(r.url()));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("shows what Echo is and every plan with its price and AI answers from the catalogue, in one request", async () => {
    requests.length = 0;
    const res = await page.goto(`${server.origin}/`);
    expect(res?.status()).toBe(200);
    await expect(page.getByRole("heading", { level: 1 }).textContent()).resolves.toMatch(/support/i);
    // static: the document is the only request (no script, stylesheet, font or image fetched)
    expect(requests, requests.join("\n")).toEqual([`${server.origin}/`]);
    const pricing = page.getByRole("region", { name: "Plans and prices" });
    for (const plan of Object.values(PLANS)) {
      const card = pricing
        .getByRole("listitem")
        .filter({ has: page.getByRole("heading", { name: plan.name, exact: true }) });
      await expect(card.count()).resolves.toBe(1);
      const text = (await card.textContent()) ?? "";
      expect(text).toContain(`$${(plan.priceCents / 100).toLocaleString("en-US")}`);
      expect(text).toContain(
        plan.limits.aiAnswers === null
          ? "Unlimited AI answers"
          : `${plan.limits.aiAnswers.toLocaleString("en-US")} AI answers`,
      );
    }
    await screenshot(page, "landing-light-desktop");
    expect(pageErrors).toEqual([]);
  });

  it("signs up through the dashboard, and links the demo site and the API docs", async () => {
    await page.goto(`${server.origin}/`);
    await page.getByRole("link", { name: "Sign up free", exact: true }).first().click();
    await page.waitForURL(`${server.origin}/app/signup`);
    await page.getByRole("heading", { level: 1 }).waitFor();
    await page.goto(`${server.origin}/`);
    await page.getByRole("link", { name: "Demo", exact: true }).click();
    await page.waitForURL(`${server.origin}/demo/`);
    await expect(page.title()).resolves.toContain("Nimbus Notes");
    await page.goto(`${server.origin}/`);
    const docs = await page.getByRole("link", { name: "API docs" }).getAttribute("href");
    const spec = await fetch(new URL(docs!, server.origin));
    expect(spec.status).toBe(200);
    expect(((await spec.json()) as { openapi: string }).openapi).toMatch(/^3\./);
  });

  it("works on a phone, light and dark: nothing scrolls sideways and every plan is reachable", async () => {
    for (const theme of ["light", "dark"] as const) {
      await page.setViewportSize({ width: 390, height: 844 });
      await page.emulateMedia({ colorScheme: theme });
      await page.goto(`${server.origin}/`);
      const wide = await page.evaluate(
        () => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
      );
      expect(wide, `${theme}: the page scrolls sideways`).toBe(false);
      await page.getByRole("link", { name: "Pricing" }).click();
      await page.getByRole("heading", { name: "Plans and prices" }).waitFor();
      for (const plan of Object.values(PLANS))
        await expect(page.getByRole("heading", { name: plan.name, exact: true }).isVisible()).resolves.toBe(true);
      await screenshot(page, `landing-${theme}-phone`);
    }
    // the dark look really is dark (the colour scheme is honoured without script)
    const bg = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    expect(bg).not.toBe("rgb(255, 255, 255)");
    await page.emulateMedia({ colorScheme: "dark" });
    await page.setViewportSize({ width: 1280, height: 800 });
    await page.goto(`${server.origin}/`);
    await screenshot(page, "landing-dark-desktop");
  });
});
