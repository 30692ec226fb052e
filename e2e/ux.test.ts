// Issue 22 in the browser: presence-aware hand-off (the widget says a teammate will join instead of
// asking for an email while an agent has the inbox open), the waiting count in the tab title and on
// the favicon, the alert sound, and full-text search over messages with a "no matches" state.
// Screenshots go to artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import {
  e2ePort,
  hostPage,
  openDashboard,
  screenshot,
  startHost,
  until,
  type LocalServer,
  openVisitor,
  demoApi,
} from "./harness";

const PORT = e2ePort(8870);
const HOST_PORT = e2ePort(8871);

/** A visitor over the real widget protocol, from Node (as e2e/dashboard.test.ts does). */
const startVisitor = (origin: string, botKey: string, name: string) => openVisitor(origin, botKey, name);

describe("operator alerts, presence-aware hand-off and message search", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  let host: Awaited<ReturnType<typeof startHost>>;
  const pageErrors: string[] = [];

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-ux-", pageErrors));
    host = await startHost(HOST_PORT, {});
    host.pages["/plain"] = hostPage({ echo: server.origin, botKey: server.demo.botKey });
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
  });

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await server?.stop();
  });

  it("has a real favicon and a plain title while nobody waits", async () => {
    await until("the inbox title", async () => (await page.title()) === "Inbox · Echo");
    const icon = await page.locator("link[rel='icon']").getAttribute("href");
    expect(decodeURIComponent(icon ?? "")).toMatch(/^data:image\/svg\+xml,<svg[^]*<rect[^]*<path/);
    expect(decodeURIComponent(icon ?? "")).not.toMatch(/circle/);
  });

  it("asks for desktop notifications by a button in the inbox, not on load", async () => {
    const prompt = page.getByRole("region", { name: "Desktop notifications" });
    await prompt.waitFor();
    // the browser's own prompt: answered "Allow" for this test
    await page.context().grantPermissions(["notifications"], { origin: server.origin });
    await prompt.getByRole("button", { name: "Turn on notifications" }).click();
    await prompt.waitFor({ state: "detached" });
  });

  it("with an agent online the widget says a teammate will join and offers no email capture", async () => {
    // a fresh browser profile: a new visitor, not the previous conversation resumed
    const visitor = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    await visitor.goto(`${host.origin}/plain`);
    await visitor.getByRole("button", { name: "Open chat" }).click();
    await visitor.getByRole("button", { name: "Talk to a person" }).click();
    await visitor.getByText(/A teammate will join shortly/).waitFor({ timeout: 15_000 });
    await until(
      "the waiting notice",
      async () => (await visitor.getByRole("status").filter({ hasText: "Waiting for a person…" }).count()) > 0,
    );
    expect(await visitor.getByRole("textbox", { name: /Leave your email/ }).count()).toBe(0);
    await screenshot(visitor, "ux-widget-agent-online");

    // the operator's tab: "(1)" in the title, a badge on the favicon, the sound played once
    await until("(1) in the title", async () => (await page.title()) === "(1) Inbox · Echo");
    const icon = decodeURIComponent((await page.locator("link[rel='icon']").getAttribute("href")) ?? "");
    expect(icon).toMatch(/<circle[^>]*fill='#dc2626'\/><text[^>]*>1<\/text>/);
    await until(
      "the alert sound",
      async () => (await page.evaluate(() => performance.getEntriesByName("echo:alert-sound").length)) === 1,
    );
    await screenshot(page, "ux-inbox-waiting");
    // the title follows the operator to other screens
    await page.getByRole("link", { name: "Knowledge" }).click();
    await until("(1) on another screen", async () => (await page.title()) === "(1) Knowledge · Echo");
    await page.getByRole("link", { name: /^Inbox/ }).click();
    await visitor.context().close();
  });

  it("without an agent online the widget offers the email capture", async () => {
    // the operator leaves (the dashboard tab closes its inbox socket)
    await page.goto("about:blank");
    // a fresh browser profile: a new visitor, not the previous conversation resumed
    const visitor = await (await browser.newContext({ viewport: { width: 1000, height: 800 } })).newPage();
    await visitor.goto(`${host.origin}/plain`);
    await visitor.getByRole("button", { name: "Open chat" }).click();
    await visitor.getByRole("button", { name: "Talk to a person" }).click();
    await visitor.getByText(/No one from the team is online right now/).waitFor({ timeout: 15_000 });
    await visitor.getByRole("textbox", { name: /Leave your email/ }).waitFor();
    await screenshot(visitor, "ux-widget-no-agent");
    await visitor.context().close();
    // the dashboard's first list reads the rooms' D1 copies: wait until both waiting chats are there
    await until("two waiting conversations listed by the API", async () => {
      const waiting = await demoApi(server)<{ data: unknown[] }>("/api/conversations?status=waiting");
      return waiting.data.length === 2;
    });
    await page.goto(`${server.origin}/app/inbox`);
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await until("(2) in the title", async () => (await page.title()) === "(2) Inbox · Echo");
    // both already waited when the tab opened: counted, not sounded
    await page.locator("li.conv").nth(1).waitFor();
    expect(await page.evaluate(() => performance.getEntriesByName("echo:alert-sound").length)).toBe(0);
  });

  it("turns the sound off and keeps it off", async () => {
    await page.getByRole("button", { name: "Sound on" }).click();
    await page.getByRole("button", { name: "Sound off" }).waitFor();
    await page.reload();
    await page.getByRole("button", { name: "Sound off" }).waitFor();
    expect(await page.evaluate(() => localStorage.getItem("echo.sound"))).toBe("off");
  });

  it("finds a conversation by a word inside an earlier message, and says when nothing matches", async () => {
    const v = await startVisitor(server.origin, server.demo.botKey, "Sam Searcher");
    v.say("My parcel zanzibar has not arrived yet");
    v.say("Hello again, any news?");
    // both stored by the room (acknowledged), then copied to D1 where the search reads: waited for
    // through the API first, so a slow copy and a UI fault fail with different messages
    await until(
      "both messages acknowledged",
      () => v.frames.filter((f) => f.type === "msg" && f.role === "visitor").length === 2,
    );
    await until(
      "the API's search to find the conversation",
      async () =>
        (await demoApi(server)<{ data: { id: string }[] }>("/api/conversations?q=zanzib")).data.some(
          (c) => c.id === v.conversationId,
        ),
      45_000,
    );
    const search = page.getByRole("searchbox", { name: "Search conversations" });
    // The D1 copy trails the room by a moment, and the unfiltered list may already show the new
    // conversation live: search again until the list is exactly that one conversation.
    const rows = page.locator("li.conv");
    let attempt = 0;
    await until("the search to list only Sam Searcher", async () => {
      await search.fill(++attempt % 2 ? "zanzib" : "ZANZIB");
      return until(
        "one row",
        async () => (await rows.count()) === 1 && (await rows.first().textContent())?.includes("Sam Searcher"),
        2000,
      ).catch(() => false);
    });
    await screenshot(page, "ux-inbox-search");
    await search.fill("nothing-like-this-anywhere");
    await page.getByText("No conversations match “nothing-like-this-anywhere”").waitFor();
    expect(await page.getByText("No conversations here").count()).toBe(0);
    await screenshot(page, "ux-inbox-no-match");
    await page.getByRole("button", { name: "Clear search" }).click();
    expect(await search.inputValue()).toBe("");
    await page.locator("li.conv", { hasText: "Sam Searcher" }).waitFor();
    v.close();
    expect(pageErrors).toEqual([]);
  });

  it("renders Markdown in the thread and strips it in previews; Close can be undone", async () => {
    const row = page.locator("li.conv", { hasText: "Sam Searcher" });
    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Sam Searcher" }).waitFor();
    await page.getByRole("button", { name: "Take over" }).click();
    await page.getByText("Assigned to you").waitFor();
    const reply = page.getByLabel("Reply");
    await reply.fill("Your parcel ships in **3 days** with `DHL`");
    await reply.press("Enter");
    const bubble = page.locator(".messages li.msg.agent", { hasText: "Your parcel ships" });
    await bubble.locator("strong", { hasText: "3 days" }).waitFor();
    await bubble.locator("code", { hasText: "DHL" }).waitFor();
    expect(await bubble.textContent()).not.toContain("**");
    await until("the stripped preview", async () =>
      ((await row.locator(".conv-preview").textContent()) ?? "").includes("Your parcel ships in 3 days with DHL"),
    );
    await screenshot(page, "ux-thread-markdown");

    // Close, then Undo within the window: nothing reaches the room
    await page.getByRole("button", { name: "Close", exact: true }).click();
    const undo = page.getByRole("button", { name: "Undo" });
    await undo.click();
    await page.getByRole("button", { name: "Close", exact: true }).waitFor();
    await new Promise((r) => setTimeout(r, 5500));
    expect(await page.locator(".conv-head .tag.mode-closed").count()).toBe(0);
    // Close and let it go: closed after the undo window
    await page.getByRole("button", { name: "Close", exact: true }).click();
    await page.getByText("Closing this conversation…").waitFor();
    await page.locator(".conv-head .tag.mode-closed").waitFor({ timeout: 15_000 });
  });

  it("confirms destructive actions in an in-app dialog (Cancel keeps, the action proceeds)", async () => {
    const native: string[] = [];
    page.on("dialog", (d) => {
      native.push(d.message());
      void d.dismiss();
    });
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "API keys" }).click();
    await page.getByLabel("Key name").fill("Zap");
    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("button", { name: "Done" }).click();
    await page.getByRole("button", { name: "Revoke Zap" }).click();
    const ask = page.getByRole("alertdialog");
    await expect(ask.textContent()).resolves.toMatch(/Revoke “Zap”\? Apps using it stop working\./);
    await screenshot(page, "ux-confirm");
    await ask.getByRole("button", { name: "Cancel" }).click();
    expect(await page.locator("tr", { hasText: "Zap" }).getByText("Revoked").count()).toBe(0);
    await page.getByRole("button", { name: "Revoke Zap" }).click();
    await ask.getByRole("button", { name: "Revoke", exact: true }).click();
    await page.locator("tr", { hasText: "Zap" }).getByText("Revoked").waitFor();
    expect(native).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("marks a refused field in plain words next to it, focuses it, and shows success after the fix", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Bots" }).click();
    const origins = page.getByLabel("Allowed origins");
    await origins.fill("nimbus.example/help");
    await page.getByRole("button", { name: "Save changes" }).click();
    const why = page.locator(".field-error", { hasText: "Line 1: use an origin like https://example.com." });
    await why.waitFor();
    // the control says it is invalid, names its error, and has the focus (so it is on screen)
    expect(await origins.getAttribute("aria-invalid")).toBe("true");
    expect(await origins.getAttribute("aria-describedby")).toContain(await why.getAttribute("id"));
    await until("the field focused", () => origins.evaluate((el) => el === document.activeElement));
    // its error line is on screen, not under the sticky Save bar
    const line = await why.boundingBox();
    const bar = await page.locator(".sticky-actions").boundingBox();
    expect(line && bar && line.y + line.height <= bar.y, JSON.stringify({ line, bar })).toBe(true);
    expect(await page.getByRole("alert").textContent()).toBe("One field needs a change: it is marked.");
    expect(await page.getByText(/does not match the schema|allowedOrigins/).count()).toBe(0);
    await screenshot(page, "ux-field-error");
    await origins.fill("https://nimbus.example");
    await page.getByRole("button", { name: "Save changes" }).click();
    await page.getByRole("status").filter({ hasText: "Saved." }).waitFor();
    expect(await origins.getAttribute("aria-invalid")).toBeNull();
    expect(await why.count()).toBe(0);
    expect(pageErrors).toEqual([]);
  });

  it("offers DOCX (not JSON) in the upload picker; a failed file says why in words and can be uploaded again", async () => {
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Knowledge" }).click();
    const picker = page.getByLabel("Upload files");
    const accept = (await picker.getAttribute("accept")) ?? "";
    expect(accept.split(",")).toContain(".docx");
    expect(accept).not.toMatch(/json/);
    await picker.setInputFiles({
      name: "broken.docx",
      mimeType: "application/octet-stream",
      buffer: Buffer.from([1, 2, 3]),
    });
    const row = page.locator("li.source", { hasText: "broken" });
    await row.getByText("This file is not a readable Word document (DOCX).").waitFor({ timeout: 30_000 });
    await screenshot(page, "ux-source-failed");
    await row.getByLabel(/Upload broken.* again/).setInputFiles({
      name: "fixed.txt",
      mimeType: "text/plain",
      buffer: Buffer.from("Parcels ship within three days of the order."),
    });
    await row.waitFor({ state: "detached", timeout: 30_000 });
    await page.locator("li.source", { hasText: "fixed" }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
