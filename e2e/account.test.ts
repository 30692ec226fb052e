// Issue 22, "Your account", in headless Chromium against the local server: a member (an agent, so
// no admin permission is involved) opens the account screen from the nav, renames themself, gets a
// plain error for a wrong current password, signs another session out and sees it go, changes the
// password and signs in with the new one. Every state that matters is also checked through the API.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, demoApi, e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8910);
const EMAIL = "avery-account@example.com";
const OLD_PASSWORD = "avery old password 1";
const NEW_PASSWORD = "avery new password 2";

type Session = { accessToken: string; refreshToken: string };
/** `rt_<family without its prefix>.<secret>`: the session id the account screen lists. */
const sessionIdOf = (refreshToken: string) => `rtf_${refreshToken.slice(3).split(".")[0]}`;

describe("account screen", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let joined: Session;

  const login = (password: string) =>
    api<Session>(server.origin, "", "POST", "/api/auth/login", { email: EMAIL, password });
  const refresh = (refreshToken: string) =>
    api<Session>(server.origin, "", "POST", "/api/auth/refresh", { refreshToken });
  const signIn = async (password: string) => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(EMAIL);
    await page.getByLabel("Password").fill(password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
  };

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-account-", pageErrors));
    const owner = demoApi(server);
    const inv = await owner<{ token: string }>("/api/team/invitations", {
      method: "POST",
      json: { email: EMAIL, role: "agent" },
    });
    const r = await api<Session>(server.origin, "", "POST", "/api/auth/accept-invitation", {
      token: inv.token,
      password: OLD_PASSWORD,
      name: "Avery Agent",
    });
    expect(r.status, JSON.stringify(r.body)).toBe(200);
    joined = r.body;
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("opens from the nav and renames the member", async () => {
    await signIn(OLD_PASSWORD);
    await page.locator(".nav-foot a.who").click();
    await page.getByRole("heading", { name: "Your account", level: 1 }).waitFor();
    await page.getByText(`Signed in as ${EMAIL}.`).waitFor();
    expect(await page.title()).toMatch(/^Your account/);
    const name = page.getByLabel("Your name");
    expect(await name.inputValue()).toBe("Avery Agent");
    await name.fill("  Avery Renamed ");
    await page.getByRole("button", { name: "Save name" }).click();
    await page.getByRole("status").filter({ hasText: "Name saved." }).waitFor();
    await page.locator(".nav-foot a.who", { hasText: "Avery Renamed" }).waitFor();
    expect(await name.inputValue()).toBe("Avery Renamed");
    const me = await api<{ name: string }>(server.origin, joined.accessToken, "GET", "/api/account");
    expect(me.body.name).toBe("Avery Renamed");
    // a reload keeps it
    await page.reload();
    await page.getByRole("heading", { name: "Your account", level: 1 }).waitFor();
    await page.locator(".nav-foot a.who", { hasText: "Avery Renamed" }).waitFor();
    await screenshot(page, "account-renamed");
  });

  it("shows a plain error for a wrong current password and changes nothing", async () => {
    await page.getByLabel("Current password").fill("not my password at all");
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("New password again").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("This is not your current password.").waitFor();
    expect(await page.getByLabel("Current password").getAttribute("aria-invalid")).toBe("true");
    await screenshot(page, "account-wrong-password");
    expect((await login(OLD_PASSWORD)).status).toBe(200);
    expect((await login(NEW_PASSWORD)).status).toBe(401);
    // two different new passwords are caught before anything is sent
    await page.getByLabel("Current password").fill(OLD_PASSWORD);
    await page.getByLabel("New password again").fill("something else entirely");
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByText("The two new passwords are not the same; type it again.").waitFor();
    expect((await login(NEW_PASSWORD)).status).toBe(401);
  });

  it("signs another session out, which then disappears and cannot refresh", async () => {
    const other = await login(OLD_PASSWORD);
    expect(other.status).toBe(200);
    const id = sessionIdOf(other.body.refreshToken);
    await page.reload();
    const row = page.locator(`tr[data-session="${id}"]`);
    await row.waitFor();
    // this tab's own session is marked and has no sign-out
    await expect(page.locator("tr", { hasText: "This session" }).count()).resolves.toBe(1);
    await expect(page.locator("tr", { hasText: "This session" }).getByRole("button").count()).resolves.toBe(0);
    await screenshot(page, "account-sessions");
    await row.getByRole("button", { name: /^Sign out/ }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Sign out" }).click();
    await until("the session gone from the list", async () => (await row.count()) === 0);
    expect((await refresh(other.body.refreshToken)).status).toBe(401);
    // the others are still there and still work
    await page.locator(`tr[data-session="${sessionIdOf(joined.refreshToken)}"]`).waitFor();
    const rotated = await refresh(joined.refreshToken);
    expect(rotated.status).toBe(200);
    joined = rotated.body;
  });

  it("signs all other sessions out with one button and one request", async () => {
    const phone = await login(OLD_PASSWORD);
    expect(phone.status).toBe(200);
    await page.reload();
    await page.locator(`tr[data-session="${sessionIdOf(phone.body.refreshToken)}"]`).waitFor();
    const requests: string[] = [];
    const onRequest = (r: { method(): string; url(): string }) => {
      if (r.url().includes("/api/account/sessions")) requests.push(`${r.method()} ${new URL(r.url()).pathname}`);
    };
    page.on("request", onRequest);
    await page.getByRole("button", { name: "Sign out all other sessions" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Sign out all" }).click();
    await until("only this session listed", async () => (await page.locator("tbody tr").count()) === 1);
    page.off("request", onRequest);
    await page.locator("tbody tr", { hasText: "This session" }).waitFor();
    expect(requests.filter((r) => r.startsWith("DELETE"))).toEqual(["DELETE /api/account/sessions"]);
    for (const rt of [phone.body.refreshToken, joined.refreshToken]) expect((await refresh(rt)).status).toBe(401);
    // a fresh session for the next test to watch being signed out by the password change
    const again = await login(OLD_PASSWORD);
    expect(again.status).toBe(200);
    joined = again.body;
  });

  it("changes the password, signs every other session out, and the new password signs in", async () => {
    await page.getByLabel("Current password").fill(OLD_PASSWORD);
    await page.getByLabel("New password", { exact: true }).fill(NEW_PASSWORD);
    await page.getByLabel("New password again").fill(NEW_PASSWORD);
    await page.getByRole("button", { name: "Change password" }).click();
    await page.getByRole("status").filter({ hasText: "Password changed." }).waitFor();
    // only this tab's (fresh) session is left
    await until("only this session listed", async () => (await page.locator("tbody tr").count()) === 1);
    await page.locator("tbody tr", { hasText: "This session" }).waitFor();
    expect((await refresh(joined.refreshToken)).status).toBe(401);
    expect((await login(OLD_PASSWORD)).status).toBe(401);
    // this tab is still signed in: another screen loads its data
    await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Inbox" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    await page.reload();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    // sign out and in again with the new password
    await page.getByRole("button", { name: "Sign out" }).click();
    await page.getByRole("button", { name: "Sign in" }).waitFor();
    await signIn(NEW_PASSWORD);
    await page.locator(".nav-foot a.who", { hasText: "Avery Renamed" }).waitFor();
    expect(pageErrors).toEqual([]);
  });
});
