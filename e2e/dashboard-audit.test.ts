// Issue 18, the dashboard's Audit log screen, in headless Chromium against the local server:
//  - actions done through the API (a failed sign-in, API keys created and revoked) show as rows,
//    newest first, exactly as GET /api/audit lists them, with "Load more" paging by the cursor;
//  - filtering by action shows only that action, a date range outside today shows the empty state,
//    one row's metadata opens, and an unreachable server shows an error with a retry;
//  - "Export CSV" / "Export JSON" download the export of the current filters, fetched with the
//    bearer token in a header (never in a URL);
//  - an agent (no audit:read) has no nav entry and gets "Not available" on the route.
import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, demoApi, e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8917);
const UA = "audit-e2e/1.0";

type Entry = { id: string; action: string; userAgent: string | null; metadata: Record<string, unknown> };

describe("dashboard audit log", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let owner: ReturnType<typeof demoApi>;
  let auditKeyId = "";
  const requests: { url: string; auth: string | undefined }[] = [];

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-audit-", pageErrors));
    owner = demoApi(server);
    // a failed sign-in of the demo owner, from a client the screen should name
    const failed = await fetch(`${server.origin}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json", "user-agent": UA },
      body: JSON.stringify({ email: server.demo.email, password: "not the password at all" }),
    });
    expect(failed.status).toBe(401);
    // more than one page (50) of entries: 26 keys created and revoked, then the one the test follows
    for (let i = 0; i < 26; i++) {
      const k = await owner<{ id: string }>("/api/keys", {
        method: "POST",
        json: { name: `bulk ${i}`, scopes: ["bots:read"] },
      });
      await owner(`/api/keys/${k.id}`, { method: "DELETE" });
    }
    const key = await owner<{ id: string }>("/api/keys", {
      method: "POST",
      json: { name: "e2e audit key", scopes: ["bots:read"] },
    });
    auditKeyId = key.id;
    await owner(`/api/keys/${key.id}`, { method: "DELETE" });
    page.on("request", (r) => {
      if (r.url().includes("/api/audit")) requests.push({ url: r.url(), auth: r.headers().authorization });
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  const rows = (p: Page) => p.locator("table.audit tbody tr[data-id]");
  const rowIds = (p: Page) => rows(p).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-id")));
  const rowActions = (p: Page) => rows(p).evaluateAll((trs) => trs.map((tr) => tr.getAttribute("data-action")));
  /** A local calendar day in the page's time zone, `days` from today, as a date input takes it. */
  const day = (days: number) =>
    page.evaluate((n) => {
      const d = new Date();
      d.setDate(d.getDate() + n);
      return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, "0")}-${String(d.getDate()).padStart(2, "0")}`;
    }, days);

  it("lists the entries newest first, as the API does, and pages with Load more", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Audit log" }).click();
    await page.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
    await page.locator('table.audit tr[data-action="key.revoked"]').first().waitFor();

    const all = await owner<{ data: Entry[]; nextCursor: string | null }>("/api/audit?limit=200");
    expect(all.nextCursor).toBeNull();
    expect(all.data.length, JSON.stringify(all.data.map((e) => e.action))).toBeGreaterThan(50);
    // the first page: the API's newest 50, in its order (newest first)
    expect(await rowIds(page)).toEqual(all.data.slice(0, 50).map((e) => e.id));
    const actions = await rowActions(page);
    expect(actions[0]).toBe("auth.sign_in"); // this browser's own sign-in is the newest
    // then the key's revocation and creation (two requests apart; the same millisecond would tie them)
    expect(actions.slice(1, 3).sort()).toEqual(["key.created", "key.revoked"]);
    await page.getByText("50 entries shown; older ones follow.").waitFor();

    await page.getByRole("button", { name: "Load more" }).click();
    await until("every entry on screen", async () => (await rows(page).count()) === all.data.length);
    expect(await rowIds(page)).toEqual(all.data.map((e) => e.id));
    await page.getByText(`${all.data.length} entries shown; that is all.`).waitFor();
    await expect(page.getByRole("button", { name: "Load more" }).count()).resolves.toBe(0);

    // the failed sign-in, with the client that tried it
    const failed = page.locator('table.audit tr[data-action="auth.sign_in_failed"]');
    await expect(failed.count()).resolves.toBe(1);
    await expect(failed.locator('td[data-label="User agent"]').textContent()).resolves.toBe(UA);
    await screenshot(page, "audit-log");
  });

  it("filters by action and by date, and opens one entry's metadata", async () => {
    await page.getByLabel("Action").selectOption("key.created");
    await until("only key.created rows", async () => {
      const a = await rowActions(page);
      return a.length === 27 && a.every((x) => x === "key.created");
    });
    const apiKeys = await owner<{ data: Entry[] }>("/api/audit?action=key.created&limit=200");
    expect(await rowIds(page)).toEqual(apiKeys.data.map((e) => e.id));
    const row = rows(page).first();
    await expect(row.locator('td[data-label="Target"]').textContent()).resolves.toBe(`key ${auditKeyId}`);

    await row.getByRole("button", { name: /^Show/ }).click();
    await expect(row.getByRole("button", { name: /^Hide/ }).getAttribute("aria-expanded")).resolves.toBe("true");
    const details = page.getByLabel("Details of key.created");
    await details.waitFor();
    await expect(details.locator("dt").allTextContents()).resolves.toEqual(["name", "scopes", "request"]);
    await expect(details.locator("dd").nth(0).textContent()).resolves.toBe("e2e audit key");
    await expect(details.locator("dd").nth(1).textContent()).resolves.toBe("bots:read");
    await screenshot(page, "audit-log-details");

    // from yesterday: everything is still there; from tomorrow: nothing, said in words
    await page.getByLabel("From").fill(await day(-1));
    await until(
      "the day filter applied",
      async () => requests.some((r) => r.url.includes("from=")) && (await rows(page).count()) === 27,
    );
    await page.getByLabel("From").fill(await day(1));
    await page.getByText("No entries match these filters").waitFor();
    await expect(rows(page).count()).resolves.toBe(0);
    await page.getByRole("button", { name: "Clear filters" }).click();
    await until("the unfiltered first page", async () => (await rows(page).count()) === 50);
  });

  it("exports the current filters as CSV and JSON with the token in a header, not the URL", async () => {
    await page.getByLabel("Action").selectOption("key.created");
    await until("only key.created rows", async () => (await rows(page).count()) === 27);
    const [csv] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export CSV" }).click(),
    ]);
    expect(csv.suggestedFilename()).toMatch(/^audit-\d{4}-\d{2}-\d{2}\.csv$/);
    const lines = (await readFile((await csv.path())!, "utf8")).trim().split("\r\n");
    expect(lines[0]).toBe("id,at,action,actorType,actorId,targets,ip,userAgent,requestId,metadata");
    expect(lines).toHaveLength(28);
    expect(lines.slice(1).every((l) => l.includes(",key.created,user,"))).toBe(true);
    expect(lines[1]).toContain(`key:${auditKeyId}`);

    const [json] = await Promise.all([
      page.waitForEvent("download"),
      page.getByRole("button", { name: "Export JSON" }).click(),
    ]);
    expect(json.suggestedFilename()).toMatch(/\.json$/);
    const entries = JSON.parse(await readFile((await json.path())!, "utf8")) as Entry[];
    expect(entries.map((e) => e.action)).toEqual(Array(27).fill("key.created"));
    expect(entries[0]!.metadata).toEqual({ name: "e2e audit key", scopes: ["bots:read"] });

    const exports = requests.filter((r) => r.url.includes("/api/audit/export"));
    expect(exports.map((r) => new URL(r.url).search)).toEqual([
      "?action=key.created&format=csv",
      "?action=key.created&format=json",
    ]);
    for (const r of requests) {
      expect(r.auth).toMatch(/^Bearer /);
      expect(r.url).not.toContain(r.auth!.slice("Bearer ".length));
      expect(r.url).not.toMatch(/token/i);
    }
  });

  it("says so in words when the log cannot be loaded, and recovers on Try again", async () => {
    await page.context().setOffline(true);
    try {
      await page.getByLabel("Action").selectOption("key.revoked");
      await page.getByRole("alert").filter({ hasText: "The audit log could not be loaded" }).waitFor();
      await expect(
        page.getByRole("alert").filter({ hasText: "The audit log could not be loaded" }).textContent(),
      ).resolves.toContain("Echo cannot be reached. Check your connection");
    } finally {
      await page.context().setOffline(false);
    }
    await page.getByRole("button", { name: "Try again" }).click();
    await until("only key.revoked rows", async () => {
      const a = await rowActions(page);
      return a.length === 27 && a.every((x) => x === "key.revoked");
    });
    await expect(page.getByText("The audit log could not be loaded").count()).resolves.toBe(0);
  });

  it("an agent has no Audit log entry and gets Not available on the route", async () => {
    const inv = await owner<{ token: string }>("/api/team/invitations", {
      method: "POST",
      json: { email: "aggie-agent@example.com", role: "agent" },
    });
    const password = "Aggie Agent password 123";
    const joined = await api<{ accessToken: string }>(server.origin, "", "POST", "/api/auth/accept-invitation", {
      token: inv.token,
      password,
      name: "Aggie Agent",
    });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    const refused = await api(server.origin, joined.body.accessToken, "GET", "/api/audit");
    expect(refused.status).toBe(403);

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    p.on("pageerror", (e) => pageErrors.push(`agent: ${e.message}`));
    const calls: string[] = [];
    p.on("request", (r) => {
      if (r.url().includes("/api/audit")) calls.push(r.url());
    });
    try {
      await p.goto(`${server.origin}/app/login`);
      await p.getByLabel("Email").fill("aggie-agent@example.com");
      await p.getByLabel("Password").fill(password);
      await p.getByRole("button", { name: "Sign in" }).click();
      await p.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
      const nav = await p.getByRole("navigation", { name: "Main" }).locator(".nav-menu ul a").allTextContents();
      expect(nav.map((t) => t.replace(/\d+ waiting$|\d+$/, "").trim())).toContain("Tickets");
      expect(nav.join("|")).not.toContain("Audit");
      await p.goto(`${server.origin}/app/audit`);
      await p.getByRole("heading", { name: "Not available", level: 1 }).waitFor();
      expect(calls).toEqual([]);
    } finally {
      await context.close();
    }
  });

  it("a custom role with audit:read alone reads the log but has no export buttons", async () => {
    const role = await owner<{ id: string }>("/api/roles", {
      method: "POST",
      json: { name: "Auditor", permissions: ["audit:read"] },
    });
    const inv = await owner<{ token: string }>("/api/team/invitations", {
      method: "POST",
      json: { email: "aud-reader@example.com", role: "agent" },
    });
    const password = "Aud Reader password 123";
    const joined = await api<{ user: { id: string } }>(server.origin, "", "POST", "/api/auth/accept-invitation", {
      token: inv.token,
      password,
      name: "Aud Reader",
    });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    await owner(`/api/team/members/${joined.body.user.id}`, { method: "PATCH", json: { role: role.id } });

    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    p.on("pageerror", (e) => pageErrors.push(`auditor: ${e.message}`));
    try {
      await p.goto(`${server.origin}/app/login`);
      await p.getByLabel("Email").fill("aud-reader@example.com");
      await p.getByLabel("Password").fill(password);
      await p.getByRole("button", { name: "Sign in" }).click();
      // sign-in lands on the first screen this role may open (not the inbox): the log, alone in the nav
      await p.getByRole("heading", { name: "Audit log", level: 1 }).waitFor();
      expect(new URL(p.url()).pathname).toBe("/app/audit");
      const nav = await p.getByRole("navigation", { name: "Main" }).locator(".nav-menu ul a").allTextContents();
      expect(nav).toEqual(["Audit log"]);
      await p.locator('table.audit tr[data-action="member.role_changed"]').first().waitFor();
      await expect(p.getByRole("button", { name: /^Export/ }).count()).resolves.toBe(0);
      // no team:read: actors show as their ids
      const changed = await owner<{ data: { actor: { id: string } }[] }>("/api/audit?action=member.role_changed");
      expect(changed.data[0]!.actor.id).toMatch(/^usr_/);
      await expect(
        p.locator('table.audit tr[data-action="member.role_changed"] td[data-label="Actor"]').first().textContent(),
      ).resolves.toBe(changed.data[0]!.actor.id);
    } finally {
      await context.close();
    }
  });

  it("had no uncaught page errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
