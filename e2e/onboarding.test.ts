/**
 * A new workspace's inbox guides its owner from signup to a live widget ("Get started",
 * dashboard/src/ui/onboarding.tsx): each step ticks from what the workspace holds, the test page is
 * the demo page with the workspace's own bot, and the guide stays hidden once dismissed.
 */
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8907);

describe("onboarding: Get started on a new workspace's inbox", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-onboarding-", pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const progress = () => page.locator(".onboarding .row.between .muted").textContent();
  const step = (title: RegExp) => page.locator(".onboarding li", { hasText: title });

  it("ticks the steps from what the workspace holds, links its own test page, and hides for good", async () => {
    const email = "nina@newshop.example";
    const password = "nina password 1234";
    const pending = await api<{ devToken: string }>(server.origin, "", "POST", "/api/auth/signup", {
      email,
      password,
      company: "New Shop",
    });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    const s = await api<{ accessToken: string }>(server.origin, "", "POST", "/api/auth/verify-email", {
      token: pending.body.devToken,
    });
    expect(s.status).toBe(201);
    const token = s.body.accessToken;
    const bots = await api<{ data: { name: string; publishableKey: string }[] }>(
      server.origin,
      token,
      "GET",
      "/api/bots",
    );
    const bot = bots.body.data[0]!;

    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(email);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Get started" }).waitFor();
    // a fresh workspace: only its auto-created assistant is there
    await until("1 of 5 done", async () => (await progress()) === "1 of 5 done");
    await step(new RegExp(`Your assistant “${bot.name}” is ready`))
      .getByText("(done)")
      .waitFor({ state: "attached" });
    for (const todo of [/Add your help content/, /Try it as a customer/, /Put it on your site/, /Invite a teammate/])
      await expect(step(todo).getByText("(to do)").count()).resolves.toBe(1);
    await screenshot(page, "onboarding-new-workspace");

    // knowledge added (through the API here): the step is ticked on the next visit
    const qa = await api(server.origin, token, "POST", "/api/knowledge/sources", {
      type: "qa",
      question: "Do you ship abroad?",
      answer: "Yes, to every country in the EU within five working days.",
    });
    expect(qa.status, JSON.stringify(qa.body)).toBeLessThan(300);
    await page.reload();
    await until("2 of 5 done", async () => (await progress()) === "2 of 5 done");

    // the test page is the demo page with this workspace's bot, and its widget talks to it
    const link = step(/Try it as a customer/).getByRole("link", { name: /Open the test page/ });
    expect(await link.getAttribute("href")).toBe(`/demo/?bot=${encodeURIComponent(bot.publishableKey)}`);
    const [demo] = await Promise.all([page.context().waitForEvent("page"), link.click()]);
    await demo.waitForLoadState();
    await demo.locator("echo-widget").waitFor({ state: "attached", timeout: 20_000 });
    await demo.close();
    // the test page's widget opened a conversation: the live inbox holds it, and the step is ticked
    await until("3 of 5 done", async () => (await progress()) === "3 of 5 done");
    await step(/Try it as a customer/)
      .getByText("(done)")
      .waitFor({ state: "attached" });

    // the snippet names the bot; copying it ticks the one step the API cannot see
    const snippet = await step(/Put it on your site/)
      .locator("code")
      .textContent();
    expect(snippet).toBe(`<script src="${server.origin}/widget.js" data-bot="${bot.publishableKey}" async></script>`);
    await step(/Put it on your site/)
      .getByRole("button", { name: "Copy snippet" })
      .click();
    await until("4 of 5 done", async () => (await progress()) === "4 of 5 done");
    await expect(
      step(/Invite a teammate/)
        .getByText("(to do)")
        .count(),
    ).resolves.toBe(1);

    await page.getByRole("button", { name: "Hide this guide" }).click();
    await expect(page.getByRole("heading", { name: "Get started" }).count()).resolves.toBe(0);
    await page.reload();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    await expect(page.getByRole("heading", { name: "Get started" }).count()).resolves.toBe(0);
    expect(pageErrors).toEqual([]);
  });
});
