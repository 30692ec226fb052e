// Workspace deletion (issue 18) in headless Chromium against the local server: Settings → Delete
// workspace keeps its button disabled until the name is typed exactly, schedules the deletion (checked
// through the REST API), shows the banner with the date, and Restore cancels it. Screenshots go to
// artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, e2ePort, openDashboard, screenshot, type LocalServer } from "./harness";

const PORT = e2ePort(8910);

type Workspace = { name: string; deletionScheduledAt: string | null };

describe("dashboard: delete and restore the workspace", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const workspace = async () => {
    const r = await api<Workspace>(server.origin, server.demo.token, "GET", "/api/workspace");
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-wsdelete-", pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("schedules the deletion only with the exact name, shows the banner, and restores", async () => {
    const { name } = await workspace();
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.goto(`${server.origin}/app/settings`);
    const card = page.locator("section", { has: page.getByRole("heading", { name: "Delete workspace" }) });
    const button = card.getByRole("button", { name: "Delete workspace" });
    const input = card.getByLabel(`Type the workspace name (${name}) to confirm`);
    await input.fill(name.slice(0, -1));
    expect(await button.isDisabled()).toBe(true);
    await input.fill(name);
    await button.click();
    const banner = page.getByRole("alert").filter({ hasText: "scheduled for deletion" });
    await banner.waitFor();
    const scheduled = (await workspace()).deletionScheduledAt;
    expect(scheduled).not.toBeNull();
    await screenshot(page, "settings-workspace-deletion-banner");
    // every other screen says so too, in a strip that links back to Settings
    const strip = page.getByRole("status").filter({ hasText: "This workspace will be deleted on" });
    expect(await strip.count()).toBe(0);
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    await strip.waitFor();
    expect(await strip.textContent()).toContain(new Date(scheduled!).toLocaleDateString("en-US"));
    await screenshot(page, "inbox-workspace-deletion-strip");
    await strip.getByRole("link", { name: "Restore it in Settings" }).click();
    await banner.getByRole("button", { name: "Restore" }).click();
    await card.waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    expect(await strip.count()).toBe(0);
    expect((await workspace()).deletionScheduledAt).toBeNull();
    expect(pageErrors).toEqual([]);
  });
});
