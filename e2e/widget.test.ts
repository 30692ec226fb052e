// The widget in headless Chromium against the real local server (the `npm start` path), embedded
// on a host page served from a different origin, as on a customer's site.
import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, BrowserContext, Page } from "playwright-core";
import {
  api,
  hostPage,
  launchBrowser,
  screenshot,
  startEcho,
  startHost,
  until,
  type LocalServer,
  e2ePort,
} from "./harness";
// @ts-expect-error plain JS module without types
import { buildWidget } from "../widget/sizes.mjs";

const ECHO_PORT = e2ePort(8830);
const HOST_PORT = e2ePort(8831);

let echo: LocalServer;
let host: Awaited<ReturnType<typeof startHost>>;
let browser: Browser;
let restrictedKey = "";
let brandedKey = "";

/** Questions the seeded "Nimbus Notes" knowledge base (seed/knowledge/*.md, loaded by the demo
 *  seed) answers, each with the document that answers it. */
const QUESTIONS: [file: string, question: string][] = [
  ["05-sync-and-offline.md", "How do I make notebooks available offline?"],
  ["06-export-and-import.md", "How do I export a notebook?"],
  ["02-plans-and-pricing.md", "How much does the Plus plan cost?"],
];
function demoQuestions(): string[] {
  const dir = new URL("../seed/knowledge/", import.meta.url).pathname;
  for (const [file] of QUESTIONS) if (!existsSync(dir + file)) throw new Error(`demo knowledge ${file} is missing`);
  return QUESTIONS.map(([, q]) => q);
}
const demoQuestion = () => demoQuestions()[0]!;

const AGGRESSIVE_CSS = `<style>
  html, body { font: 40px/3 serif; color: red; background: #ffe; }
  * { font-family: "Comic Sans MS", cursive !important; color: #f0f !important; box-sizing: content-box !important;
      line-height: 3 !important; letter-spacing: 3px !important; text-transform: uppercase !important; }
  button { background: lime !important; padding: 30px !important; border-radius: 0 !important; width: 300px !important; border: 4px solid blue !important; }
  div, form, header { margin: 20px !important; padding: 20px !important; border: 5px dashed red !important; display: block !important; }
  body * { opacity: 0.6 !important; transform: rotate(3deg) !important; }
  echo-widget { display: none !important; position: absolute !important; }
  textarea, input { font-size: 40px !important; width: 10px !important; }
  svg { width: 200px !important; }
</style>`;

/** Instrumentation the host page gets before any script: every WebSocket is kept so a test can
 *  kill one abruptly, like a dropped network path; Echo events are recorded. */
const INIT = () => {
  const w = window as unknown as { __sockets: WebSocket[]; WebSocket: typeof WebSocket; __globals: string[] };
  w.__globals = Object.getOwnPropertyNames(window);
  w.__sockets = [];
  const Native = w.WebSocket;
  w.WebSocket = class extends Native {
    constructor(url: string | URL, protocols?: string | string[]) {
      super(url, protocols);
      w.__sockets.push(this);
    }
  };
};

const STUB = `<script>window.Echo = window.Echo || function () { (Echo.q = Echo.q || []).push(arguments); };
window.__events = []; Echo("on", "message", function (m) { window.__events.push(m); });</script>`;

beforeAll(async () => {
  buildWidget();
  // the demo page test needs dist/public/demo (npm test builds everything; a lone run may not have)
  const demo = spawnSync(process.execPath, [new URL("../demo/build.mjs", import.meta.url).pathname], {
    encoding: "utf8",
  });
  if (demo.status !== 0) throw new Error(`demo build failed: ${demo.stderr}`);
  echo = await startEcho(ECHO_PORT);
  const bot = await api<{ publishableKey: string }>(echo.origin, echo.demo.token, "POST", "/api/bots", {
    name: "Restricted",
    allowedOrigins: ["https://nimbus.example"],
  });
  if (bot.status !== 201)
    throw new Error(`could not create the restricted bot: ${bot.status} ${JSON.stringify(bot.body)}`);
  restrictedKey = bot.body.publishableKey;
  const logo = `http://127.0.0.1:${HOST_PORT}/logo.svg`;
  const branded = await api<{ publishableKey: string }>(echo.origin, echo.demo.token, "POST", "/api/bots", {
    name: "Teal Bot",
    greeting: "Welcome to Teal support!",
    theme: { primaryColor: "#0f766e", textColor: "#ffffff", position: "bottom-left", logoUrl: logo, mode: "dark" },
  });
  if (branded.status !== 201)
    throw new Error(`could not create the branded bot: ${branded.status} ${JSON.stringify(branded.body)}`);
  brandedKey = branded.body.publishableKey;
  const key = echo.demo.botKey;
  host = await startHost(HOST_PORT, {
    "/": hostPage({ echo: echo.origin, botKey: key, head: STUB }),
    "/plain": hostPage({ echo: echo.origin, botKey: key }),
    "/aggressive": hostPage({ echo: echo.origin, botKey: key, head: AGGRESSIVE_CSS }),
    "/queued": hostPage({
      echo: echo.origin,
      botKey: key,
      head: `${STUB}<script>Echo("identify", { name: "Ada", email: "ada@example.com" }); Echo("open");</script>`,
    }),
    "/es": hostPage({ echo: echo.origin, botKey: key, attrs: 'data-lang="es" data-position="bottom-left"' }),
    "/bad": hostPage({ echo: echo.origin, botKey: "pk_doesnotexist0000000000" }),
    "/restricted": hostPage({ echo: echo.origin, botKey: restrictedKey }),
    "/branded": hostPage({ echo: echo.origin, botKey: brandedKey }),
    "/logo.svg": `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 32 32"><circle cx="16" cy="16" r="14" fill="#fbbf24"/></svg>`,
  });
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await host?.close();
  await echo?.stop();
});

type Bubble = {
  role: string;
  id: string | null;
  text: string;
  busy: string | null;
  pending: boolean;
  sources: string[];
};
type Frame = { dir: "in" | "out"; socket: number; data: Record<string, unknown> };

/** A fresh context (fresh storage) with the instrumentation, a page, and what it logs. */
async function open(path = "/", ctx?: BrowserContext) {
  const context = ctx ?? (await browser.newContext());
  await context.addInitScript(INIT);
  const page = await context.newPage();
  const errors: string[] = [];
  const consoleErrors: string[] = [];
  const frames: Frame[] = [];
  const sessions: number[] = [];
  const sessionBodies: unknown[] = [];
  page.on(
    "request",
    (r) => r.url().endsWith("/api/widget/sessions") && r.method() === "POST" && sessionBodies.push(r.postDataJSON()),
  );
  let sockets = 0;
  page.on(
    "response",
    (r) => r.url().endsWith("/api/widget/sessions") && r.request().method() === "POST" && sessions.push(r.status()),
  );
  page.on("pageerror", (e) => errors.push(String(e)));
  page.on("console", (m) => m.type() === "error" && consoleErrors.push(m.text()));
  page.on("websocket", (ws) => {
    const n = ++sockets;
    const parse = (p: string | Buffer) => JSON.parse(String(p)) as Record<string, unknown>;
    ws.on("framesent", (f) => frames.push({ dir: "out", socket: n, data: parse(f.payload) }));
    ws.on("framereceived", (f) => frames.push({ dir: "in", socket: n, data: parse(f.payload) }));
  });
  await page.goto(host.origin + path);
  return { context, page, errors, consoleErrors, frames, sessions, sessionBodies, sockets: () => sockets };
}

/**
 * An operator joins the page's conversation over the dashboard's socket (a second page in the same
 * context plays the dashboard), takes it over and writes `texts`; the socket stays on `window.op`.
 */
async function operatorTakesOver(page: Page, texts: string[]) {
  const stored = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("echo:"))![1]);
  const conversationId = (JSON.parse(stored) as { c: string }).c;
  const operator = await page.context().newPage();
  const wsUrl = `${echo.origin.replace("http", "ws")}/api/conversations/${conversationId}/ws?token=${encodeURIComponent(echo.demo.token)}`;
  await operator.evaluate(
    async ([url, texts]) => {
      const ws = new WebSocket(url);
      (window as unknown as { op: WebSocket }).op = ws;
      await new Promise((r) => (ws.onopen = r));
      ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
      ws.send(JSON.stringify({ type: "takeover" }));
      texts.forEach((text, i) => ws.send(JSON.stringify({ type: "msg", cid: `op-${i + 1}`, text })));
    },
    [wsUrl, texts] as const,
  );
  return { operator, conversationId };
}

const launcher = (page: Page, name = "Open chat") => page.getByRole("button", { name, exact: true });
const input = (page: Page) => page.getByRole("textbox", { name: "Type your message…" });

function bubbles(page: Page): Promise<Bubble[]> {
  return page.evaluate(() => {
    const root = document.querySelector("echo-widget")?.shadowRoot;
    return [...(root?.querySelectorAll<HTMLElement>(".m .g:not([data-role=greeting])") ?? [])].map((e) => ({
      role: e.dataset.role ?? "",
      id: e.dataset.id ?? null,
      text: e.querySelector(".tx")?.textContent ?? "",
      busy: e.getAttribute("aria-busy"),
      pending: !!e.querySelector(".pd"),
      sources: [...e.querySelectorAll(".src li")].map((li) => li.textContent ?? ""),
    }));
  });
}

/** Sends `text` through the UI and waits until the server acknowledged it and the AI answer after it is final. */
async function ask(page: Page, text: string): Promise<Bubble> {
  const before = (await bubbles(page)).length;
  await input(page).fill(text);
  await input(page).press("Enter");
  return until(
    `the answer to "${text}"`,
    async () => {
      const list = await bubbles(page);
      const mine = list.findIndex((b, i) => i >= before && b.role === "visitor" && b.text === text && !b.pending);
      const answer = mine >= 0 ? list.slice(mine + 1).find((b) => b.role === "ai" && b.busy === "false") : undefined;
      return answer;
    },
    30_000,
  );
}

describe("widget (browser, cross-origin host page)", () => {
  it("opens, streams a knowledge answer token by token with its source, and reports it through Echo('on')", async () => {
    const { page, frames, errors, context } = await open("/");
    await launcher(page).waitFor({ timeout: 20_000 });
    await screenshot(page, "widget-closed");
    await launcher(page).click();
    await expect(
      input(page).evaluate((e) => e === document.querySelector("echo-widget")!.shadowRoot!.activeElement),
    ).resolves.toBe(true);
    // record every change of a text node: streamed deltas must update one text node in place
    await page.evaluate(() => {
      const w = window as unknown as { __texts: string[] };
      w.__texts = [];
      new MutationObserver((records) => {
        for (const r of records) if (r.type === "characterData") w.__texts.push(r.oldValue ?? "");
      }).observe(document.querySelector("echo-widget")!.shadowRoot!, {
        subtree: true,
        characterData: true,
        characterDataOldValue: true,
      });
    });
    const q = demoQuestion();
    const answer = await ask(page, q);
    expect(answer.text.length, JSON.stringify(answer)).toBeGreaterThan(20);
    expect(answer.sources.length, `answer without sources: ${JSON.stringify(answer)}`).toBeGreaterThan(0);
    const deltas = frames.filter((f) => f.dir === "in" && f.data.type === "delta" && f.data.id === answer.id);
    expect(deltas.length, "the answer was not streamed").toBeGreaterThan(1);
    // each delta changed the same text node in place (its previous values are the growing prefixes)
    const streamed = deltas.map((d) => String(d.data.text)).join("");
    const texts = await page.evaluate(() => (window as unknown as { __texts: string[] }).__texts);
    const prefixes = texts.filter((t) => t.length > 0 && streamed.startsWith(t));
    expect(prefixes.length, `text node not updated in place: ${JSON.stringify(texts)}`).toBeGreaterThanOrEqual(
      deltas.length - 1,
    );
    const events = await page.evaluate(
      () => (window as unknown as { __events: { role: string; text: string }[] }).__events,
    );
    const final = frames.find((f) => f.dir === "in" && f.data.type === "msg" && f.data.id === answer.id)!;
    expect(
      events.some((e) => e.role === "ai" && e.text === final.data.text),
      JSON.stringify(events),
    ).toBe(true);
    await screenshot(page, "widget-answer");
    await page.emulateMedia({ colorScheme: "dark" });
    await screenshot(page, "widget-answer-dark");
    expect(errors).toEqual([]);
    await context.close();
  });

  it("loses and duplicates nothing across a network drop and an abrupt socket death, and survives a reload", async () => {
    const { page, frames, context, sockets } = await open("/");
    await launcher(page).click();
    const q1 = demoQuestion();
    const a1 = await ask(page, q1);

    // 1. the network goes away; the visitor keeps typing
    await context.setOffline(true);
    await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!.readyState);
    await until(
      "the widget to notice the drop",
      async () => (await page.getByRole("status").filter({ hasText: "Reconnecting…" }).count()) > 0,
    );
    const [, q2, q3] = demoQuestions() as [string, string, string];
    await input(page).fill(q2);
    await input(page).press("Enter");
    await until("the offline message to show as pending", async () =>
      (await bubbles(page)).some((b) => b.text === q2 && b.pending),
    );
    const socketsOffline = sockets();
    await context.setOffline(false);
    await until(
      "the resent message to be acknowledged and answered",
      async () => {
        const list = await bubbles(page);
        const i = list.findIndex((b) => b.text === q2 && !b.pending);
        return i >= 0 && list.slice(i + 1).some((b) => b.role === "ai" && b.busy === "false");
      },
      30_000,
    ).catch(async (e: Error) => {
      throw new Error(`${e.message}\n${JSON.stringify(await bubbles(page))}\n${JSON.stringify(frames.slice(-30))}`);
    });
    expect(sockets(), "no new socket after the drop").toBeGreaterThan(socketsOffline);
    const rejoin = frames.find((f) => f.dir === "out" && f.socket > 1 && f.data.type === "hello");
    expect(Number(rejoin?.data.lastSeq), "hello after reconnect must carry lastSeq").toBeGreaterThan(0);
    const resent = frames.filter((f) => f.dir === "out" && f.data.type === "msg" && f.data.text === q2);
    expect(resent.length).toBeGreaterThan(0);
    expect(new Set(resent.map((f) => f.data.cid)).size, "a resend must reuse its cid").toBe(1);

    // 2. the socket dies in the middle of a streamed answer
    await input(page).fill(q3);
    const beforeKill = frames.length;
    await input(page).press("Enter");
    await until("the first delta of the third answer", () =>
      frames.slice(beforeKill).some((f) => f.dir === "in" && f.data.type === "delta"),
    );
    const socketCount = sockets();
    await page.evaluate(() => (window as unknown as { __sockets: WebSocket[] }).__sockets.at(-1)!.close());
    await until("a reconnect after the socket died", () => sockets() > socketCount, 15_000);
    await until(
      "the third answer to be final",
      async () => {
        const list = await bubbles(page);
        const i = list.findIndex((b) => b.text === q3 && !b.pending);
        return i >= 0 && list.slice(i + 1).some((b) => b.role === "ai" && b.busy === "false");
      },
      30_000,
    );

    const list = await bubbles(page);
    expect(list.filter((b) => b.role === "visitor").map((b) => b.text)).toEqual([q1, q2, q3]);
    const ids = list.map((b) => b.id);
    expect(new Set(ids).size, `duplicate bubbles: ${JSON.stringify(list)}`).toBe(ids.length);
    expect(list.every((b) => !b.pending && b.busy === "false")).toBe(true);
    // every stored message the server has is on screen exactly once
    const storedIds = new Set(
      frames.filter((f) => f.dir === "in" && f.data.type === "msg").map((f) => f.data.id as string),
    );
    expect([...storedIds].sort()).toEqual([...ids].sort());
    expect(list.find((b) => b.id === a1.id)?.text).toBe(a1.text);

    // 3. reload: the same conversation comes back
    const conv = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("echo:"))?.[1]);
    await page.reload();
    await launcher(page).click();
    await until("the history after reload", async () => (await bubbles(page)).length === list.length);
    const after = await bubbles(page);
    expect(after.map((b) => [b.id, b.role, b.text])).toEqual(list.map((b) => [b.id, b.role, b.text]));
    const conv2 = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("echo:"))?.[1]);
    expect(JSON.parse(conv2!).c).toBe(JSON.parse(conv!).c);
    await screenshot(page, "widget-after-reload");
    await context.close();
  });

  it("renders HTML and script in a message as text", async () => {
    const { page, errors, context } = await open("/plain");
    await launcher(page).click();
    const evil = `<img src=x onerror="window.__xss=1"><script>window.__xss=2</script><b>bold</b> [x](javascript:window.__xss=3)`;
    await input(page).fill(evil);
    await input(page).press("Enter");
    await until("the acknowledged message", async () =>
      (await bubbles(page)).some((b) => b.text === evil && !b.pending),
    );
    const found = await page.evaluate(() => {
      const root = document.querySelector("echo-widget")!.shadowRoot!;
      return {
        tags: root.querySelectorAll(".m img, .m script, .m b, .m a[href^='javascript']").length,
        xss: (window as unknown as { __xss?: number }).__xss ?? null,
      };
    });
    expect(found).toEqual({ tags: 0, xss: null });
    expect(errors).toEqual([]);
    await context.close();
  });

  it("is not changed by aggressive host page CSS and does not change the host page", async () => {
    const probe = async (page: Page) =>
      page.evaluate(() => {
        const root = document.querySelector("echo-widget")!.shadowRoot!;
        const props = [
          "font-family",
          "font-size",
          "color",
          "background-color",
          "padding-top",
          "margin-top",
          "width",
          "height",
          "border-top-width",
          "border-radius",
          "box-sizing",
          "line-height",
          "letter-spacing",
          "text-transform",
          "opacity",
          "transform",
          "display",
        ];
        const out: Record<string, Record<string, string>> = {};
        for (const sel of [".r", ".l", ".p", ".h", ".m", ".g", "textarea", ".hu", ".c", "svg"]) {
          const el = root.querySelector(sel);
          if (!el) throw new Error(`missing ${sel}`);
          const cs = getComputedStyle(el);
          out[sel] = Object.fromEntries(props.map((p) => [p, cs.getPropertyValue(p)]));
        }
        const hostCs = getComputedStyle(document.querySelector("echo-widget")!);
        out.host = {
          display: hostCs.display,
          opacity: hostCs.opacity,
          transform: hostCs.transform,
          position: hostCs.position,
        };
        return out;
      });
    const plain = await open("/plain");
    const hostStyle = () =>
      plain.page.evaluate(() =>
        ["p", "button", "a", "h1"].map((s) => {
          const cs = getComputedStyle(document.querySelector(s)!);
          return [cs.fontFamily, cs.color, cs.fontSize, cs.padding, cs.boxSizing, cs.backgroundColor];
        }),
      );
    const hostBefore = await hostStyle();
    await launcher(plain.page).click();
    await input(plain.page).waitFor();
    const a = await probe(plain.page);
    const added = await plain.page.evaluate(() => {
      const before = new Set((window as unknown as { __globals: string[] }).__globals);
      return Object.getOwnPropertyNames(window).filter((k) => !before.has(k) && !k.startsWith("__"));
    });
    expect(added, "the widget may add only the Echo global").toEqual(["Echo"]);
    expect(await hostStyle(), "our styles leaked into the host page").toEqual(hostBefore);

    const aggressive = await open("/aggressive");
    await launcher(aggressive.page).click();
    await input(aggressive.page).waitFor();
    const b = await probe(aggressive.page);
    expect(b).toEqual(a);
    await screenshot(aggressive.page, "widget-aggressive-host-css");
    await plain.context.close();
    await aggressive.context.close();
  });

  it("works with the keyboard alone: Tab to the launcher, Enter, type, Enter sends, Escape closes", async () => {
    const { page, context } = await open("/plain");
    await launcher(page).waitFor();
    const focused = () =>
      page.evaluate(() => {
        const a = document.activeElement;
        const inner = a?.shadowRoot?.activeElement;
        return inner ? `shadow:${inner.tagName.toLowerCase()}.${inner.className}` : `${a?.tagName.toLowerCase()}`;
      });
    let reached = false;
    for (let i = 0; i < 10 && !reached; i++) {
      await page.keyboard.press("Tab");
      reached = (await focused()).startsWith("shadow:button.l");
    }
    expect(reached, `launcher not reachable by Tab (focus on ${await focused()})`).toBe(true);
    await page.keyboard.press("Enter");
    await until("focus in the message box", async () => (await focused()) === "shadow:textarea.");
    await expect(page.getByRole("dialog", { name: "Nimbus Help" }).count()).resolves.toBe(1);
    await page.keyboard.type("Hello from the keyboard");
    await page.keyboard.press("Enter");
    await until("the keyboard message", async () =>
      (await bubbles(page)).some((b) => b.text === "Hello from the keyboard"),
    );
    await page.keyboard.press("Escape");
    await until("the panel to close", async () => (await page.getByRole("dialog").count()) === 0);
    expect(await focused()).toMatch(/^shadow:button\.l/);
    await expect(launcher(page).getAttribute("aria-expanded")).resolves.toBe("false");
    await context.close();
  });

  it("shows an unread badge for messages that arrive while the panel is closed", async () => {
    const { page, context } = await open("/plain");
    await launcher(page).click();
    await input(page).fill(demoQuestion());
    await input(page).press("Enter");
    // the AI's answer arrives while the panel is open: read, no badge
    await until("the AI answer", async () => (await bubbles(page)).some((b) => b.role === "ai" && b.busy === "false"));
    await page.keyboard.press("Escape");
    await until("the panel to close", async () => (await page.getByRole("dialog").count()) === 0);
    const badge = () =>
      page.evaluate(() => document.querySelector("echo-widget")!.shadowRoot!.querySelector(".bd")?.textContent ?? "");
    expect(await badge()).toBe("");

    // an agent writes twice while the panel is closed (a second page plays the dashboard's socket)
    await operatorTakesOver(page, ["Hi, this is Dana.", "Are you still there?"]);
    // two agent messages, plus the room's notice that a person joined
    await until("the unread badge", async () => Number(await badge()) >= 2, 30_000);
    await screenshot(page, "widget-unread");
    await launcher(page).click();
    expect(await badge()).toBe("");
    await context.close();
  });

  it("runs commands queued before it loaded (identify, open), honours data-lang and data-position, and goes full screen on phones", async () => {
    const queued = await open("/queued");
    await until(
      "Echo('open') queued before load to open the panel",
      async () => (await queued.page.getByRole("dialog").count()) === 1,
    );
    expect(queued.sessionBodies[0]).toEqual({
      botKey: echo.demo.botKey,
      visitor: { name: "Ada", email: "ada@example.com" },
    });
    // the loader's stub is replaced by the real API, and nothing else lands on window
    expect(await queued.page.evaluate(() => typeof (window as unknown as { Echo: unknown }).Echo)).toBe("function");
    await queued.context.close();

    const es = await open("/es");
    await launcher(es.page, "Abrir chat").waitFor({ timeout: 20_000 });
    const left = await es.page.evaluate(
      () => document.querySelector("echo-widget")!.shadowRoot!.querySelector(".l")!.getBoundingClientRect().left,
    );
    expect(left).toBeLessThan(100);
    await es.context.close();

    const phone = await browser.newContext({ viewport: { width: 390, height: 760 }, isMobile: true, hasTouch: true });
    const p = await open("/plain", phone);
    await launcher(p.page).click();
    const box = await p.page.evaluate(() => {
      const r = document.querySelector("echo-widget")!.shadowRoot!.querySelector(".p")!.getBoundingClientRect();
      return [r.left, r.top, r.width, r.height];
    });
    expect(box).toEqual([0, 0, 390, 760]);
    await screenshot(p.page, "widget-phone");
    await phone.close();
  });

  it("keeps a 'Talk to a person' pressed while the socket is down and sends it once it is back", async () => {
    // the page's sockets are refused until the visitor has asked for a person (then they pass through)
    const context = await browser.newContext();
    let released = false;
    let refused = 0;
    await context.routeWebSocket(/\/ws(\?|$)/, (ws) => {
      if (!released) {
        refused++;
        ws.close({ code: 1012, reason: "test: not yet" });
        return;
      }
      ws.connectToServer();
    });
    const { page, frames } = await open("/plain", context);
    await launcher(page).click();
    await until(
      "the widget to show it is reconnecting",
      async () => refused > 0 && (await page.getByRole("status").filter({ hasText: "Reconnecting" }).count()) > 0,
    );
    await page.getByRole("button", { name: "Talk to a person" }).click();
    released = true;
    await until(
      "the waiting notice",
      async () => (await page.getByRole("status").filter({ hasText: "Waiting for a person…" }).count()) > 0,
      30_000,
    );
    expect(frames.filter((f) => f.dir === "out" && f.data.type === "human")).toHaveLength(1);
    await context.close();
  });

  it("hands off to a person: waiting notice, email capture, agent message, rating when closed", async () => {
    const { page, frames, context } = await open("/plain");
    await launcher(page).click();
    await page.getByRole("button", { name: "Talk to a person" }).click();
    await until(
      "the waiting notice",
      async () => (await page.getByRole("status").filter({ hasText: "Waiting for a person…" }).count()) > 0,
    );
    await page.getByRole("textbox", { name: /Leave your email/ }).fill("visitor@example.com");
    await page.getByRole("button", { name: "Save" }).click();
    await page.getByText("Thanks, we will reply by email.").waitFor();
    await until("the email in the transcript", async () =>
      (await bubbles(page)).some((b) => b.role === "visitor" && b.text.includes("visitor@example.com") && !b.pending),
    );
    await screenshot(page, "widget-waiting");

    // an operator joins from the dashboard's socket (a second page plays the dashboard)
    const { operator, conversationId } = await operatorTakesOver(page, [
      "Hi, this is **Dana** from Nimbus. How can I help?",
    ]);
    await until("the agent message", async () =>
      (await bubbles(page)).some((b) => b.role === "agent" && b.text.startsWith("Hi, this is Dana")),
    );
    expect(
      await page.evaluate(
        () => document.querySelector("echo-widget")!.shadowRoot!.querySelector(".agent strong")?.textContent,
      ),
    ).toBe("Dana");
    await page.getByRole("status").filter({ hasText: "You are chatting with a person" }).waitFor();
    await screenshot(page, "widget-agent");

    await operator.evaluate(() => (window as unknown as { op: WebSocket }).op.send(JSON.stringify({ type: "close" })));
    await page.getByRole("group", { name: "How did we do?" }).waitFor();
    await page.getByRole("radio", { name: "4 stars" }).check();
    await page.getByRole("textbox", { name: "Anything to add? (optional)" }).fill("Quick and friendly");
    await screenshot(page, "widget-rating");
    await page.getByRole("button", { name: "Send" }).click();
    await page.getByText("Thanks for your feedback!").waitFor();
    const rate = frames.find((f) => f.dir === "out" && f.data.type === "rate");
    expect(rate?.data).toEqual({ type: "rate", score: 4, comment: "Quick and friendly" });
    // a closed conversation is not a dead end: the visitor can start over
    await page.getByRole("button", { name: "Start a new conversation" }).click();
    await input(page).waitFor();
    await until("an empty new conversation", async () => (await bubbles(page)).length === 0);
    const fresh = await page.evaluate(() => Object.entries(localStorage).find(([k]) => k.startsWith("echo:"))![1]);
    expect((JSON.parse(fresh) as { c: string }).c).not.toBe(conversationId);
    await context.close();
  });

  it("sends image and PDF attachments through the signed upload flow and shows them", async () => {
    const { page, frames, context } = await open("/plain");
    await launcher(page).click();
    const png = Buffer.from(
      "iVBORw0KGgoAAAANSUhEUgAAAAgAAAAICAIAAABLbSncAAAAEklEQVR4nGP4z8CAFTEMLQkAWvw/wRJ1/3oAAAAASUVORK5CYII=",
      "base64",
    );
    const pdf = Buffer.concat([
      Buffer.from("%PDF-1.4\n% Nimbus invoice\n"),
      Buffer.alloc(256 * 1024, 32),
      Buffer.from("\n%%EOF\n"),
    ]);
    await page.locator("echo-widget input[type=file]").setInputFiles([
      { name: "screenshot.png", mimeType: "image/png", buffer: png },
      { name: "invoice.pdf", mimeType: "application/pdf", buffer: pdf },
    ]);
    await until(
      "both attachments sent and acknowledged",
      () =>
        frames.filter((f) => f.dir === "in" && f.data.type === "msg" && Array.isArray(f.data.attachments)).length >= 2,
      30_000,
    );
    const shown = await until("the image to load from the Worker", () =>
      page.evaluate(() => {
        const root = document.querySelector("echo-widget")!.shadowRoot!;
        const img = root.querySelector<HTMLImageElement>(".att img");
        const link = [...root.querySelectorAll<HTMLAnchorElement>(".att a")].find((a) =>
          a.textContent?.includes("invoice.pdf"),
        );
        return img?.complete && img.naturalWidth === 8 && link ? { img: img.alt, pdf: link.href } : null;
      }),
    );
    expect(shown.img).toBe("screenshot.png");
    expect(shown.pdf).toContain(`${echo.origin}/api/widget/attachments/att_`);
    await screenshot(page, "widget-attachments");
    await context.close();
  });

  it("talks by voice through the same conversation, reads answers aloud, and stops reading when the visitor speaks", async () => {
    const context = await browser.newContext();
    // Headless Chromium has no microphone or speech service: a scripted recogniser and synthesiser
    // stand in for them, so the widget's own voice code runs unchanged.
    await context.addInitScript(() => {
      const log = {
        spoken: [] as string[],
        cancels: 0,
        rec: null as null | Record<string, unknown>,
        utterances: [] as Record<string, () => void>[],
        events: [] as string[],
      };
      // what the avatar hears of the reading (voice.ts tells start, each word, end)
      document.addEventListener("echo:speech", (e) => log.events.push((e as CustomEvent<string>).detail));
      (window as unknown as { __speech: typeof log }).__speech = log;
      class FakeRecognition {
        constructor() {
          log.rec = this as unknown as Record<string, unknown>;
        }
        start() {
          (this as unknown as { started: boolean }).started = true;
        }
        stop() {}
        abort() {
          (this as unknown as { aborted: boolean }).aborted = true;
        }
      }
      Object.assign(window, { SpeechRecognition: FakeRecognition, webkitSpeechRecognition: FakeRecognition });
      Object.defineProperty(window, "speechSynthesis", {
        configurable: true,
        value: {
          speak: (u: { text: string }) => {
            log.spoken.push(u.text);
            log.utterances.push(u as unknown as Record<string, () => void>);
          },
          cancel: () => log.cancels++,
        },
      });
    });
    const { page } = await open("/plain", context);
    const voiceChunk: string[] = [];
    page.on("request", (r) => r.url().includes("/w/voice.") && voiceChunk.push(r.url()));
    await launcher(page).click();
    expect(voiceChunk, "voice must load lazily, not with the widget").toEqual([]);
    await page.getByRole("button", { name: "Speak" }).click();
    await until("the recogniser to start", () =>
      page.evaluate(
        () => (window as unknown as { __speech: { rec: { started?: boolean } | null } }).__speech.rec?.started,
      ),
    );
    expect(voiceChunk).toHaveLength(1);
    await expect(page.getByRole("button", { name: "Stop listening" }).getAttribute("aria-pressed")).resolves.toBe(
      "true",
    );
    const q = demoQuestions()[2]!;
    await page.evaluate((text) => {
      const rec = (window as unknown as { __speech: { rec: { onresult(e: unknown): void } } }).__speech.rec;
      rec.onresult({ resultIndex: 0, results: [Object.assign([{ transcript: text }], { isFinal: true })] });
    }, q);
    await until(
      "the spoken question and its answer",
      async () => {
        const list = await bubbles(page);
        const i = list.findIndex((b) => b.role === "visitor" && b.text === q);
        return i >= 0 && list.slice(i + 1).some((b) => b.role === "ai" && b.busy === "false");
      },
      30_000,
    );
    const spoken = await until("the answer read aloud", () =>
      page.evaluate(() => (window as unknown as { __speech: { spoken: string[] } }).__speech.spoken[0]),
    );
    const answer = (await bubbles(page)).filter((b) => b.role === "ai").at(-1)!;
    expect(answer.text.startsWith(spoken.slice(0, 20)), `${spoken} / ${answer.text}`).toBe(true);
    // the synthesiser's start, word boundaries and end reach the page as echo:speech (the avatar's cue)
    const told = await page.evaluate(() => {
      const s = (window as unknown as { __speech: { utterances: Record<string, () => void>[]; events: string[] } })
        .__speech;
      const u = s.utterances[0]!;
      u.onstart!();
      u.onboundary!();
      u.onboundary!();
      u.onend!();
      return s.events;
    });
    expect(told).toEqual(["start", "word", "word", "end"]);
    // barge-in: the visitor starts talking, the reading stops
    const cancels = await page.evaluate(() => {
      const s = (window as unknown as { __speech: { cancels: number; rec: { onspeechstart(): void } } }).__speech;
      const before = s.cancels;
      s.rec.onspeechstart();
      return s.cancels - before;
    });
    expect(cancels).toBeGreaterThan(0);
    await page.getByRole("button", { name: "Stop listening" }).click();
    expect(
      await page.evaluate(
        () => (window as unknown as { __speech: { rec: { aborted?: boolean } } }).__speech.rec.aborted,
      ),
    ).toBe(true);
    await context.close();
  });

  it("serves the Nimbus Notes demo page with the widget from the Worker", async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    await page.goto(`${echo.origin}/demo/?bot=${echo.demo.botKey}`);
    await launcher(page).waitFor({ timeout: 20_000 });
    await page.getByRole("button", { name: "Ask our assistant" }).click();
    await page.getByRole("dialog", { name: "Nimbus Help" }).waitFor();
    await screenshot(page, "demo-page");
    const headers = await page.evaluate(async () => {
      const loader = await fetch("/widget.js");
      const src = await loader.text();
      const bundle = await fetch("/" + /"(w\/widget\.[^"]+\.js)"/.exec(src)![1]);
      return [
        loader.headers.get("cache-control"),
        loader.headers.get("access-control-allow-origin"),
        bundle.headers.get("cache-control"),
        bundle.headers.get("access-control-allow-origin"),
      ];
    });
    expect(headers).toEqual([
      "public, max-age=300, stale-while-revalidate=86400",
      "*",
      "public, max-age=31536000, immutable",
      "*",
    ]);
    await context.close();
  });

  it("applies the bot's name, greeting, colours, logo, position and dark theme from its settings", async () => {
    const { page, context } = await open("/branded");
    await launcher(page).click();
    await page.getByRole("dialog", { name: "Teal Bot" }).waitFor();
    const look = await page.evaluate(() => {
      const root = document.querySelector("echo-widget")!.shadowRoot!;
      const logo = root.querySelector<HTMLImageElement>(".h img")!;
      return {
        launcher: getComputedStyle(root.querySelector(".l")!).backgroundColor,
        header: getComputedStyle(root.querySelector(".h")!).backgroundColor,
        panel: getComputedStyle(root.querySelector(".p")!).backgroundColor,
        greeting: root.querySelector("[data-role=greeting]")!.textContent,
        logo: logo.complete && logo.naturalWidth > 0 ? logo.src : null,
        left: root.querySelector(".l")!.getBoundingClientRect().left,
      };
    });
    expect(look).toEqual({
      launcher: "rgb(15, 118, 110)",
      header: "rgb(15, 118, 110)",
      panel: "rgb(23, 25, 30)",
      greeting: "Welcome to Teal support!",
      logo: `http://127.0.0.1:${HOST_PORT}/logo.svg`,
      left: 20,
    });
    await screenshot(page, "widget-branded-dark");
    await context.close();
  });

  it("fails quietly on a wrong or disallowed data-bot: one console error, no launcher, no page error", async () => {
    for (const [path, status] of [
      ["/bad", 401],
      ["/restricted", 403],
    ] as const) {
      const { page, errors, consoleErrors, sessions, context } = await open(path);
      await until("the session call", () => sessions.length > 0);
      expect(sessions).toEqual([status]);
      await until("the console error", () => consoleErrors.some((e) => e.includes("Echo widget")));
      expect(
        consoleErrors.filter((e) => e.includes("Echo widget")),
        path,
      ).toHaveLength(1);
      expect(await page.evaluate(() => document.querySelectorAll("echo-widget").length)).toBe(0);
      expect(await launcher(page).count()).toBe(0);
      expect(errors).toEqual([]);
      await context.close();
    }
  });
});
