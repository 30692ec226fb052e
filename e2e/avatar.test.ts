// Issue 19 in the browser: the widget avatar. A bot that enables it gets the lazy avatar chunk after
// the widget is interactive, and its face follows the room's `mood` frames (a real answer first,
// then every mood injected as a frame into the real socket); a bot without it loads no avatar chunk.
// Screenshots per mood go to artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import {
  api,
  e2ePort,
  hostPage,
  launchBrowser,
  screenshot,
  startEcho,
  startHost,
  until,
  type LocalServer,
} from "./harness";

const PORT = e2ePort(8895);
const HOST_PORT = e2ePort(8896);
const MOODS = ["neutral", "happy", "thinking", "concerned", "apologetic", "handing-over"] as const;

describe("widget avatar", () => {
  let server: LocalServer;
  let browser: Browser;
  let host: Awaited<ReturnType<typeof startHost>>;
  let plainKey = "";

  beforeAll(async () => {
    server = await startEcho(PORT, "echo-avatar-");
    browser = await launchBrowser();
    const { token, botId } = server.demo;
    const on = await api(server.origin, token, "PATCH", `/api/bots/${botId}`, { avatar: { enabled: true } });
    expect(on.status).toBe(200);
    const plain = await api<{ publishableKey: string }>(server.origin, token, "POST", "/api/bots", { name: "Plain" });
    expect(plain.status).toBe(201);
    plainKey = plain.body.publishableKey;
    host = await startHost(HOST_PORT, {});
    host.pages["/avatar"] = hostPage({ echo: server.origin, botKey: server.demo.botKey });
    host.pages["/plain"] = hostPage({ echo: server.origin, botKey: plainKey });
  }, 120_000);

  afterAll(async () => {
    await browser?.close();
    await host?.close();
    await server?.stop();
  });

  async function visit(path: string, reducedMotion: "reduce" | "no-preference" = "no-preference") {
    const ctx = await browser.newContext({ viewport: { width: 900, height: 760 }, reducedMotion });
    const page = await ctx.newPage();
    const chunks: string[] = [];
    page.on("request", (r) => {
      if (/\/w\/.*\.js$/.test(r.url())) chunks.push(new URL(r.url()).pathname);
    });
    let socket: WebSocketRoute | undefined;
    // the real socket, passed through; the test may add frames of its own (as the room sends them)
    await page.routeWebSocket(/\/api\/widget\/ws/, (ws) => {
      socket = ws;
      ws.connectToServer();
    });
    await page.goto(`${host.origin}${path}`);
    return { page, chunks, frame: (f: object) => socket!.send(JSON.stringify(f)) };
  }

  const mood = (page: Page) => page.locator(".av2").getAttribute("data-mood");

  it("loads the avatar chunk after the widget is interactive, and its face follows real and injected mood frames", async () => {
    const { page, chunks, frame } = await visit("/avatar");
    await page.getByRole("button", { name: "Open chat" }).waitFor();
    const av = page.locator(".av2");
    await av.waitFor();
    expect(chunks.some((c) => /\/avatar\.[A-Z0-9]+\.js$/.test(c))).toBe(true);
    // the avatar chunk came after the widget's bundle
    const first = chunks.findIndex((c) => /\/widget\.[A-Z0-9]+\.js$/.test(c));
    expect(first).toBeGreaterThanOrEqual(0);
    expect(chunks.findIndex((c) => c.includes("/avatar."))).toBeGreaterThan(first);
    expect(await mood(page)).toBe("neutral");
    expect(await av.getAttribute("data-state")).toBe("idle");

    // a real turn: thinking while it runs, then the answer's mood
    await page.getByRole("button", { name: "Open chat" }).click();
    const seen: string[] = [];
    await page.exposeFunction("__mood", (m: string) => void seen.push(m));
    await page.evaluate(() => {
      const el = document.querySelector("echo-widget")!.shadowRoot!.querySelector(".av2")!;
      new MutationObserver(() =>
        (window as unknown as { __mood(m: string): void }).__mood(el.getAttribute("data-mood")!),
      ).observe(el, {
        attributes: true,
        attributeFilter: ["data-mood"],
      });
    });
    const box = page.getByRole("textbox").first();
    await box.fill("How do I reset my password?");
    expect(await av.getAttribute("data-state")).toBe("listening");
    await box.press("Enter");
    await until("the answer's mood", () => seen.length >= 2 && seen[seen.length - 1] !== "thinking");
    expect(seen[0]).toBe("thinking");
    expect(["happy", "neutral", "concerned"]).toContain(seen[1]);

    // every mood, as the room sends it: the attribute follows each frame; one screenshot each
    for (const m of MOODS) {
      frame({ type: "mood", mood: m });
      await until(`mood ${m}`, async () => (await mood(page)) === m);
      const mouth = await page.locator(".av2 .mouth").getAttribute("d");
      expect(mouth).toBeTruthy();
      await screenshot(page, `avatar-mood-${m}`);
    }
    // streamed text makes it speak; the final message ends it
    frame({ type: "delta", id: "msg_fake1", text: "Hello " });
    await until("speaking", async () => (await av.getAttribute("data-state")) === "speaking");
    await screenshot(page, "avatar-speaking");
    // hover and click react
    await av.hover();
    await av.click();
    expect(await av.evaluate((el) => el.classList.contains("poke"))).toBe(true);
    // an unknown mood is ignored
    frame({ type: "mood", mood: "ecstatic" });
    frame({ type: "mood", mood: "happy" });
    await until("happy again", async () => (await mood(page)) === "happy");
    await page.context().close();
  }, 120_000);

  it("prefers-reduced-motion: a static face (no animation), mood still shown", async () => {
    const { page, frame } = await visit("/avatar", "reduce");
    const av = page.locator(".av2");
    await av.waitFor();
    frame({ type: "mood", mood: "thinking" });
    await until("thinking", async () => (await mood(page)) === "thinking");
    const anim = await page
      .locator(".av2 .dots circle")
      .first()
      .evaluate((el) => getComputedStyle(el).animationName);
    expect(anim).toBe("none");
    await screenshot(page, "avatar-reduced-motion");
    await page.context().close();
  }, 60_000);

  it("a bot without the avatar loads no avatar chunk and shows no avatar", async () => {
    const { page, chunks } = await visit("/plain");
    await page.getByRole("button", { name: "Open chat" }).click();
    const box = page.getByRole("textbox").first();
    await box.fill("hello");
    await box.press("Enter");
    await page.getByText(/I'm Plain/).waitFor({ timeout: 20_000 });
    expect(chunks.some((c) => c.includes("/widget."))).toBe(true);
    expect(chunks.filter((c) => c.includes("/avatar."))).toEqual([]);
    expect(await page.locator(".av2").count()).toBe(0);
    await page.context().close();
  }, 60_000);
});
