// The Bots screen's persona and model-chain forms (issue 19) in headless Chromium against the local
// server: set a persona, save, reload and see it; an invalid value shows a plain error next to its
// field and changes nothing; add a model chain with a key, see the key never come back (not in the
// page, not in the API); reorder and reset to the deployment default. Every change is checked
// through the REST API. Screenshots go to artifacts/screenshots/ (gitignored).
import { createRequire } from "node:module";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { avatarGlb } from "../scripts/avatar-glb.mjs";
import { demoApi, e2ePort, openDashboard, screenshot, until, type LocalServer } from "./harness";

const PORT = e2ePort(8885);
const AXE = createRequire(import.meta.url).resolve("axe-core/axe.min.js");
const KEY_1 = "sk-ant-e2e-secret-key-7f3a9c1b";
const KEY_2 = "gm-e2e-secret-key-0d4e8b2a";

type Bot = {
  id: string;
  persona: Record<string, unknown> | null;
  avatar: { enabled: boolean; model: { name: string; sha256: string; clips: string[] } | null };
};
type Chain = { botId: string; chain: { provider: string; model: string; baseURL: string | null; keyHint: string }[] };

describe("dashboard: bot persona and model chain", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  let call: ReturnType<typeof demoApi>;
  const bot = () => call<Bot>(`/api/bots/${server.demo.botId}`);
  const chain = () => call<Chain>(`/api/bots/${server.demo.botId}/answer-providers`);
  const persona = () => page.getByRole("form", { name: "Persona" });
  const models = () => page.getByRole("form", { name: "Answer models" });

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-bots-", pageErrors));
    call = demoApi(server);
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("signs the demo operator in and opens the bot", async () => {
    await page.goto(`${server.origin}/app/login`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Inbox" }).waitFor();
    await page.goto(`${server.origin}/app/bots/${server.demo.botId}`);
    await persona().waitFor();
    await models().getByText("Deployment default", { exact: true }).waitFor();
  });

  it("saves a persona, and after a reload the form shows it", async () => {
    const f = persona();
    await f.getByLabel("Persona name").fill("Camille");
    await f.getByLabel("Role").fill("Billing specialist");
    await f.getByLabel("Tone").selectOption("formal");
    await f.getByLabel("Persona language").fill("fr");
    await f.getByLabel("Other languages it speaks").fill("en, es");
    await f.getByLabel("Style rules").fill("Keep answers under three sentences\nAlways name the invoice number");
    await f.getByLabel("It must never").fill("Promise refunds");
    await f.getByLabel("Show an animated avatar in the widget").check();
    await f.getByRole("button", { name: "Save persona" }).click();
    await f.getByRole("status").filter({ hasText: "Persona saved." }).waitFor();

    const saved = await bot();
    expect(saved.persona).toEqual({
      name: "Camille",
      role: "Billing specialist",
      tone: "formal",
      language: "fr",
      languages: ["en", "es"],
      styleRules: ["Keep answers under three sentences", "Always name the invoice number"],
      never: ["Promise refunds"],
    });
    expect(saved.avatar).toEqual({ enabled: true, model: null });

    await page.reload();
    await persona().getByLabel("Persona name").waitFor();
    await until(
      "the saved persona in the form",
      async () => (await f.getByLabel("Persona name").inputValue()) === "Camille",
    );
    expect(await f.getByLabel("Role").inputValue()).toBe("Billing specialist");
    expect(await f.getByLabel("Tone").inputValue()).toBe("formal");
    expect(await f.getByLabel("Persona language").inputValue()).toBe("fr");
    expect(await f.getByLabel("Other languages it speaks").inputValue()).toBe("en, es");
    expect(await f.getByLabel("Style rules").inputValue()).toBe(
      "Keep answers under three sentences\nAlways name the invoice number",
    );
    expect(await f.getByLabel("It must never").inputValue()).toBe("Promise refunds");
    expect(await f.getByLabel("Show an animated avatar in the widget").isChecked()).toBe(true);
    await screenshot(page, "bots-persona-saved");
  });

  it("an invalid language shows a plain error next to the field and changes nothing", async () => {
    const before = await bot();
    const f = persona();
    await f.getByLabel("Persona name").fill("Someone else");
    await f.getByLabel("Persona language").fill("french!!");
    await f.getByRole("button", { name: "Save persona" }).click();
    const field = f.locator(".field", { has: page.getByLabel("Persona language") });
    const error = field.locator(".field-error");
    await error.waitFor();
    expect(await error.textContent()).toBe('Use a language tag like "fr" or "fr-FR".');
    expect(await f.getByLabel("Persona language").getAttribute("aria-invalid")).toBe("true");
    await f.getByRole("alert").filter({ hasText: "One field needs a change" }).waitFor();
    // the other field stays unmarked, and the server kept the saved persona as it was
    expect(await f.getByLabel("Persona name").getAttribute("aria-invalid")).toBeNull();
    expect(await bot()).toEqual(before);

    // an over-long rule: the limit in words, on the rules field
    await f.getByLabel("Persona language").fill("fr");
    await f.getByLabel("It must never").fill(`Promise refunds\n${"x".repeat(301)}`);
    await f.getByRole("button", { name: "Save persona" }).click();
    const rules = f.locator(".field", { has: page.getByLabel("It must never") }).locator(".field-error");
    await rules.waitFor();
    expect(await rules.textContent()).toBe("Line 2: use at most 300 characters.");
    expect(await bot()).toEqual(before);
    await screenshot(page, "bots-persona-invalid");

    // back to the saved values (a reload drops the unsaved edits)
    await page.reload();
    await until("the saved persona again", async () => (await f.getByLabel("Persona name").inputValue()) === "Camille");
  });

  it("uploads a 3D avatar model, refuses a file that is not one in words, and removes it", async () => {
    const card = page.getByRole("region", { name: "3D avatar" });
    await card.getByText("No model: the widget shows the 2D face.").waitFor();
    const input = card.getByLabel("Upload a 3D avatar model (.glb)");
    await input.setInputFiles({ name: "head.glb", mimeType: "model/gltf-binary", buffer: Buffer.from(avatarGlb()) });
    await card
      .getByRole("status")
      .filter({ hasText: /^Model uploaded \(\d+ KB\)\./ })
      .waitFor();
    await card.getByText("clips: happy, thinking").waitFor();
    const uploaded = (await bot()).avatar.model;
    expect(uploaded).toMatchObject({ name: "head.glb", clips: ["happy", "thinking"] });
    await screenshot(page, "bots-avatar-model");

    // a picture is not a model: said in words, the model stays
    await input.setInputFiles({
      name: "face.glb",
      mimeType: "image/png",
      buffer: Buffer.from("\x89PNG\r\n\x1a\n" + "x".repeat(64)),
    });
    await card.getByText("Upload a binary glTF (.glb); this file is something else.").waitFor();
    expect((await bot()).avatar.model?.sha256).toBe(uploaded!.sha256);
    await card.getByText("head.glb").waitFor();

    await card.getByRole("button", { name: "Remove the model" }).click();
    await card.getByRole("status").filter({ hasText: "Model removed: the widget shows the 2D face." }).waitFor();
    expect((await bot()).avatar).toEqual({ enabled: true, model: null });
  });

  it("adds a model chain with keys; the keys are never echoed; reorders; resets to the default", async () => {
    const m = models();
    // a link without a key is refused before anything is sent, in words, on the key field
    await m.getByRole("button", { name: "Add model" }).click();
    await m.getByLabel("Provider (link 1)").selectOption("anthropic");
    await m.getByLabel("Model (link 1)").fill("claude-3-5-haiku-latest");
    // Anthropic and Gemini use the deployment's API origin: no base URL field for them
    expect(await m.getByLabel("API base URL (link 1)").count()).toBe(0);
    await m.getByRole("button", { name: "Save model chain" }).click();
    const keyError = m.locator(".field", { has: page.getByLabel("API key (link 1)") }).locator(".field-error");
    expect(await keyError.textContent()).toBe("Enter the API key: none is saved for this provider and endpoint.");
    expect((await chain()).chain).toEqual([]);

    await m.getByLabel("API key (link 1)").fill(KEY_1);
    expect(await m.getByLabel("API key (link 1)").getAttribute("type")).toBe("password");
    await m.getByRole("button", { name: "Add model" }).click();
    await m.getByLabel("Provider (link 2)").selectOption("gemini");
    await m.getByLabel("Model (link 2)").fill("gemini-1.5-flash");
    await m.getByLabel("API key (link 2)").fill(KEY_2);
    // at most two links: the button turns off
    expect(await m.getByRole("button", { name: "Add model" }).isDisabled()).toBe(true);
    await m.getByRole("button", { name: "Save model chain" }).click();
    await m.getByRole("status").filter({ hasText: "Model chain saved." }).waitFor();

    const saved = await chain();
    expect(saved.chain.map((l) => [l.provider, l.model, l.keyHint])).toEqual([
      ["anthropic", "claude-3-5-haiku-latest", `••••${KEY_1.slice(-4)}`],
      ["gemini", "gemini-1.5-flash", `••••${KEY_2.slice(-4)}`],
    ]);
    expect(JSON.stringify(saved)).not.toContain(KEY_1.slice(0, 12));

    // the page shows "key set" with the hint, the inputs are empty, and the key is nowhere in it
    await page.reload();
    await m.getByLabel("Model (link 2)").waitFor();
    expect(await m.getByLabel("API key (link 1)").inputValue()).toBe("");
    await m.getByText(`Key set (••••${KEY_1.slice(-4)})`).waitFor();
    const html = await page.content();
    expect(html).not.toContain(KEY_1);
    expect(html).not.toContain(KEY_2);
    await screenshot(page, "bots-models-saved");

    // reorder and change a model without typing the keys again: each link keeps its provider's saved key
    await m.getByRole("button", { name: "Move link 2 up" }).click();
    expect(await m.getByLabel("Provider (link 1)").inputValue()).toBe("gemini");
    await m.getByLabel("Model (link 1)").fill("gemini-2.0-flash");
    await m.getByRole("button", { name: "Save model chain" }).click();
    await m.getByRole("status").filter({ hasText: "Model chain saved." }).waitFor();
    expect((await chain()).chain.map((l) => [l.provider, l.model, l.keyHint])).toEqual([
      ["gemini", "gemini-2.0-flash", `••••${KEY_2.slice(-4)}`],
      ["anthropic", "claude-3-5-haiku-latest", `••••${KEY_1.slice(-4)}`],
    ]);
    // a provider with no saved key still needs one, said on the field before anything is sent
    await m.getByLabel("Provider (link 2)").selectOption("openai");
    await m.getByRole("button", { name: "Save model chain" }).click();
    const again = m.locator(".field", { has: page.getByLabel("API key (link 2)") }).locator(".field-error");
    expect(await again.textContent()).toMatch(/^Enter the API key: none is saved/);
    expect((await chain()).chain.map((l) => l.provider)).toEqual(["gemini", "anthropic"]);
    await m.getByLabel("Provider (link 2)").selectOption("anthropic");

    // reset: an in-app confirmation, then the deployment default
    await m.getByRole("button", { name: "Reset to default" }).click();
    await page.getByRole("alertdialog").getByRole("button", { name: "Reset to default" }).click();
    await m.getByText("Deployment default", { exact: true }).waitFor();
    await m.getByRole("status").filter({ hasText: "Back to the deployment default." }).waitFor();
    expect((await chain()).chain).toEqual([]);
  });

  it("fits a phone: the forms stack without sideways scrolling", async () => {
    await page.setViewportSize({ width: 375, height: 740 });
    await page.reload();
    await persona().getByLabel("Persona name").waitFor();
    await models().getByRole("button", { name: "Add model" }).click();
    const wide = await page.evaluate(
      () => document.documentElement.scrollWidth > document.documentElement.clientWidth + 1,
    );
    expect(wide).toBe(false);
    await screenshot(page, "bots-models-phone");
    expect(pageErrors).toEqual([]);
  });

  it("has no serious or critical axe-core violation in the bot forms, light and dark, at phone size", async () => {
    // axe goes in as a script tag, which the dashboard's CSP refuses: a context that bypasses it (as e2e/a11y.test.ts)
    const ctx = await browser.newContext({ bypassCSP: true, viewport: { width: 390, height: 844 } });
    const p = await ctx.newPage();
    await p.goto(`${server.origin}/app/login`);
    await p.getByLabel("Email").fill(server.demo.email);
    await p.getByLabel("Password").fill(server.demo.password);
    await p.getByRole("button", { name: "Sign in" }).click();
    await p.getByRole("heading", { name: "Inbox" }).waitFor();
    const found: Record<string, unknown[]> = {};
    for (const theme of ["light", "dark"] as const) {
      await p.emulateMedia({ colorScheme: theme });
      await p.goto(`${server.origin}/app/bots/${server.demo.botId}`);
      await p.getByRole("form", { name: "Answer models" }).getByRole("button", { name: "Add model" }).click();
      await until("no spinner", async () => (await p.locator(".loading").count()) === 0);
      await p.addScriptTag({ path: AXE });
      found[theme] = await p.evaluate(async () => {
        type R = { violations: { id: string; impact: string | null; nodes: { target: unknown[] }[] }[] };
        const axe = (window as unknown as { axe: { run(c: Element, o: object): Promise<R> } }).axe;
        const forms = document.querySelector(".bot-persona")!.parentElement!;
        const r = await axe.run(forms, {
          runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"] },
        });
        return r.violations
          .filter((v) => v.impact === "serious" || v.impact === "critical")
          .map((v) => ({ id: v.id, targets: v.nodes.slice(0, 5).map((n) => n.target.map(String).join(" ")) }));
      });
    }
    expect(found).toEqual({ light: [], dark: [] });
    await ctx.close();
  });
});
