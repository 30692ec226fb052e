// The operator dashboard in headless Chromium against the local server (issue 6): sign in, a
// visitor conversation appears live in the inbox, take over and reply (the visitor receives it),
// add knowledge and watch it become ready, ask the test panel. Screenshots go to
// artifacts/screenshots/ (gitignored) for review.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  hostPage,
  screenshot,
  startHost,
  until,
  type LocalServer,
  openDashboard,
  e2ePort,
  openVisitor,
} from "./harness";

const PORT = e2ePort(8841);
const HOST_PORT = e2ePort(8843);

/** A visitor over the real widget protocol (what the widget's transport does), from Node. */
const startVisitor = (origin: string, botKey: string, name: string) =>
  openVisitor(origin, botKey, name, {
    pageOrigin: "http://127.0.0.1:8849",
    email: `${name.split(" ")[0]!.toLowerCase()}@example.com`,
  });

describe("operator dashboard", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let conversationId = "";

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-dash-", pageErrors));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs an operator in with email and password", async () => {
    await page.goto(`${server.origin}/app`);
    await page.waitForURL(/\/app\/login/);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    expect(page.url()).toMatch(/\/app\/inbox$/);
  });

  it("shows wrong credentials in words", async () => {
    const other = await browser.newPage();
    await other.goto(`${server.origin}/app/login`);
    await other.getByLabel("Email").fill(server.demo.email);
    await other.getByLabel("Password").fill("not-the-password");
    await other.getByRole("button", { name: "Sign in" }).click();
    await expect(other.getByRole("alert").textContent()).resolves.toBe("Email or password is wrong.");
    await other.close();
  });

  it("shows a new visitor conversation live, takes it over and replies to the visitor", async () => {
    const visitor = await startVisitor(server.origin, server.demo.botKey, "Vera Visitor");
    conversationId = visitor.conversationId;
    visitor.say("Hello, I was charged twice for my subscription");
    // no reload: the row arrives over the inbox socket
    const row = page.locator("li.conv", { hasText: "Vera Visitor" });
    await row.waitFor({ timeout: 15_000 });
    await until(
      "the first message preview in the row",
      async () => /charged twice|Hello/.test((await row.textContent()) ?? ""),
      15_000,
    );
    // asking for a person makes the row stand out, live
    visitor.askForHuman();
    await row.getByText("Waiting for a person").waitFor();
    await expect(row.getAttribute("class")).resolves.toMatch(/\bwaiting\b/);
    await page.getByRole("button", { name: /Waiting/ }).click();
    await row.waitFor();
    await screenshot(page, "inbox");
    await page.getByRole("button", { name: "All", exact: true }).click();

    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Vera Visitor" }).waitFor();
    await page.locator(".messages li.msg.visitor", { hasText: "charged twice" }).waitFor();
    await page.getByRole("button", { name: "Take over" }).click();
    await page.getByText("Assigned to you").waitFor();
    await page.getByRole("button", { name: "Release to AI" }).waitFor();
    await until("the visitor seeing a person take over", () =>
      visitor.frames.some((f) => f.type === "mode" && f.mode === "human" && f.reason === "takeover"),
    );

    const reply = page.getByLabel("Reply");
    await reply.fill("Sorry about that! I have refunded the second charge.");
    await reply.press("Enter");
    const got = await until("the agent message at the visitor", () =>
      visitor.frames.find((f) => f.type === "msg" && f.role === "agent"),
    );
    expect(got.text).toBe("Sorry about that! I have refunded the second charge.");
    await page.locator(".messages li.msg.agent", { hasText: "refunded the second charge" }).waitFor();
    await expect(reply.inputValue()).resolves.toBe("");

    // a private note shows for the team and never reaches the visitor
    await page.getByRole("tab", { name: "Private note" }).click();
    const note = page.getByLabel("Private note", { exact: true });
    await note.fill("Refund issued in Stripe, ticket #4411");
    await note.press("Enter");
    await page.locator(".messages li.msg.note", { hasText: "ticket #4411" }).waitFor();
    await page.getByRole("tab", { name: "Reply" }).click();

    visitor.say("Thank you so much");
    await page.locator(".messages li.msg.visitor", { hasText: "Thank you so much" }).waitFor();
    await until("the visitor's own echo", () =>
      visitor.frames.some((f) => f.type === "msg" && f.text === "Thank you so much"),
    );
    expect(JSON.stringify(visitor.frames)).not.toContain("4411");
    await screenshot(page, "conversation");
    visitor.close();
  });

  it("serves a visitor on the real widget from a customer page: live in the inbox, the reply reaches the widget", async () => {
    const host = await startHost(HOST_PORT, { "/": hostPage({ echo: server.origin, botKey: server.demo.botKey }) });
    const customer = await browser.newPage();
    try {
      await customer.goto(host.origin);
      await customer.getByRole("button", { name: "Open chat", exact: true }).click();
      const box = customer.getByRole("textbox", { name: "Type your message…" });
      await box.fill("Do you ship to Canada?");
      await box.press("Enter");

      await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Inbox/ }).click();
      // the only other conversation (its preview moves on as the AI answers)
      const row = page.locator("li.conv").filter({ hasNotText: "Vera Visitor" });
      await row.waitFor({ timeout: 15_000 });
      await row.getByRole("link").click();
      await page.locator(".messages li.msg.visitor", { hasText: "Do you ship to Canada?" }).waitFor();
      await page.getByRole("button", { name: "Take over" }).click();
      await page.getByText("Assigned to you").waitFor();
      await page.getByLabel("Reply").fill("Yes, we ship to Canada in 3 to 5 days.");
      await page.getByLabel("Reply").press("Enter");
      await customer.getByText("Yes, we ship to Canada in 3 to 5 days.").waitFor({ timeout: 15_000 });
    } finally {
      await customer.close();
      await host.close();
    }
  });

  it("adds a knowledge source, sees it become ready and tests the bot with it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Knowledge" }).click();
    await page.getByRole("heading", { name: "Knowledge", level: 1 }).waitFor();
    const form = page.locator("form", { has: page.getByRole("button", { name: "Add Q&A" }) });
    await form.getByLabel("Question").fill("How do I export my notes to PDF?");
    await form
      .getByLabel("Answer")
      .fill("Open the notebook, choose File then Export, and pick PDF. Exports include images and tags.");
    await form.getByRole("button", { name: "Add Q&A" }).click();
    await form.getByRole("status").filter({ hasText: "Added: ready to answer within seconds" }).waitFor();

    const source = page.locator("li.source", { hasText: "export my notes" });
    await source.waitFor();
    const status = await until(
      "the source to be processed",
      async () =>
        ["ready", "failed"].includes((await source.getAttribute("data-status")) ?? "") &&
        (await source.getAttribute("data-status")),
      60_000,
    );
    expect(status, (await source.textContent()) ?? "").toBe("ready");
    await expect(source.getByRole("status").textContent()).resolves.toBe("Ready");

    const panel = page.getByRole("region", { name: "Test your bot" });
    await panel.getByLabel("Question").fill("How can I export notes as a PDF?");
    await panel.getByRole("button", { name: "Ask" }).click();
    const answer = panel.locator(".answer-text");
    await answer.waitFor({ timeout: 20_000 });
    expect(await answer.textContent()).toMatch(/Export/i);
    await expect(panel.locator(".answer-sources").textContent()).resolves.toMatch(/export my notes/i);
    await expect(panel.getByText(/Confidence \d+%/).count()).resolves.toBe(1);
    await screenshot(page, "knowledge");

    // a file through the upload control (the drop zone calls the same upload)
    await page.getByLabel("Upload files").setInputFiles({
      name: "returns.md",
      mimeType: "text/markdown",
      buffer: Buffer.from("# Returns policy\n\nYou can return any item within 30 days for a full refund.\n"),
    });
    const file = page.locator("li.source", { hasText: /returns/i });
    await file.waitFor();
    // the operator watches a live conversation: the AI answer arrives (streamed) with its source
    const kai = await startVisitor(server.origin, server.demo.botKey, "Kai Knowledge");
    // the inbox lists a chat once the visitor writes (an opened widget alone is not a conversation)
    kai.say("Hi there");
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: /Inbox/ }).click();
    await page.locator("li.conv", { hasText: "Kai Knowledge" }).getByRole("link").click();
    await page.getByRole("heading", { name: "Kai Knowledge" }).waitFor();
    await until("the operator socket", async () =>
      (await page.locator(".conv-state").textContent())?.includes("Visitor online"),
    );
    kai.say("How do I export my notes to PDF?");
    const ai = page.locator(".messages li.msg.ai", { hasText: "Export" });
    await ai.waitFor({ timeout: 20_000 });
    await expect(ai.locator("details.sources summary").textContent()).resolves.toMatch(/^\d+ sources?$/);
    await ai.locator("details.sources summary").click();
    await expect(ai.locator("details.sources").textContent()).resolves.toContain("How do I export my notes to PDF?");
    kai.close();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Knowledge" }).click();
    await file.waitFor();

    const settled = await until(
      "the uploaded file to be processed",
      async () =>
        ["ready", "failed"].includes((await file.getAttribute("data-status")) ?? "") &&
        (await file.getAttribute("data-status")),
      60_000,
    );
    expect(settled, (await file.textContent()) ?? "").toBe("ready");
  });

  it("imports a CSV of Q&A pairs: each becomes a source, a bad row is listed, a re-import adds nothing", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Knowledge" }).click();
    await page.getByRole("heading", { name: "Knowledge", level: 1 }).waitFor();
    const csv =
      "question,answer,id\n" +
      "Can I share a notebook with my team?,Yes: open Share and invite them by email.,faq-share\n" +
      "Is there an offline mode?,,faq-offline\n" +
      '"Do you offer refunds?","Within 30 days, in full.",faq-refund\n';
    const file = { name: "faq.csv", mimeType: "text/csv", buffer: Buffer.from(csv) };
    await page.getByLabel("Import Q&A pairs from a CSV file").setInputFiles(file);
    const report = page.locator(".qa-import [role=status]");
    await report.waitFor();
    expect(await report.textContent()).toContain("2 added, 0 updated, 0 unchanged; 1 row left out:");
    expect(await report.textContent()).toContain("Row 3 (answer): empty");
    await page.locator("li.source", { hasText: "share a notebook" }).waitFor();
    await page.locator("li.source", { hasText: "offer refunds" }).waitFor();
    expect(await page.locator("li.source", { hasText: "offline mode" }).count()).toBe(0);
    await screenshot(page, "knowledge-qa-import");
    await page.getByLabel("Import Q&A pairs from a CSV file").setInputFiles(file);
    await until("the second report", async () =>
      (await report.textContent())?.startsWith("0 added, 0 updated, 2 unchanged"),
    );
    expect(await page.locator("li.source", { hasText: "share a notebook" }).count()).toBe(1);
  });

  it("creates an API key shown once, revokes it, and never shows a provider key back", async () => {
    page.on("dialog", (d) => void d.accept());
    const nav = page.getByRole("navigation", { name: "Main" });
    await nav.getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Key name").fill("CRM sync");
    await page.getByRole("button", { name: "Create key" }).click();
    const secret = (await page.locator(".once code").textContent()) ?? "";
    expect(secret).toMatch(/^sk_/);
    await page.getByRole("button", { name: "Done" }).click();
    await expect(page.locator(".once").count()).resolves.toBe(0);
    expect(await page.content()).not.toContain(secret);
    await page.getByRole("button", { name: "Revoke CRM sync" }).click();
    // the in-app confirmation names the consequence; the browser's confirm() is gone
    const ask = page.getByRole("alertdialog");
    await expect(ask.textContent()).resolves.toMatch(/Apps using it stop working/);
    await ask.getByRole("button", { name: "Revoke", exact: true }).click();
    await page.locator("tr", { hasText: "CRM sync" }).getByText("Revoked").waitFor();

    await nav.getByRole("link", { name: "Settings" }).click();
    await page.getByText("Not connected").waitFor();
    const key = "sk-test-provider-key-9f8e7d6c5b4a";
    await page.getByLabel("API key").fill(key);
    await page.getByLabel("Model").fill("gpt-4o-mini");
    await page.getByRole("button", { name: "Save provider" }).click();
    await page.getByText(/Connected: gpt-4o-mini/).waitFor();
    await page.reload();
    await page.getByText(/Connected: gpt-4o-mini/).waitFor();
    expect(await page.content()).not.toContain(key);
    await expect(page.getByRole("status").filter({ hasText: "Connected" }).textContent()).resolves.toContain("5b4a");
    // back to the built-in model: nothing in these tests may call a real provider
    await page.getByRole("button", { name: "Disconnect" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Disconnect", exact: true }).click();
    await page.getByText("Not connected").waitFor();
  });

  it("invites a teammate who accepts, opens the conversation by keyboard and shows as viewing it", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team", level: 1 }).waitFor();
    await page.getByLabel("Email").fill("ann@example.com");
    await page.getByRole("button", { name: "Send invitation" }).click();
    const link = (await page.locator(".once code").textContent()) ?? "";
    expect(link).toMatch(/\/app\/accept\?token=inv_/);
    await page.getByText("ann@example.com · agent").waitFor();

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const ann = await context.newPage();
    ann.on("pageerror", (e) => pageErrors.push(`ann: ${e.message}`));
    await ann.goto(link);
    await ann.getByLabel("Your name").fill("Ann Agent");
    await ann.getByLabel("Password").fill("ann-password-123");
    await ann.getByRole("button", { name: "Accept invitation" }).click();
    await ann.getByRole("heading", { name: "Inbox" }).waitFor();
    await ann.locator("li.conv", { hasText: "Vera Visitor" }).waitFor();
    // "/" focuses the search, Esc leaves it, j selects the first match, Enter opens it
    await ann.keyboard.press("/");
    await ann.keyboard.type("Vera");
    await ann.keyboard.press("Escape");
    await until("the search to narrow the list", async () => (await ann.locator("li.conv").count()) === 1);
    await ann.keyboard.press("j");
    await ann.keyboard.press("Enter");
    await ann.getByRole("heading", { name: "Vera Visitor" }).waitFor();
    expect(ann.url()).toContain(`/app/c/${conversationId}`);

    await page.goto(`${server.origin}/app/c/${conversationId}`);
    await page.getByText("Also viewing: Ann Agent").waitFor();
    await ann.keyboard.press("?");
    await ann.getByRole("dialog", { name: "Keyboard shortcuts" }).waitFor();
    await context.close();
    await until(
      "Ann to leave the viewers",
      async () => (await page.getByText("Also viewing: Ann Agent").count()) === 0,
    );
  });

  it("keeps the session across a reload (silent refresh) and signs out", async () => {
    await page.reload();
    await page.getByRole("heading", { name: "Vera Visitor" }).waitFor();
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await page.goto(`${server.origin}/app/inbox`);
    await page.waitForURL(/\/app\/login\?next=/);
    await expect(page.evaluate(() => localStorage.getItem("echo.session"))).resolves.toBeNull();
  });

  it("raised no uncaught errors in the page", () => {
    expect(pageErrors).toEqual([]);
  });
});
