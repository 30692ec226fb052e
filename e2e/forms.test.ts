// Issue 22, "errors a person understands", over the forms that never showed field errors before
// (sign up, team invite, API key, voice line) in headless Chromium against the local server: a value
// the browser lets through but the API refuses is said in plain words next to its field, that field
// has the focus, the API holds nothing new (read back), and the corrected value shows its success.
// A server failure is said in words with its request id as a reference, and "Rotate URLs" asks in
// the app (no browser dialog). Screenshots: artifacts/screenshots/forms-*.png, light, dark and phone.
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Locator, Page } from "playwright-core";
import { demoApi, e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8925);
/** An address the browser's type=email accepts but the API's schema refuses (no dot in the domain). */
const HALF_EMAIL = "sam@localhost";
const JARGON = /does not match the schema|Too small|Invalid email|internal error|reference *=/i;

describe("forms say what is wrong next to the field", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  let owner: ReturnType<typeof demoApi>;
  const pageErrors: string[] = [];
  const native: string[] = [];

  /** The control is marked invalid, described by an error line with `words`, and holds the focus. */
  async function expectMarked(control: Locator, words: string, on: Page = page) {
    await until("the field marked", async () => (await control.getAttribute("aria-invalid")) === "true");
    const ids = ((await control.getAttribute("aria-describedby")) ?? "").split(" ");
    const line = on.locator(`[id="${ids.find((id) => id.endsWith("-e")) ?? "none"}"]`);
    expect(await line.getAttribute("class")).toContain("field-error");
    expect(await line.textContent()).toBe(words);
    await until("the refused field focused", () => control.evaluate((el) => el === document.activeElement));
    expect(await on.getByText(JARGON).count()).toBe(0);
  }

  const nav = (name: string) => page.getByRole("navigation", { name: "Main" }).getByRole("link", { name }).click();

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-forms-", pageErrors));
    owner = demoApi(server);
    page.on("dialog", (d) => {
      native.push(d.message());
      void d.dismiss();
    });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("sign up: a refused email is marked and focused, in words; the fixed one signs in", async () => {
    // its own page: signing up signs that page in as the new workspace's owner
    const p = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    p.on("pageerror", (e) => pageErrors.push(e.message));
    p.on("dialog", (d) => {
      native.push(d.message());
      void d.dismiss();
    });
    await p.goto(`${server.origin}/app/signup`);
    await p.getByLabel("Company").fill("Forms Test Co");
    await p.getByLabel("Email").fill(HALF_EMAIL);
    await p.getByLabel("Password").fill("a long enough password");
    await p.getByRole("button", { name: "Create workspace" }).click();
    await expectMarked(p.getByLabel("Email"), "Use an email address like name@example.com.", p);
    expect(await p.getByRole("alert").textContent()).toBe("One field needs a change: it is marked.");
    expect(await p.getByLabel("Password").getAttribute("aria-invalid")).toBeNull();
    expect(new URL(p.url()).pathname).toBe("/app/signup");
    await screenshot(p, "forms-signup-invalid-light");

    await p.getByLabel("Email").fill("forms-owner@forms.example");
    await p.getByRole("button", { name: "Create workspace" }).click();
    await p.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    // the account exists now, under the corrected address only
    const login = await fetch(`${server.origin}/api/auth/login`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email: "forms-owner@forms.example", password: "a long enough password" }),
    });
    expect(login.status).toBe(200);
    await p.close();
    expect(native).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("team invite: a refused address is marked and nothing is stored; a good one is said mailed", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox", level: 1 }).waitFor();
    await nav("Team");
    const invitations = async () => (await owner<{ data: { email: string }[] }>("/api/team/invitations")).data;
    const before = await invitations();
    const form = page.locator("form", { has: page.getByRole("heading", { name: "Invite someone" }) });
    await form.getByLabel("Email").fill(HALF_EMAIL);
    await form.getByRole("button", { name: "Send invitation" }).click();
    await expectMarked(form.getByLabel("Email"), "Use an email address like name@example.com.");
    expect(await invitations()).toEqual(before);
    await page.emulateMedia({ colorScheme: "dark" });
    await until("the dark theme", async () => (await page.locator("html[data-theme='dark']").count()) === 1);
    await screenshot(page, "forms-team-invalid-dark");
    await page.emulateMedia({ colorScheme: "light" });

    await form.getByLabel("Email").fill("sam@forms.example");
    await form.getByRole("button", { name: "Send invitation" }).click();
    await form.getByRole("status").filter({ hasText: "Invitation mailed to sam@forms.example" }).waitFor();
    expect(await form.getByLabel("Email").getAttribute("aria-invalid")).toBeNull();
    expect((await invitations()).map((i) => i.email)).toContain("sam@forms.example");

    // revoking asks in the app first: Cancel keeps the invitation, Revoke ends it
    type Invitation = { email: string; revokedAt: string | null };
    const sams = async () =>
      (await owner<{ data: Invitation[] }>("/api/team/invitations")).data.filter(
        (i) => i.email === "sam@forms.example",
      );
    const revoke = page.getByRole("button", { name: "Revoke invitation for sam@forms.example" });
    const ask = page.getByRole("alertdialog");
    await revoke.click();
    await ask.getByRole("button", { name: "Cancel" }).click();
    expect((await sams()).map((i) => i.revokedAt)).toEqual([null]);
    await revoke.click();
    await ask.getByRole("button", { name: "Revoke", exact: true }).click();
    await until("the invitation revoked", async () => (await sams()).every((i) => i.revokedAt !== null));
    await revoke.waitFor({ state: "detached" });
    expect(native).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("API key: a blank name is marked and no key is made; a server failure is said plainly with its reference", async () => {
    await nav("API keys");
    const keys = async () => (await owner<{ data: { name: string }[] }>("/api/keys")).data;
    const before = await keys();
    const name = page.getByLabel("Key name");
    // spaces pass the browser's "required", not the API's trim
    await name.fill("   ");
    await page.getByRole("button", { name: "Create key" }).click();
    await expectMarked(name, "This can't be empty.");
    expect(await keys()).toEqual(before);
    await screenshot(page, "forms-key-invalid-light");

    // a 500 from the server (answered here, before it reaches the worker): words, and the id for support
    await page.route("**/api/keys", (route) =>
      route.request().method() === "POST"
        ? route.fulfill({
            status: 500,
            contentType: "application/problem+json",
            body: JSON.stringify({
              type: "/docs/errors#INTERNAL",
              title: "Internal error",
              status: 500,
              code: "INTERNAL",
              detail: "something went wrong on our side; quote the request id",
              requestId: "req_forms_test_500",
            }),
          })
        : route.continue(),
    );
    await name.fill("Forms sync");
    await page.getByRole("button", { name: "Create key" }).click();
    const alert = page.getByRole("alert");
    await alert.filter({ hasText: "Something went wrong on our side." }).waitFor();
    expect(await alert.locator(".ref").textContent()).toBe(" Reference for support: req_forms_test_500");
    expect(await page.getByText(/quote the request id/).count()).toBe(0);
    await page.unroute("**/api/keys");

    await page.getByRole("button", { name: "Create key" }).click();
    await page.getByRole("status").filter({ hasText: "Copy this key now." }).waitFor();
    expect(await alert.count()).toBe(0);
    expect((await keys()).map((k) => k.name)).toContain("Forms sync");
    expect(pageErrors).toEqual([]);
  });

  it("voice line: a refused number is marked and focused; Rotate URLs asks in the app", async () => {
    await nav("Voice");
    const integrations = async () =>
      (await owner<{ data: { id: string; urls: Record<string, string> | null }[] }>("/api/voice/integrations")).data;
    const form = page.getByRole("form", { name: "Connect a voice provider" });
    await form.getByLabel("Bot").selectOption(server.demo.botId);
    await form.getByLabel("Vapi secret").fill("vapi-forms-secret-0123456789");
    await form.getByLabel("Hand-off number").fill("555-0100");
    await form.getByRole("button", { name: "Connect" }).click();
    await expectMarked(form.getByLabel("Hand-off number"), "Use an E.164 number like +14155550100.");
    expect(await form.getByRole("alert").textContent()).toBe("One field needs a change: it is marked.");
    expect(await integrations()).toEqual([]);

    await form.getByLabel("Hand-off number").fill("+14155550100");
    await form.getByRole("button", { name: "Connect" }).click();
    await page.getByRole("button", { name: /^Rotate URLs of / }).waitFor();
    const [line] = await integrations();
    expect(line?.urls).toBeTruthy();

    await page.getByRole("button", { name: /^Rotate URLs of / }).click();
    const ask = page.getByRole("alertdialog");
    await ask.waitFor();
    expect(await ask.textContent()).toContain("stops working at once");
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, "forms-rotate-confirm-phone");
    await ask.getByRole("button", { name: "Cancel" }).click();
    await until("the dialog closed", async () => (await ask.count()) === 0 || !(await ask.isVisible()));
    expect((await integrations())[0]?.urls).toEqual(line!.urls);

    await page.getByRole("button", { name: /^Rotate URLs of / }).click();
    await ask.getByRole("button", { name: "Rotate URLs" }).click();
    await until("new URLs", async () => JSON.stringify((await integrations())[0]?.urls) !== JSON.stringify(line!.urls));
    await page.setViewportSize({ width: 1280, height: 800 });
    expect(native).toEqual([]);
    expect(pageErrors).toEqual([]);
  });

  it("sign up at phone size: the marked field is on screen", async () => {
    const phone = await browser.newPage({ viewport: { width: 390, height: 844 } });
    phone.on("pageerror", (e) => pageErrors.push(e.message));
    await phone.goto(`${server.origin}/app/signup`);
    await phone.getByLabel("Company").fill("Phone Co");
    await phone.getByLabel("Email").fill(HALF_EMAIL);
    await phone.getByLabel("Password").fill("a long enough password");
    await phone.getByRole("button", { name: "Create workspace" }).click();
    const email = phone.getByLabel("Email");
    await phone.locator(".field-error").filter({ hasText: "Use an email address" }).waitFor();
    await until("the email focused", () => email.evaluate((el) => el === document.activeElement));
    const box = await email.boundingBox();
    expect(box && box.y >= 0 && box.y + box.height <= 844, JSON.stringify(box)).toBe(true);
    await screenshot(phone, "forms-signup-invalid-phone");
    await phone.close();
    expect(pageErrors).toEqual([]);
  });
});
