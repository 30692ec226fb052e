// Business hours (issue 16) in headless Chromium against the local server: the Settings screen's
// form refuses overlapping intervals with the API's message on the line at fault and saves nothing,
// then saves valid hours (checked through the REST API); the Analytics screen then says the response
// times are also shown in business hours. Screenshots go to artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, e2ePort, openDashboard, screenshot, type LocalServer } from "./harness";

const PORT = e2ePort(8877);

type Hours = { businessHours: { timezone: string; intervals: unknown[]; holidays: string[] } | null };

describe("dashboard: business hours", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const hours = async () => {
    const r = await api<Hours>(server.origin, server.demo.token, "GET", "/api/settings/business-hours");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body.businessHours;
  };

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-hours-", pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("refuses overlapping hours in words, then saves valid hours that analytics uses", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.goto(`${server.origin}/app/settings`);
    const form = page.locator("section", { has: page.getByRole("heading", { name: "Business hours" }) });
    await form.getByText("Not set").waitFor();

    await form.getByLabel("Time zone (IANA)").fill("Europe/Paris");
    await form.getByLabel("Opening hours").fill("mon 09:00-12:00\nmon 11:00-18:00");
    await form.getByLabel("Holidays").fill("2026-12-25");
    await form.getByRole("button", { name: "Save business hours" }).click();
    const err = form.locator(".field", { has: page.getByLabel("Opening hours") }).locator(".field-error");
    await expect(err.textContent()).resolves.toContain("Line 2: Mon 11:00–18:00 overlaps mon 09:00–12:00");
    expect(await hours()).toBeNull();

    await form.getByLabel("Opening hours").fill("mon 09:00-12:00\nmon 13:00-18:00\nfri 09:00-24:00");
    await form.getByRole("button", { name: "Save business hours" }).click();
    await form.getByText("Set (Europe/Paris)").waitFor();
    await form.getByRole("status").filter({ hasText: "Business hours saved." }).waitFor();
    expect(await hours()).toEqual({
      timezone: "Europe/Paris",
      intervals: [
        { day: "mon", start: "09:00", end: "12:00" },
        { day: "mon", start: "13:00", end: "18:00" },
        { day: "fri", start: "09:00", end: "24:00" },
      ],
      holidays: ["2026-12-25"],
      updatedAt: expect.any(String),
    });
    await screenshot(page, "settings-business-hours");

    await page.goto(`${server.origin}/app/analytics`);
    await page.getByTestId("business-hours-note").getByText("Business hours: time outside").waitFor();
    await page.getByRole("columnheader", { name: "Median in business hours" }).waitFor();
    await screenshot(page, "analytics-business-hours");
    expect(pageErrors).toEqual([]);
  });
});
