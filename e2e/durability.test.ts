/**
 * Durability of acknowledged messages across a real restart: start the local server (the same path
 * as `npm start`) with a persist dir, send messages over real WebSockets and keep every one the
 * room acknowledged, stop the server (the whole workerd process goes away), start it again on the
 * same persist dir, and check that every acknowledged message is there exactly once, in gap-free
 * order, in the room (replay from seq 0) and, within seconds, in the D1 copy the REST API reads.
 */
import { e2ePort } from "./harness";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error plain JS module without types
import { startLocal } from "../scripts/local-server.mjs";

type Server = { origin: string; demo: { botKey: string; email: string; password: string }; stop(): Promise<void> };
type Frame = Record<string, unknown> & { type: string; seq?: number; cid?: string; role?: string };

const PORT = e2ePort(8823);
const persistTo = mkdtempSync(join(tmpdir(), "echo-conv-durability-"));
let server: Server | undefined;

afterAll(async () => {
  await server?.stop();
  rmSync(persistTo, { recursive: true, force: true });
});

/** A socket that records frames; `until` waits for a predicate or fails on close/timeout. */
async function open(url: string) {
  const ws = new WebSocket(url);
  const frames: Frame[] = [];
  let waiters: { pred: (f: Frame) => boolean; res: (f: Frame) => void; rej: (e: Error) => void }[] = [];
  ws.addEventListener("message", (e) => {
    const f = JSON.parse(String(e.data)) as Frame;
    frames.push(f);
    waiters = waiters.filter((w) => (w.pred(f) ? (w.res(f), false) : true));
  });
  ws.addEventListener("close", () => waiters.forEach((w) => w.rej(new Error("closed"))));
  await new Promise((r, j) => {
    ws.addEventListener("open", r);
    ws.addEventListener("error", () => j(new Error("socket error")));
  });
  const until = (pred: (f: Frame) => boolean, ms = 15_000) =>
    frames.find(pred)
      ? Promise.resolve(frames.find(pred)!)
      : new Promise<Frame>((res, rej) => {
          const t = setTimeout(() => rej(new Error(`timeout; frames ${JSON.stringify(frames).slice(-600)}`)), ms);
          waiters.push({ pred, res: (f) => (clearTimeout(t), res(f)), rej: (e) => (clearTimeout(t), rej(e)) });
        });
  return { ws, frames, until, send: (f: unknown) => ws.send(JSON.stringify(f)) };
}

async function session(origin: string, botKey: string) {
  const r = await fetch(`${origin}/api/widget/sessions`, {
    method: "POST",
    headers: { "content-type": "application/json" },
    body: JSON.stringify({ botKey }),
  });
  expect(r.status).toBe(200);
  return (await r.json()) as { token: string; conversationId: string; wsUrl: string };
}

describe("durability across a server restart", () => {
  it("keeps every acknowledged message", async () => {
    server = (await startLocal({ port: PORT, persistTo, quiet: true })) as Server;
    const { origin, demo } = server;
    const conversations = await Promise.all([0, 1, 2].map(() => session(origin, demo.botKey)));
    const acked = new Map<string, Set<string>>();
    for (const [n, s] of conversations.entries()) {
      const sock = await open(s.wsUrl);
      sock.send({ type: "hello", lastSeq: 0 });
      await sock.until((f) => f.type === "ready");
      sock.send({ type: "human" }); // keep the AI out, so only our messages and one system line are stored
      await sock.until((f) => f.type === "mode");
      const mine = new Set<string>();
      // a burst: everything sent at once, each one counted only when its acknowledgement arrives
      const cids = Array.from({ length: 15 }, (_, i) => `d${n}-${i}`);
      for (const cid of cids) sock.send({ type: "msg", cid, text: `durable message ${cid}` });
      for (const cid of cids) {
        const f = await sock.until((x) => x.type === "msg" && x.cid === cid).catch(() => undefined);
        if (f) mine.add(cid);
      }
      acked.set(s.conversationId, mine);
      sock.ws.close();
    }
    // normally all 45; a socket dropped by a dev-server reload loses some acks, never stored messages
    const total = [...acked.values()].reduce((k, s) => k + s.size, 0);
    expect(total).toBeGreaterThanOrEqual(30);

    // stop at once (D1 flushes may still be pending: alarms must survive the restart too)
    await server.stop();
    server = (await startLocal({ port: PORT, persistTo, quiet: true })) as Server;

    for (const s of conversations) {
      const sock = await open(s.wsUrl.replace(/:\d+\//, `:${PORT}/`));
      sock.send({ type: "hello", lastSeq: 0 });
      const ready = await sock.until((f) => f.type === "ready");
      await sock.until((f) => f.type === "msg" && f.seq === ready.seq);
      const msgs = sock.frames.filter((f) => f.type === "msg");
      expect(msgs.map((m) => m.seq)).toEqual(Array.from({ length: msgs.length }, (_, i) => i + 1));
      const stored = msgs.filter((m) => m.role === "visitor").map((m) => m.cid);
      for (const cid of acked.get(s.conversationId)!)
        expect(
          stored.filter((c) => c === cid),
          `${cid} after restart`,
        ).toHaveLength(1);
      sock.ws.close();
    }

    // the D1 copy converges after the restart
    const login = (await (
      await fetch(`${server.origin}/api/auth/login`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        body: JSON.stringify({ email: demo.email, password: demo.password }),
      })
    ).json()) as { accessToken: string };
    for (const s of conversations) {
      const want = acked.get(s.conversationId)!;
      const deadline = Date.now() + 20_000;
      let cids: string[] = [];
      while (Date.now() < deadline) {
        const r = await fetch(`${server.origin}/api/conversations/${s.conversationId}/messages?limit=1000`, {
          headers: { authorization: `Bearer ${login.accessToken}` },
        });
        cids = r.ok ? ((await r.json()) as { data: { cid: string | null }[] }).data.map((m) => m.cid ?? "") : [];
        if ([...want].every((c) => cids.includes(c))) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      for (const cid of want)
        expect(
          cids.filter((c) => c === cid),
          `${cid} in D1`,
        ).toHaveLength(1);
    }
  });
});
