/**
 * The Calls screen in headless Chromium against the local server: a Vapi call arrives through its
 * signed webhook (live caller words, then the end-of-call report with a recording served by a local
 * server), the call list shows it, the detail plays the recording from R2 through the signed URL and
 * seeking is served by HTTP range requests (206); a role without `voice:read` is refused the
 * recording. Screenshots go to artifacts/screenshots/ (gitignored).
 */
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Browser, Page } from "playwright-core";
import { api, e2ePort, launchBrowser, screenshot, startEcho, until, type LocalServer } from "./harness";

const PORT = e2ePort(8875);
const SECRET = "calls-e2e-vapi-secret";
const SECONDS = 120;

/** A real, playable PCM WAV: 8 kHz, 16-bit mono, a quiet 440 Hz tone (about 1.9 MB). */
function wav(seconds: number): Buffer {
  const rate = 8000;
  const samples = rate * seconds;
  const b = Buffer.alloc(44 + samples * 2);
  b.write("RIFF", 0, "latin1");
  b.writeUInt32LE(36 + samples * 2, 4);
  b.write("WAVEfmt ", 8, "latin1");
  b.writeUInt32LE(16, 16);
  b.writeUInt16LE(1, 20);
  b.writeUInt16LE(1, 22);
  b.writeUInt32LE(rate, 24);
  b.writeUInt32LE(rate * 2, 28);
  b.writeUInt16LE(2, 32);
  b.writeUInt16LE(16, 34);
  b.write("data", 36, "latin1");
  b.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++)
    b.writeInt16LE(Math.round(Math.sin((2 * Math.PI * 440 * i) / rate) * 2000), 44 + i * 2);
  return b;
}

describe("the Calls screen", () => {
  let server: LocalServer;
  let recordings: Server;
  let browser: Browser;
  let page: Page;
  let callId = "";
  let webhookUrl = "";
  const pageErrors: string[] = [];
  const audio = wav(SECONDS);

  beforeAll(async () => {
    recordings = createServer((_req, res) => {
      res.writeHead(200, { "content-type": "audio/wav", "content-length": audio.length });
      res.end(audio);
    });
    await new Promise<void>((r) => recordings.listen(0, "127.0.0.1", r));
    // the recording server is on loopback: this suite opts in to private egress (as vapi-replay does)
    process.env.ALLOW_PRIVATE_EGRESS = "true";
    server = await startEcho(PORT, "echo-calls-");
    delete process.env.ALLOW_PRIVATE_EGRESS;
    browser = await launchBrowser();
    page = await browser.newPage({ viewport: { width: 1280, height: 800 } });
    page.on("pageerror", (e) => pageErrors.push(e.message));
  });

  afterAll(async () => {
    await browser?.close();
    await server?.stop();
    await new Promise((r) => recordings?.close(r));
  });

  it("a call with a recording arrives through the signed Vapi webhook", async () => {
    const addr = recordings.address();
    const recordingUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/rec/mono.wav`;
    const vint = await api<{ webhookUrl: string }>(
      server.origin,
      server.demo.token,
      "POST",
      "/api/voice/integrations",
      {
        provider: "vapi",
        botId: server.demo.botId,
        secrets: { secret: SECRET },
      },
    );
    expect(vint.status, JSON.stringify(vint.body)).toBe(201);
    webhookUrl = vint.body.webhookUrl;
    const post = async (message: Record<string, unknown>) => {
      const r = await fetch(vint.body.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
        body: JSON.stringify({
          message: { call: { id: "e2e-call-1" }, customer: { number: "+14155550199" }, ...message },
        }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
    };
    const t0 = Date.now();
    await post({ type: "status-update", status: "in-progress", timestamp: t0 });
    await post({
      type: "transcript",
      role: "user",
      transcriptType: "final",
      transcript: "Where is my invoice?",
      timestamp: t0 + 4000,
    });
    await post({
      type: "end-of-call-report",
      timestamp: t0 + SECONDS * 1000,
      endedReason: "customer-ended-call",
      cost: 0.37,
      durationSeconds: SECONDS,
      analysis: { summary: "The caller asked where to find their invoice." },
      artifact: {
        recordingUrl,
        messages: [
          { role: "bot", message: "Hello, billing desk.", time: t0 + 1000, secondsFromStart: 1 },
          { role: "user", message: "Where is my invoice?", time: t0 + 4000, secondsFromStart: 4 },
          { role: "bot", message: "Invoices are under Settings, Billing.", time: t0 + 8000, secondsFromStart: 8 },
        ],
      },
    });
    const list = await until("the call in /api/calls", async () => {
      const r = await api<{ data: { id: string; hasRecording: boolean }[] }>(
        server.origin,
        server.demo.token,
        "GET",
        "/api/calls",
      );
      return r.body.data.find((c) => c.hasRecording);
    });
    callId = list.id;
  });

  it("lists the call and plays its recording; seeking is served with 206 range responses", async () => {
    await page.goto(`${server.origin}/app/login?next=${encodeURIComponent("/calls")}`);
    await page.getByLabel("Email").fill(server.demo.email);
    await page.getByLabel("Password").fill(server.demo.password);
    await page.getByRole("button", { name: "Sign in" }).click();
    await page.getByRole("heading", { name: "Calls" }).waitFor();
    const row = page.locator(`tr[data-id="${callId}"]`);
    await row.waitFor();
    expect(await row.innerText()).toContain("2:00");
    expect(await row.innerText()).toContain("+14155550199");
    await screenshot(page, "calls-list");

    const ranges: { status: number; range: string | null; contentRange: string | null }[] = [];
    page.on("response", (r) => {
      if (!r.url().includes(`/api/calls/${callId}/recording`)) return;
      ranges.push({
        status: r.status(),
        range: r.request().headers().range ?? null,
        contentRange: r.headers()["content-range"] ?? null,
      });
    });
    await row.getByRole("link").click();
    await page.getByRole("heading", { name: "Call from +14155550199" }).waitFor();
    // the transcript renders after the heading (its own read): wait for its lines, then read them
    await page.locator("ol.transcript li").nth(2).waitFor();
    const transcript = await page.locator("ol.transcript li").allInnerTexts();
    expect(transcript.map((l) => l.split("\n").at(-1))).toEqual([
      "Hello, billing desk.",
      "Where is my invoice?",
      "Invoices are under Settings, Billing.",
    ]);
    expect(await page.locator(".call-cost").innerText()).toContain("0.37");

    const player = page.locator("audio.call-audio");
    await until("the recording's metadata", () =>
      player.evaluate((a: HTMLAudioElement) => a.readyState >= 1 && Math.round(a.duration)),
    );
    expect(await player.evaluate((a: HTMLAudioElement) => Math.round(a.duration))).toBe(SECONDS);
    // seek before playing: with preload=metadata only the start of the file has been read, so the
    // player must ask for bytes from far into the file
    const before = ranges.length;
    await player.evaluate(
      (a: HTMLAudioElement) =>
        new Promise<void>((resolve) => {
          a.addEventListener("seeked", () => resolve(), { once: true });
          a.currentTime = 100;
        }),
    );
    expect(await player.evaluate((a: HTMLAudioElement) => a.currentTime)).toBeGreaterThanOrEqual(100);
    // muted, so headless Chromium's autoplay policy lets play() start without a gesture
    await player.evaluate(async (a: HTMLAudioElement) => {
      a.muted = true;
      await a.play();
    });
    await until("playback after the seek", () =>
      player.evaluate((a: HTMLAudioElement) => !a.paused && a.currentTime > 100),
    );
    await screenshot(page, "calls-detail");
    // every answer to the player was a range answer, and the seek fetched from far into the file
    expect(ranges.length, JSON.stringify(ranges)).toBeGreaterThan(0);
    expect(
      ranges.every((r) => r.status === 206 && r.range?.startsWith("bytes=")),
      JSON.stringify(ranges),
    ).toBe(true);
    const seek = ranges.slice(before).find((r) => Number(/^bytes=(\d+)-/.exec(r.range ?? "")?.[1]) > 0);
    expect(seek, JSON.stringify(ranges)).toBeDefined();
    expect(seek!.contentRange).toMatch(new RegExp(`^bytes \\d+-\\d+/${audio.length}$`));
    expect(pageErrors).toEqual([]);
  });

  it("the list is live: a new call appears and its status moves without Refresh", async () => {
    await page.goto(`${server.origin}/app/calls`);
    await page.getByRole("heading", { name: "Calls" }).waitFor();
    await page.locator(`tr[data-id="${callId}"]`).waitFor();
    const rowsBefore = await page.locator("table.calls tbody tr").count();
    const post = async (message: Record<string, unknown>) => {
      const r = await fetch(webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
        body: JSON.stringify({
          message: { call: { id: "e2e-call-live" }, customer: { number: "+14155550123" }, ...message },
        }),
      });
      expect(r.status, await r.clone().text()).toBe(200);
    };
    const t0 = Date.now();
    await post({ type: "status-update", status: "in-progress", timestamp: t0 });
    const live = page.locator("table.calls tbody tr", { hasText: "+14155550123" });
    await live.waitFor();
    expect(await live.innerText()).toContain("In progress");
    expect(await page.locator("table.calls tbody tr").count()).toBe(rowsBefore + 1);
    await post({
      type: "end-of-call-report",
      timestamp: t0 + 30_000,
      endedReason: "customer-ended-call",
      durationSeconds: 30,
      artifact: { messages: [] },
    });
    await until("the row says Ended", async () => (await live.innerText()).includes("Ended"));
    expect(await live.innerText()).toContain("0:30");
  });

  it("refuses the recording to a role without voice:read", async () => {
    const token = server.demo.token;
    const role = await api<{ id: string }>(server.origin, token, "POST", "/api/roles", {
      name: "Inbox only",
      permissions: ["conversations:read"],
    });
    expect(role.status, JSON.stringify(role.body)).toBe(201);
    const email = `inbox-only-${Date.now()}@example.test`;
    const inv = await api<{ token: string }>(server.origin, token, "POST", "/api/team/invitations", {
      email,
      role: "agent",
    });
    expect(inv.status, JSON.stringify(inv.body)).toBe(201);
    const res = await fetch(`${server.origin}/api/auth/accept-invitation`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ token: inv.body.token, password: "another long password" }),
    });
    const accepted = { status: res.status, body: (await res.json()) as { accessToken: string; user: { id: string } } };
    expect(accepted.status, JSON.stringify(accepted.body)).toBe(200);
    const patched = await api(server.origin, token, "PATCH", `/api/team/members/${accepted.body.user.id}`, {
      role: role.body.id,
    });
    expect(patched.status, JSON.stringify(patched.body)).toBe(200);
    const refused = await fetch(`${server.origin}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${accepted.body.accessToken}`, range: "bytes=0-99" },
    });
    expect(refused.status).toBe(403);
    const allowed = await fetch(`${server.origin}/api/calls/${callId}/recording`, {
      headers: { authorization: `Bearer ${token}`, range: "bytes=0-99" },
    });
    expect(allowed.status).toBe(206);
    expect((await allowed.arrayBuffer()).byteLength).toBe(100);
  });
});
