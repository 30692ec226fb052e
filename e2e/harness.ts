/**
 * Shared helpers for browser tests: Debian's Chromium through playwright-core, the local Echo server
 * (scripts/local-server.mjs, the same path as `npm start`) with a fresh persist dir, and a second
 * tiny HTTP server for host pages so the widget always runs cross-origin, as on a customer's site.
 */
import { mkdirSync, mkdtempSync, rmSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { chromium, type Browser, type Page } from "playwright-core";
// @ts-expect-error plain JS module without types
import { startLocal } from "../scripts/local-server.mjs";
import { findChromium } from "../scripts/ensure-chromium.mjs";

/** Fixed test ports shifted by ECHO_PORT_OFFSET, so two checkouts can run their browser suites at once. */
export const e2ePort = (n: number): number => n + Number(process.env.ECHO_PORT_OFFSET ?? 0);

/** CHROMIUM_PATH, else Debian's chromium: the same resolution `npm test` checks first (scripts/ensure-chromium.mjs). */
export const CHROMIUM = findChromium() ?? process.env.CHROMIUM_PATH ?? "/usr/bin/chromium";
export const SCREENSHOTS = new URL("../artifacts/screenshots/", import.meta.url).pathname;

/** Headless Chromium with the flags every browser test uses. Playwright gives each launch its own
 *  fresh temporary profile (it refuses --user-data-dir on launch()), which is what we want. */
export async function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM,
    headless: true,
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-quic",
      "--no-first-run",
      "--disable-background-networking",
      "--disable-component-update",
      "--disable-sync",
    ],
  });
}

export type Demo = { email: string; password: string; botKey: string; botId: string; tenantId: string; token: string };
export type LocalServer = { origin: string; demo: Demo; stop(): Promise<void>; output(): string };

/** Starts Echo on `port` with a fresh persist dir under /tmp (named with `prefix`), seeded. */
export async function startEcho(
  port: number,
  prefix = "echo-widget-",
  /** Worker variables for this server only (scripts/local-server.mjs PASS_THROUGH_VARS), e.g. STRIPE_API_BASE. */
  vars: Record<string, string> = {},
): Promise<LocalServer> {
  const persistTo = mkdtempSync(join(tmpdir(), prefix));
  const server = (await startLocal({ port, persistTo, quiet: true, vars })) as LocalServer;
  return {
    ...server,
    async stop() {
      await server.stop();
      rmSync(persistTo, { recursive: true, force: true });
    },
  };
}

/** A static server for host pages: `pages` maps a path to HTML (or SVG for *.svg). Lives on its
 *  own port, so its origin differs from the Worker's. */
export async function startHost(
  port: number,
  pages: Record<string, string>,
): Promise<{ origin: string; pages: Record<string, string>; close(): Promise<void> }> {
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://x").pathname;
    const html = pages[path];
    if (html === undefined) {
      res.writeHead(404).end();
      return;
    }
    const type = path.endsWith(".svg") ? "image/svg+xml" : "text/html; charset=utf-8";
    res.writeHead(200, { "content-type": type, "cache-control": "no-store" }).end(html);
  });
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", resolve);
  });
  return {
    origin: `http://127.0.0.1:${port}`,
    pages,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

/** A plain customer page embedding the widget the documented way. */
export function hostPage(o: { echo: string; botKey: string; head?: string; body?: string; attrs?: string }): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><title>Host</title>${o.head ?? ""}</head>
<body><h1>Customer site</h1><p>Some content.</p><a href="#a">First link</a> <button type="button">Host button</button>
${o.body ?? ""}
<script src="${o.echo}/widget.js" data-bot="${o.botKey}" ${o.attrs ?? ""} async></script></body></html>`;
}

/** Authenticated JSON call against the local server (for test setup, e.g. a second bot). */
export async function api<T = unknown>(
  origin: string,
  token: string,
  method: string,
  path: string,
  body?: unknown,
): Promise<{ status: number; body: T }> {
  const r = await fetch(origin + path, {
    method,
    headers: { "content-type": "application/json", authorization: `Bearer ${token}` },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: r.status, body: (await r.json().catch(() => null)) as T };
}

/**
 * A new workspace signed up through the public API as a person does (signup, then the emailed
 * confirmation, whose token a local server hands back as `devToken`): its owner's access token,
 * the tenant and its first bot. Throws with the status and body when a step is refused.
 */
export async function signUpWorkspace(
  origin: string,
  input: { email: string; password: string; company: string; name?: string },
): Promise<{ token: string; tenantId: string; botId: string; botKey: string }> {
  const pending = await api<{ devToken: string }>(origin, "", "POST", "/api/auth/signup", input);
  if (pending.status !== 202) throw new Error(`signup: ${pending.status} ${JSON.stringify(pending.body)}`);
  const s = await api<{ accessToken: string; tenant: { id: string } }>(origin, "", "POST", "/api/auth/verify-email", {
    token: pending.body.devToken,
  });
  if (s.status !== 201) throw new Error(`verify-email: ${s.status} ${JSON.stringify(s.body)}`);
  const bots = await api<{ data: { id: string; publishableKey: string }[] }>(
    origin,
    s.body.accessToken,
    "GET",
    "/api/bots",
  );
  const bot = bots.body.data[0]!;
  return { token: s.body.accessToken, tenantId: s.body.tenant.id, botId: bot.id, botKey: bot.publishableKey };
}

/**
 * The demo owner's API for a suite's setup and checks: `(path, {method, json})` → the JSON body;
 * any non-2xx answer throws with its status and body.
 */
export function demoApi(server: LocalServer) {
  return async <T = any>(path: string, init: { method?: string; json?: unknown } = {}): Promise<T> => {
    const { status, body } = await api<T>(server.origin, server.demo.token, init.method ?? "GET", path, init.json);
    if (status < 200 || status > 299) throw new Error(`${path}: ${status} ${JSON.stringify(body)}`);
    return body;
  };
}

export async function screenshot(page: Page, name: string) {
  mkdirSync(SCREENSHOTS, { recursive: true });
  await page.screenshot({ path: join(SCREENSHOTS, `${name}.png`) });
}

/** Polls `fn` until it returns a truthy value (never a fixed sleep); throws with `what` on timeout. */
/** A value `until` accepts: any truthy one (so `x && y` narrows to `y`). */
type Truthy<T> = Exclude<T, null | undefined | false | "" | 0>;

export async function until<T>(what: string, fn: () => T | Promise<T>, timeoutMs = 20_000): Promise<Truthy<T>> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown;
  while (Date.now() < deadline) {
    try {
      const v = await fn();
      if (v) return v as Truthy<T>;
    } catch (e) {
      last = e;
    }
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`timed out waiting for ${what}${last ? `: ${String(last)}` : ""}`);
}

/**
 * A local Echo and a 1280×800 Chromium page for the dashboard suites; uncaught page errors go into
 * `pageErrors`. The dashboard is built by `npm test` / `npm run test:browser` before any suite runs.
 */
export async function openDashboard(port: number, prefix: string, pageErrors: string[]) {
  const server = await startEcho(port, prefix);
  // a suite whose setup throws never reaches its afterAll: stop the server here, or it outlives the run
  const browser = await launchBrowser().catch(async (err: unknown) => {
    await server.stop();
    throw err;
  });
  const page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
  page.on("pageerror", (e) => pageErrors.push(e.message));
  return { server, browser, page };
}

/**
 * A visitor over the real widget protocol (what the widget's transport does), from Node: a widget
 * session (optionally from a page origin, with an email and a signed identity), its socket, `hello`,
 * and every frame it gets.
 */
export async function openVisitor(
  origin: string,
  botKey: string,
  name: string,
  opts: { pageOrigin?: string; email?: string; identity?: { userId: string; expiresAt: number; hash: string } } = {},
) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(opts.pageOrigin ? { origin: opts.pageOrigin } : {}) },
    body: JSON.stringify({
      botKey,
      visitor: { name, ...(opts.email ? { email: opts.email } : {}) },
      ...(opts.identity ? { identity: opts.identity } : {}),
    }),
  });
  const session = (await r.json()) as { wsUrl: string; conversationId: string };
  if (r.status !== 200) throw new Error(`widget session: ${r.status} ${JSON.stringify(session)}`);
  const frames: Record<string, unknown>[] = [];
  const ws = new WebSocket(session.wsUrl);
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as Record<string, unknown>));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("visitor socket failed")), { once: true });
  });
  ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
  const prefix = `c-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  let n = 0;
  return {
    conversationId: session.conversationId,
    frames,
    say: (text: string) => ws.send(JSON.stringify({ type: "msg", cid: `${prefix}-${++n}`, text })),
    askForHuman: () => ws.send(JSON.stringify({ type: "human" })),
    close: () => ws.close(),
  };
}
