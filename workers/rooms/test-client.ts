import { exports } from "cloudflare:workers";
import { expect } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { call, expectJson, type TestTenant } from "../test/fixtures";

/** A frame as tests see it: parsed JSON, fields checked by the assertions themselves. */
// biome-ignore lint: frames are asserted field by field in tests
export type Frame = Record<string, any>;

/**
 * A real WebSocket into the Worker (Upgrade through `exports.default.fetch`, then `accept()`),
 * recording every frame; tests wait for frames by predicate, never by sleeping.
 */
export class TestSocket {
  readonly frames: Frame[] = [];
  closed: { code: number; reason: string } | undefined;
  private waiters: { pred: (f: Frame) => boolean; resolve: (f: Frame) => void }[] = [];
  private closeWaiters: ((c: { code: number; reason: string }) => void)[] = [];

  constructor(readonly ws: WebSocket) {
    ws.addEventListener("message", (e) => {
      const f = JSON.parse(String(e.data)) as Frame;
      this.frames.push(f);
      this.waiters = this.waiters.filter((w) => (w.pred(f) ? (w.resolve(f), false) : true));
    });
    ws.addEventListener("close", (e) => {
      this.closed = { code: e.code, reason: e.reason };
      for (const r of this.closeWaiters) r(this.closed);
    });
  }

  send(frame: unknown) {
    this.ws.send(typeof frame === "string" ? frame : JSON.stringify(frame));
  }

  /** The first frame (already received or coming) matching `pred`, after index `from`. */
  waitFor(pred: (f: Frame) => boolean, timeoutMs = 8000, from = 0): Promise<Frame> {
    const seen = this.frames.slice(from).find(pred);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolve, reject) => {
      const t = setTimeout(
        () =>
          reject(new Error(`no matching frame in ${timeoutMs} ms; got ${JSON.stringify(this.frames).slice(-1500)}`)),
        timeoutMs,
      );
      this.waiters.push({ pred, resolve: (f) => (clearTimeout(t), resolve(f)) });
    });
  }

  /** Waits for the next frame matching `pred` that arrives after this call. */
  next(pred: (f: Frame) => boolean, timeoutMs = 8000) {
    return this.waitFor(pred, timeoutMs, this.frames.length);
  }

  waitClose(timeoutMs = 8000): Promise<{ code: number; reason: string }> {
    if (this.closed) return Promise.resolve(this.closed);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error("socket did not close")), timeoutMs);
      this.closeWaiters.push((c) => (clearTimeout(t), resolve(c)));
    });
  }

  close() {
    try {
      this.ws.close(1000, "test done");
    } catch {}
  }
}

export async function openSocket(path: string, headers: Record<string, string> = {}): Promise<TestSocket> {
  const res = await exports.default.fetch(
    new Request(`http://echo.test${path}`, { headers: { upgrade: "websocket", ...headers } }),
  );
  if (res.status !== 101 || !res.webSocket) throw new Error(`upgrade refused: ${res.status} ${await res.text()}`);
  res.webSocket.accept();
  return new TestSocket(res.webSocket);
}

export type Session = {
  token: string;
  conversationId: string;
  wsUrl: string;
  visitorToken: string;
  resumed: boolean;
  bot: Frame;
};

export async function newSession(t: TestTenant, body: Record<string, unknown> = {}): Promise<Session> {
  return expectJson(call("/api/widget/sessions", { method: "POST", json: { botKey: t.botKey, ...body } }), 200);
}

/** Opens the visitor socket of a session and joins with `hello`. */
export async function joinVisitor(s: Session, lastSeq = 0) {
  const sock = await openSocket(`/api/widget/ws?token=${encodeURIComponent(s.token)}`);
  sock.send({ type: "hello", lastSeq });
  await sock.waitFor((f) => f.type === "ready");
  return sock;
}

export async function joinOperator(conversationId: string, token: string, lastSeq = 0) {
  const sock = await openSocket(`/api/conversations/${conversationId}/ws?token=${encodeURIComponent(token)}`);
  sock.send({ type: "hello", lastSeq });
  await sock.waitFor((f) => f.type === "ready");
  return sock;
}

export function expectNoFrame(sock: TestSocket, pred: (f: Frame) => boolean) {
  expect(sock.frames.filter(pred), JSON.stringify(sock.frames)).toEqual([]);
}

/** A room answerer that answers "Noted." at once (setRoomAnswererForTesting): tests of sockets, not answers. */
export const quietAnswerer: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  yield {
    type: "done",
    answer: "Noted.",
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};
