// The Analytics screen in headless Chromium against the local server: conversations played over the
// widget protocol from Node (an unanswerable question, a request for a person, a rating), then the
// screen's tiles, charts' text equivalents and knowledge gaps are checked against the API, a gap's
// answer is added to the knowledge base from the screen, and light and dark screenshots go to
// artifacts/screenshots/ (gitignored).
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, screenshot, until, type LocalServer, openDashboard, e2ePort } from "./harness";

const PORT = e2ePort(8865);

type Frame = Record<string, unknown>;
type Summary = {
  conversations: number;
  handoffs: { total: number };
  csat: { ratings: number };
  aiSpend: { calls: number; inputTokens: number };
};
type Questions = { gaps: { label: string; count: number }[] };

async function visit(origin: string, botKey: string) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ botKey }),
  });
  const session = (await r.json()) as { wsUrl: string; conversationId: string };
  expect(r.status, JSON.stringify(session)).toBe(200);
  const frames: Frame[] = [];
  const ws = new WebSocket(session.wsUrl);
  ws.addEventListener("message", (e) => frames.push(JSON.parse(String(e.data)) as Frame));
  await new Promise<void>((resolve, reject) => {
    ws.addEventListener("open", () => resolve(), { once: true });
    ws.addEventListener("error", () => reject(new Error("visitor socket failed")), { once: true });
  });
  ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
  return { ws, frames, send: (f: Frame) => ws.send(JSON.stringify(f)) };
}

describe("the Analytics screen", () => {
  let server: LocalServer;
  let browser: Browser;
  let page: Page;
  const pageErrors: string[] = [];
  const call = <T>(method: string, path: string, body?: unknown) =>
    api<T>(server.origin, server.demo.token, method, path, body);
  const today = new Date().toISOString().slice(0, 10);
  const range = `from=${today}&to=${today}&tz=UTC`;
  const QUESTION = "Can I pay my invoice with seashells from the beach?";

  beforeAll(async () => {
    ({ server, browser, page } = await openDashboard(PORT, "echo-analytics-", pageErrors));
    // the screen counts days in the browser's zone; UTC keeps it equal to the API calls below
    await page.emulateMedia({ colorScheme: "light" });
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
  });

  it("plays conversations: an unanswerable question handed off, a request for a person, a rating", async () => {
    const a = await visit(server.origin, server.demo.botKey);
    a.send({ type: "msg", cid: "a1", text: QUESTION });
    await until("the hand-off of the unanswerable question", () =>
      a.frames.find((f) => f.type === "mode" && f.mode === "human"),
    );
    const b = await visit(server.origin, server.demo.botKey);
    b.send({ type: "human" });
    await until("the second hand-off", () => b.frames.find((f) => f.type === "mode" && f.mode === "human"));
    b.send({ type: "rate", score: 5 });
    a.ws.close();
    b.ws.close();
    const s = await until("the events in the reports", async () => {
      const r = await call<Summary>("GET", `/api/analytics/summary?${range}`);
      return r.body.handoffs.total >= 2 && r.body.csat.ratings >= 1 && r.body;
    });
    expect(s.conversations).toBeGreaterThanOrEqual(2);
  });

  it("shows the tiles, the charts' text and the knowledge gaps as the API reports them", async () => {
    await page.goto(`${server.origin}/app/login?next=${encodeURIComponent("/analytics")}`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.waitForURL(/\/app\/analytics/);
    await page.getByRole("heading", { name: "Analytics", level: 1 }).waitFor();
    const s = (await call<Summary>("GET", `/api/analytics/summary?${range}`)).body;
    const tiles = page.getByRole("list", { name: "Headline figures" });
    await expect(tiles.getByRole("listitem").first().innerText()).resolves.toContain(String(s.conversations));
    // the hand-off reasons chart has a text equivalent
    const reasons = page.locator("table.sr", { has: page.locator("caption", { hasText: "Hand-off reasons" }) });
    await expect(reasons.innerText()).resolves.toContain("asked_for_human");
    const q = (await call<Questions>("GET", `/api/analytics/questions?${range}`)).body;
    const gaps = page.getByRole("region", { name: "Knowledge gaps" });
    expect(q.gaps.map((g) => g.label)).toContain(QUESTION);
    await gaps.getByText(QUESTION).waitFor();
    // the demo's embedded answerer is free: the spend section says so with the API's figures
    const spend = await page.getByRole("region", { name: "AI spend" }).innerText();
    expect(spend).toContain(`for ${s.aiSpend.calls} model calls (${s.aiSpend.inputTokens} input`);
    await screenshot(page, "analytics-light");
    await page.emulateMedia({ colorScheme: "dark" });
    await until("dark mode", () => page.evaluate(() => document.documentElement.dataset.theme === "dark"));
    await screenshot(page, "analytics-dark");
    await page.emulateMedia({ colorScheme: "light" });
    expect(pageErrors).toEqual([]);
  });

  it("adds a gap's answer to the knowledge base from the screen", async () => {
    const gaps = page.getByRole("region", { name: "Knowledge gaps" });
    const item = gaps.getByRole("listitem").filter({ hasText: QUESTION });
    await item.getByRole("button", { name: "Add the answer" }).click();
    await item.getByLabel(`Answer to “${QUESTION}”`).fill("We accept cards and bank transfers, not seashells.");
    await item.getByRole("button", { name: "Add to knowledge" }).click();
    await item.getByRole("status").waitFor();
    const list = await call<{ data: { type: string; title: string }[] }>("GET", "/api/knowledge/sources");
    expect(list.body.data.some((x) => x.type === "qa" && x.title.includes("seashells"))).toBe(true);
    expect(pageErrors).toEqual([]);
  });
});
