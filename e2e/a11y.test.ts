// Issue 22, "What must show": axe-core over every dashboard screen, in light and dark, at desktop
// and phone size, with no serious or critical violation (WCAG 2.1 A/AA rules, colour contrast
// included); a screenshot of each screen in each of the four looks goes to artifacts/screenshots/
// (a11y-<screen>-<theme>-<size>.png). Also the phone navigation: one "Menu" button instead of a
// sideways-scrolling row, and tables that reflow into cards (no sideways scroll).
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8880);
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");

type Finding = { id: string; impact: string | null; help: string; targets: string[] };

/** Runs axe-core on the page; returns its serious and critical findings. */
async function seriousViolations(page: Page): Promise<Finding[]> {
  if (!(await page.evaluate(() => "axe" in window))) await page.addScriptTag({ path: AXE });
  const found = await page.evaluate(async () => {
    type AxeResult = {
      violations: { id: string; impact: string | null; help: string; nodes: { target: unknown[] }[] }[];
    };
    const axe = (window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } }).axe;
    const r = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
    });
    return r.violations.map((v) => ({
      id: v.id,
      impact: v.impact,
      help: v.help,
      targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(" ")),
    }));
  });
  return found.filter((v) => v.impact === "serious" || v.impact === "critical");
}

/** Whether the page scrolls sideways (content wider than the viewport). */
const scrollsSideways = (page: Page) =>
  page.evaluate(() => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1);

describe("accessibility and looks of every screen", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const findings: Record<string, Finding[]> = {};
  let conversationPath = "";

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-a11y-", pageErrors));
    // axe-core goes in as a script tag, which the dashboard's CSP (script-src 'self') would refuse
    await page.close();
    page = await (await browser.newContext({ bypassCSP: true, viewport: { width: 1280, height: 800 } })).newPage();
    page.on("pageerror", (e) => pageErrors.push(e.message));
    // a conversation waiting for a person, so the inbox, the thread and the tickets have content
    const r = await fetch(`${server.origin}/api/widget/sessions`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ botKey: server.demo.botKey, visitor: { name: "Avery Access" } }),
    });
    const session = (await r.json()) as { wsUrl: string; conversationId: string };
    expect(r.status, JSON.stringify(session)).toBe(200);
    conversationPath = `/app/c/${session.conversationId}`;
    const ws = new WebSocket(session.wsUrl);
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve(), { once: true });
      ws.addEventListener("error", () => reject(new Error("visitor socket failed")), { once: true });
    });
    ws.send(JSON.stringify({ type: "msg", cid: "a-1", text: "How long does **shipping** take?" }));
    ws.send(JSON.stringify({ type: "human" }));
    ws.close();
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const signedOut: [string, string][] = [
    ["login", "/app/login"],
    ["signup", "/app/signup"],
    ["reset", "/app/reset"],
  ];
  const signedIn: [string, () => string, string | RegExp][] = [
    ["inbox", () => "/app/inbox", "Inbox"],
    ["conversation", () => conversationPath, "Avery Access"],
    ["tickets", () => "/app/tickets", "Tickets"],
    ["knowledge", () => "/app/knowledge", "Knowledge"],
    ["bots", () => "/app/bots", "Bots"],
    ["team", () => "/app/team", "Team"],
    ["triage", () => "/app/triage", "Triage"],
    ["voice", () => "/app/voice", "Voice"],
    ["keys", () => "/app/keys", "API keys"],
    ["settings", () => "/app/settings", "Settings"],
    ["settings-roles", () => "/app/settings/roles", "Roles"],
    ["settings-sso", () => "/app/settings/sso", "Single sign-on"],
    ["analytics", () => "/app/analytics", "Analytics"],
    ["calls", () => "/app/calls", "Calls"],
    ["billing", () => "/app/billing", "Billing"],
    ["account", () => "/app/account", "Your account"],
  ];
  const looks = [
    { theme: "light", size: "desktop", viewport: { width: 1280, height: 800 } },
    { theme: "dark", size: "desktop", viewport: { width: 1280, height: 800 } },
    { theme: "light", size: "phone", viewport: { width: 390, height: 844 } },
    { theme: "dark", size: "phone", viewport: { width: 390, height: 844 } },
  ] as const;

  for (const look of looks) {
    it(`signed-out screens, ${look.theme}, ${look.size}`, async () => {
      await page.setViewportSize(look.viewport);
      await page.emulateMedia({ colorScheme: look.theme });
      for (const [name, path] of signedOut) {
        await page.goto(`${server.origin}${path}`);
        await page.getByRole("heading", { level: 1 }).waitFor();
        await until("the theme", async () => (await page.locator(`html[data-theme='${look.theme}']`).count()) === 1);
        await screenshot(page, `a11y-${name}-${look.theme}-${look.size}`);
        findings[`${name} ${look.theme} ${look.size}`] = await seriousViolations(page);
      }
    });
  }

  // the public landing page at `/` (static, no script: no theme attribute to wait for; the colour
  // scheme comes from the media query)
  for (const look of looks) {
    it(`the landing page, ${look.theme}, ${look.size}`, async () => {
      await page.setViewportSize(look.viewport);
      await page.emulateMedia({ colorScheme: look.theme });
      await page.goto(`${server.origin}/`);
      await page.getByRole("heading", { level: 1 }).waitFor();
      await screenshot(page, `a11y-landing-${look.theme}-${look.size}`);
      findings[`landing ${look.theme} ${look.size}`] = await seriousViolations(page);
      expect(await scrollsSideways(page), `landing ${look.theme} ${look.size} scrolls sideways`).toBe(false);
    });
  }

  it("signs in", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
  });

  for (const look of looks) {
    it(`every signed-in screen, ${look.theme}, ${look.size}`, async () => {
      await page.setViewportSize(look.viewport);
      await page.emulateMedia({ colorScheme: look.theme });
      for (const [name, path, heading] of signedIn) {
        await page.goto(`${server.origin}${path()}`);
        await page
          .getByRole("heading", { name: heading, exact: typeof heading === "string" })
          .first()
          .waitFor();
        await until("the theme", async () => (await page.locator(`html[data-theme='${look.theme}']`).count()) === 1);
        // lazy screens show a spinner first: wait until it is gone
        await until("the screen loaded", async () => (await page.locator(".loading").count()) === 0);
        await screenshot(page, `a11y-${name}-${look.theme}-${look.size}`);
        findings[`${name} ${look.theme} ${look.size}`] = await seriousViolations(page);
        if (look.size === "phone")
          expect(await scrollsSideways(page), `${name} scrolls sideways at phone size`).toBe(false);
      }
    });
  }

  it("has no serious or critical axe-core violation on any screen", () => {
    const bad = Object.entries(findings).filter(([, f]) => f.length > 0);
    expect(Object.keys(findings).length).toBe((signedOut.length + 1 + signedIn.length) * looks.length);
    expect(bad, JSON.stringify(bad, null, 1)).toEqual([]);
  });

  it("on a phone, every section is one Menu press away, and the menu closes on choosing one", async () => {
    await page.setViewportSize({ width: 390, height: 844 });
    await page.emulateMedia({ colorScheme: "light" });
    await page.goto(`${server.origin}/app/inbox`);
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    const nav = page.getByRole("navigation", { name: "Main" });
    // closed: the sections are not shown, the button says so
    const menu = nav.getByRole("button", { name: /^Menu/ });
    expect(await menu.getAttribute("aria-expanded")).toBe("false");
    expect(await nav.getByRole("link", { name: "Settings" }).isVisible()).toBe(false);
    await menu.click();
    expect(await menu.getAttribute("aria-expanded")).toBe("true");
    // open: all nine sections are inside the viewport, none needs a sideways scroll
    for (const label of ["Inbox", "Tickets", "Knowledge", "Bots", "Team", "Triage", "Voice", "API keys", "Settings"]) {
      const box = await nav.getByRole("link", { name: new RegExp(`^${label}`) }).boundingBox();
      expect(box, label).not.toBeNull();
      expect(box!.x >= 0 && box!.x + box!.width <= 390, `${label} at x=${box!.x}`).toBe(true);
    }
    await screenshot(page, "ux-phone-menu-open");
    await nav.getByRole("link", { name: "Team" }).click();
    await page.getByRole("heading", { name: "Team" }).waitFor();
    await until("the menu closed", async () => (await menu.getAttribute("aria-expanded")) === "false");
    // the members table reads as cards: each cell carries its column's name, nothing overflows
    const cell = page.locator("table.reflow td[data-label='Email']").first();
    await cell.waitFor();
    expect(await cell.evaluate((td) => getComputedStyle(td, "::before").content)).toBe('"Email"');
    expect(await scrollsSideways(page)).toBe(false);
    await screenshot(page, "ux-phone-team-cards");
    expect(pageErrors).toEqual([]);
  });
});
