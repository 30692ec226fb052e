// Issue 18, dashboard side, in headless Chromium against the local server: the dashboard shows what
// the member's permissions allow, not what a role name suggests, and an account in two workspaces
// switches between them from the nav.
//  - a custom role with only conversations:read + replies:write sees the inbox and replies to a
//    visitor, but has no Calls, Billing, Team … entries, no take-over or note controls, and a screen
//    it opens by URL says it is not available;
//  - a viewer sees the conversation and no reply box;
//  - the demo owner, also an agent in a second workspace, switches there: that workspace's inbox (and
//    its live socket), the agent's nav; and back.
// Every state that matters is also checked through the REST API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, demoApi, e2ePort, openDashboard, openVisitor, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8885);

type Session = {
  accessToken: string;
  tenant: { id: string; name: string };
  role: string;
  permissions: string[];
};

describe("dashboard permissions and workspace switching", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let owner: ReturnType<typeof demoApi>;

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-perms-", pageErrors));
    owner = demoApi(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  /**
   * A member with `role` (built-in, or a custom role's id given after joining as an agent: invitations
   * carry built-in roles), signed in through the login form in a fresh browser context.
   */
  async function member(email: string, role: string, name: string, landing: string) {
    const invited = role.startsWith("role_") ? "agent" : role;
    const inv = await owner<{ token: string }>("/api/team/invitations", {
      method: "POST",
      json: { email, role: invited },
    });
    const password = `${name} password 123`;
    const joined = await api<{ user: { id: string } }>(server.origin, "", "POST", "/api/auth/accept-invitation", {
      token: inv.token,
      password,
      name,
    });
    expect(joined.status, JSON.stringify(joined.body)).toBe(200);
    if (role !== invited) await owner(`/api/team/members/${joined.body.user.id}`, { method: "PATCH", json: { role } });
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } });
    const p = await context.newPage();
    p.on("pageerror", (e) => pageErrors.push(`${name}: ${e.message}`));
    await p.goto(`${server.origin}/app/login`);
    await p.getByLabel("Email").fill(email);
    await p.getByLabel("Password").fill(password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: landing, level: 1 }).waitFor();
    return p;
  }

  /** The inbox lists a chat once its first message is in D1 (the room writes its copy after the frame goes
   *  out): a test waits for that before a first list, so the list cannot race the copy. */
  const listed = (conversationId: string) =>
    until("the conversation listed by the API", async () =>
      (await owner<{ data: { id: string }[] }>("/api/conversations")).data.some((c) => c.id === conversationId),
    );

  const navLinks = async (p: Page) =>
    (await p.getByRole("navigation", { name: "Main" }).locator(".nav-menu ul a").allTextContents()).map((t) =>
      t.replace(/\d+ waiting$|\d+$/, "").trim(),
    );

  it("a custom role with conversations:read and replies:write: the inbox and a reply, nothing else", async () => {
    const role = await owner<{ id: string }>("/api/roles", {
      method: "POST",
      json: { name: "Replier", permissions: ["conversations:read", "replies:write"] },
    });
    const visitor = await openVisitor(server.origin, server.demo.botKey, "Rita Replied");
    visitor.say("Where is my parcel?");
    await listed(visitor.conversationId);

    const p = await member("rita-agent@example.com", role.id, "Rick Replier", "Inbox");
    try {
      // the nav holds only the inbox: no Calls (voice:read), Billing, Team, Settings …
      expect(await navLinks(p)).toEqual(["Inbox"]);
      await expect(p.locator(".nav-foot .who small").textContent()).resolves.toMatch(/custom role/);

      const row = p.locator("li.conv", { hasText: "Rita Replied" });
      await row.waitFor({ timeout: 15_000 });
      await row.getByRole("link").click();
      await p.getByRole("heading", { name: "Rita Replied" }).waitFor();
      await p.locator(".messages li.msg.visitor", { hasText: "parcel" }).waitFor();
      // replies:write without notes:write or takeover:write: a reply box, no note tab, no take-over
      await p.getByLabel("Reply").waitFor();
      await expect(p.getByRole("tab", { name: "Private note" }).count()).resolves.toBe(0);
      await expect(p.getByRole("button", { name: "Take over" }).count()).resolves.toBe(0);
      await expect(p.getByRole("button", { name: "Close" }).count()).resolves.toBe(0);
      await expect(p.getByRole("button", { name: "Open ticket" }).count()).resolves.toBe(0);
      await screenshot(p, "permissions-custom-role-conversation");

      await p.getByLabel("Reply").fill("It left our warehouse this morning.");
      await p.getByLabel("Reply").press("Enter");
      const got = await until("the reply at the visitor", () =>
        visitor.frames.find((f) => f.type === "msg" && f.role === "agent"),
      );
      expect(got.text).toBe("It left our warehouse this morning.");
      // stored (the room writes its D1 copy after the frame goes out)
      await until("the reply stored as the agent's", async () => {
        const stored = await owner<{ data: { role: string; text: string }[] }>(
          `/api/conversations/${visitor.conversationId}/messages`,
        );
        return stored.data.some((m) => m.role === "agent" && m.text === "It left our warehouse this morning.");
      });

      // screens the role cannot open say so when reached by URL, and call no API that refuses
      for (const path of ["/billing", "/team", "/calls", "/settings", "/keys"]) {
        await p.goto(`${server.origin}/app${path}`);
        await p.getByRole("heading", { name: "Not available", level: 1 }).waitFor();
      }
      await screenshot(p, "permissions-custom-role-not-available");
    } finally {
      visitor.close();
      await p.context().close();
    }
  });

  it("a viewer reads a conversation but has no reply box and no admin entries", async () => {
    const visitor = await openVisitor(server.origin, server.demo.botKey, "Vic Viewed");
    visitor.say("Do you ship to Norway?");
    await listed(visitor.conversationId);
    const p = await member("victor-viewer@example.com", "viewer", "Victor Viewer", "Inbox");
    try {
      const links = await navLinks(p);
      expect(links).toEqual(expect.arrayContaining(["Inbox", "Tickets", "Team", "Calls"]));
      for (const hidden of ["Voice", "API keys", "Billing", "Settings"]) expect(links).not.toContain(hidden);
      const row = p.locator("li.conv", { hasText: "Vic Viewed" });
      await row.waitFor({ timeout: 15_000 });
      await row.getByRole("link").click();
      await p.locator(".messages li.msg.visitor", { hasText: "Norway" }).waitFor();
      await p.getByText("Viewers can read conversations but not reply.").waitFor();
      await expect(p.getByLabel("Reply").count()).resolves.toBe(0);
      await expect(p.getByRole("button", { name: "Take over" }).count()).resolves.toBe(0);
      // Team: the list, no invite form or remove buttons (team:write)
      await p.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Team" }).click();
      await p.getByRole("heading", { name: "Team", level: 1 }).waitFor();
      await p.getByRole("cell", { name: "victor-viewer@example.com" }).waitFor();
      await expect(p.getByRole("heading", { name: "Invite someone" }).count()).resolves.toBe(0);
      await expect(p.getByRole("button", { name: /^Remove / }).count()).resolves.toBe(0);
    } finally {
      visitor.close();
      await p.context().close();
    }
  });

  it("an account in two workspaces switches between them: the other inbox, live, and its role there", async () => {
    // a second workspace whose owner invites the demo owner as an agent; accepted while signed in
    const pending = await api<{ devToken: string }>(server.origin, "", "POST", "/api/auth/signup", {
      email: "olga@other.example",
      password: "olga password 1234",
      company: "Other Workspace",
    });
    expect(pending.status, JSON.stringify(pending.body)).toBe(202);
    const olga = await api<Session>(server.origin, "", "POST", "/api/auth/verify-email", {
      token: pending.body.devToken,
    });
    expect(olga.status).toBe(201);
    const other = olga.body;
    const inv = await api<{ token: string }>(server.origin, other.accessToken, "POST", "/api/team/invitations", {
      email: server.demo.email,
      role: "agent",
    });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const accepted = await api<Session>(server.origin, server.demo.token, "POST", "/api/auth/accept-invitation", {
      token: inv.body.token,
    });
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const bots = await api<{ data: { publishableKey: string }[] }>(
      server.origin,
      other.accessToken,
      "GET",
      "/api/bots",
    );
    const otherBotKey = bots.body.data[0]!.publishableKey;
    const there = await openVisitor(server.origin, otherBotKey, "Zed Elsewhere");
    there.say("Hello from the other workspace");
    const here = await openVisitor(server.origin, server.demo.botKey, "Hana Home");
    here.say("Hello from the demo workspace");
    // the inbox lists a chat once its first message is in D1 (the room's copy, written after the frame
    // goes out); wait for that, so the first list cannot race the copy
    await until("both conversations listed by the API", async () => {
      const mineNow = await owner<{ data: { id: string }[] }>("/api/conversations");
      const theirs = await api<{ data: { id: string }[] }>(
        server.origin,
        other.accessToken,
        "GET",
        "/api/conversations",
      );
      return (
        mineNow.data.some((c) => c.id === here.conversationId) &&
        theirs.body.data.some((c) => c.id === there.conversationId)
      );
    });

    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.locator("li.conv", { hasText: "Hana Home" }).waitFor({ timeout: 30_000 });
    await expect(page.locator("li.conv", { hasText: "Zed Elsewhere" }).count()).resolves.toBe(0);
    expect(await navLinks(page)).toContain("Billing");

    const mine = await owner<{ data: { id: string; name: string; role: string }[] }>("/api/auth/workspaces");
    expect(mine.data.map((w) => [w.id, w.role]).sort()).toEqual(
      [
        [server.demo.tenantId, "owner"],
        [other.tenant.id, "agent"],
      ].sort(),
    );
    const demoName = mine.data.find((w) => w.id === server.demo.tenantId)!.name;
    const switcher = page.getByRole("navigation", { name: "Main" }).getByLabel("Workspace");
    await switcher.waitFor();
    await expect(switcher.locator("option").allTextContents()).resolves.toEqual(
      expect.arrayContaining(["Other Workspace"]),
    );
    await screenshot(page, "permissions-workspace-switcher");
    await switcher.selectOption({ label: "Other Workspace" });
    // a switch reloads the app in the other workspace (a slow machine may take a while)
    await page.locator(".nav-foot .who small", { hasText: "Other Workspace · agent" }).waitFor({ timeout: 30_000 });

    // the other workspace's inbox, as an agent there (no Billing), its name in the nav
    await page.locator("li.conv", { hasText: "Zed Elsewhere" }).waitFor({ timeout: 30_000 });
    await expect(page.locator("li.conv", { hasText: "Hana Home" }).count()).resolves.toBe(0);
    const agentNav = await navLinks(page);
    expect(agentNav).not.toContain("Billing");
    expect(agentNav).not.toContain("API keys");
    await expect(page.getByRole("navigation", { name: "Main" }).getByLabel("Workspace").inputValue()).resolves.toBe(
      other.tenant.id,
    );
    // the inbox socket now belongs to the other tenant: a new conversation there arrives live
    const live = await openVisitor(server.origin, otherBotKey, "Lena Live");
    live.say("Arrived after the switch");
    await page.locator("li.conv", { hasText: "Lena Live" }).waitFor({ timeout: 15_000 });
    // and the stored session is the other workspace's, with the agent's permissions
    const stored = await page.evaluate(() => JSON.parse(localStorage.getItem("echo.session") ?? "null"));
    expect(stored.tenant.id).toBe(other.tenant.id);
    expect(stored.permissions).toContain("replies:write");
    expect(stored.permissions).not.toContain("billing:read");
    await screenshot(page, "permissions-switched-workspace");

    // and back to the demo workspace as its owner
    await page.getByRole("navigation", { name: "Main" }).getByLabel("Workspace").selectOption(server.demo.tenantId);
    await page.locator(".nav-foot .who small", { hasText: `${demoName} · owner` }).waitFor({ timeout: 30_000 });
    await page.locator("li.conv", { hasText: "Hana Home" }).waitFor({ timeout: 30_000 });
    await expect(page.locator("li.conv", { hasText: "Zed Elsewhere" }).count()).resolves.toBe(0);
    expect(await navLinks(page)).toContain("Billing");
    for (const v of [there, here, live]) v.close();
  });

  it("had no uncaught page errors", () => {
    expect(pageErrors).toEqual([]);
  });
});
