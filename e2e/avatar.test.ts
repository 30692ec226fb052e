// Issue 19 in the browser: the widget avatar. A bot that enables it gets the lazy avatar chunk after
// the widget is interactive, and its face follows the room's `mood` frames (a real answer first,
// then every mood injected as a frame into the real socket); a bot without it loads no avatar chunk.
// Screenshots per mood go to artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page, WebSocketRoute } from "playwright-core";
import { avatarGlb } from "../scripts/avatar-glb.mjs";
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
  let key3d = "";

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
    // a third bot with the avatar on and a 3D model (scripts/avatar-glb.mjs: a head with mood clips
    // happy and thinking, and mouthOpen/mouthSmile morph targets)
    const b3 = await api<{ id: string; publishableKey: string }>(server.origin, token, "POST", "/api/bots", {
      name: "Sol",
      avatar: { enabled: true },
    });
    expect(b3.status).toBe(201);
    key3d = b3.body.publishableKey;
    const form = new FormData();
    form.set("file", new File([avatarGlb()], "head.glb", { type: "model/gltf-binary" }));
    const up = await fetch(`${server.origin}/api/bots/${b3.body.id}/avatar/model`, {
      method: "PUT",
      headers: { authorization: `Bearer ${token}` },
      body: form,
    });
    expect(up.status).toBe(200);
    host.pages["/avatar3d"] = hostPage({ echo: server.origin, botKey: key3d });
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
    expect(
      chunks.filter((c) => c.includes("/avatar3d.")),
      "three.js only for bots with a model",
    ).toEqual([]);
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

  const canvasData = (page: Page, key: "clip" | "mouth") =>
    page.locator(".av2 canvas").evaluate((c, k) => (c as HTMLCanvasElement).dataset[k] ?? "", key);

  it("3D: a bot with a model gets three.js after the widget, draws the model, plays mood clips and moves its mouth", async () => {
    const { page, chunks, frame } = await visit("/avatar3d");
    const av = page.locator(".av2");
    await page.locator('.av2[data-render="3d"] canvas').waitFor({ timeout: 30_000 });
    const widget = chunks.findIndex((c) => /\/widget\.[A-Z0-9]+\.js$/.test(c));
    const three = chunks.findIndex((c) => /\/avatar3d\.[A-Z0-9]+\.js$/.test(c));
    expect(widget).toBeGreaterThanOrEqual(0);
    expect(three).toBeGreaterThan(widget);
    // the 2D head is hidden under the model; the canvas really draws (WebGL, SwiftShader here)
    expect(await page.locator(".av2 .hd").isVisible()).toBe(false);
    const box = (await page.locator(".av2 canvas").boundingBox())!;
    expect(box.width).toBeGreaterThan(50);

    const shots = new Map<string, Buffer>();
    for (const m of MOODS) {
      frame({ type: "mood", mood: m });
      await until(`mood ${m}`, async () => (await mood(page)) === m);
      // a clip named after the mood plays when the model has one (this one: happy, thinking)
      const want = m === "happy" || m === "thinking" ? m : "";
      await until(`clip for ${m}`, async () => (await canvasData(page, "clip")) === want);
      await page.waitForTimeout(700); // let the pose settle before the picture (not an assertion)
      shots.set(m, await av.screenshot());
      await screenshot(page, `avatar3d-mood-${m}`);
    }
    // each mood is drawn differently (pose, smile, clip)
    expect(shots.get("neutral")!.equals(shots.get("concerned")!)).toBe(false);
    expect(shots.get("neutral")!.equals(shots.get("handing-over")!)).toBe(false);

    // streamed text opens and closes the mouth (the mouthOpen morph), the final message ends it
    frame({ type: "mood", mood: "neutral" });
    frame({ type: "delta", id: "msg_fake3d", text: "Hello " });
    await until("speaking", async () => (await av.getAttribute("data-state")) === "speaking");
    await until("mouth open", async () => Number(await canvasData(page, "mouth")) > 0.3);
    await screenshot(page, "avatar3d-speaking");
    // the browser reading an answer aloud drives it the same way (voice.ts tells each word)
    await page.evaluate(() => {
      const say = (d: string) => document.dispatchEvent(new CustomEvent("echo:speech", { detail: d }));
      say("start");
      say("word");
    });
    expect(await av.getAttribute("data-state")).toBe("speaking");
    await page.evaluate(() => document.dispatchEvent(new CustomEvent("echo:speech", { detail: "end" })));
    await until("quiet", async () => (await av.getAttribute("data-state")) === "idle");
    await until("mouth closed", async () => Number(await canvasData(page, "mouth")) < 0.05);
    await page.context().close();
  }, 120_000);

  it("3D with prefers-reduced-motion: still poses, the mouth does not move", async () => {
    const { page, frame } = await visit("/avatar3d", "reduce");
    const av = page.locator(".av2");
    await page.locator('.av2[data-render="3d"] canvas').waitFor({ timeout: 30_000 });
    frame({ type: "mood", mood: "happy" });
    await until("happy", async () => (await canvasData(page, "clip")) === "happy");
    frame({ type: "delta", id: "msg_fake3r", text: "Hello " });
    await until("speaking", async () => (await av.getAttribute("data-state")) === "speaking");
    expect(await canvasData(page, "mouth")).toBe("0.00");
    await screenshot(page, "avatar3d-reduced-motion");
    await page.context().close();
  }, 60_000);

  it("3D model that cannot load: the 2D face stays", async () => {
    const ctx = await browser.newContext({ viewport: { width: 900, height: 760 } });
    const page = await ctx.newPage();
    let asked = 0;
    await page.route(/\/api\/widget\/avatars\//, (r) => {
      asked++;
      return r.fulfill({ status: 503, body: "down" });
    });
    const warned = page.waitForEvent("console", (m) => m.text().includes("the 3D avatar could not be shown"));
    await page.goto(`${host.origin}/avatar3d`);
    const av = page.locator(".av2");
    await av.waitFor();
    await warned;
    expect(asked).toBeGreaterThan(0);
    expect(await av.getAttribute("data-render")).toBe("2d");
    expect(await page.locator(".av2 canvas").count()).toBe(0);
    expect(await page.locator(".av2 .hd").isVisible()).toBe(true);
    await ctx.close();
  }, 60_000);
});
