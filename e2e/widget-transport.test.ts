// Unit tests of widget/src/transport.ts in Node with a scripted WebSocket, fetch and localStorage:
// reconnect timing, hello/lastSeq, the outbox and its resend with the same cid, ping, fatal keys.
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { createTransport, type Status } from "../widget/src/transport";
import type { ServerFrame } from "../widget/src/protocol";

class FakeSocket {
  static all: FakeSocket[] = [];
  readyState = 0;
  sent: Record<string, unknown>[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((e: { data: string }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(public url: string) {
    FakeSocket.all.push(this);
  }
  send(s: string) {
    this.sent.push(JSON.parse(s) as Record<string, unknown>);
  }
  close() {
    this.readyState = 3;
  }
  open() {
    this.readyState = 1;
    this.onopen?.();
  }
  receive(f: Record<string, unknown>) {
    this.onmessage?.({ data: JSON.stringify(f) });
  }
  die() {
    this.readyState = 3;
    this.onclose?.();
  }
}

const store = new Map<string, string>();
const listeners = new Map<string, () => void>();
let sessionBodies: Record<string, unknown>[] = [];
let sessionStatus = 200;
let n = 0;

beforeEach(() => {
  vi.useFakeTimers();
  FakeSocket.all = [];
  store.clear();
  listeners.clear();
  sessionBodies = [];
  sessionStatus = 200;
  n = 0;
  vi.stubGlobal("WebSocket", FakeSocket);
  vi.stubGlobal("localStorage", {
    getItem: (k: string) => store.get(k) ?? null,
    setItem: (k: string, v: string) => store.set(k, v),
  });
  vi.stubGlobal("addEventListener", (t: string, fn: () => void) => listeners.set(t, fn));
  vi.stubGlobal("removeEventListener", (t: string) => listeners.delete(t));
  vi.stubGlobal("fetch", async (_url: string, init: { body: string }) => {
    const body = JSON.parse(init.body) as Record<string, unknown>;
    sessionBodies.push(body);
    if (sessionStatus !== 200) return new Response(JSON.stringify({ detail: "nope" }), { status: sessionStatus });
    const conversationId = (body.conversationId as string | undefined) ?? `conv_${++n}`;
    return new Response(
      JSON.stringify({
        token: `tok${sessionBodies.length}`,
        conversationId,
        wsUrl: `ws://echo.test/api/widget/ws?token=tok${sessionBodies.length}`,
        visitorToken: "vt_secret_0123456789",
        bot: { name: "Nimbus Help" },
      }),
    );
  });
});
afterEach(() => {
  vi.useRealTimers();
  vi.unstubAllGlobals();
});

function setup(lastSeq = () => 0) {
  const frames: ServerFrame[] = [];
  const statuses: Status[] = [];
  const fatal: string[] = [];
  const t = createTransport({
    api: "http://echo.test",
    botKey: "pk_test",
    lastSeq,
    onSession: () => {},
    onFrame: (f) => frames.push(f),
    onStatus: (s) => statuses.push(s),
    onFatal: (d) => fatal.push(d),
  });
  return { t, frames, statuses, fatal };
}
const flush = () => vi.advanceTimersByTimeAsync(0);
const last = () => FakeSocket.all.at(-1)!;

describe("widget transport", () => {
  it("opens a session, joins with hello/lastSeq and reports online after ready", async () => {
    const { t, statuses } = setup(() => 7);
    await t.start();
    expect(sessionBodies[0]).toEqual({ botKey: "pk_test" });
    expect(last().url).toBe("ws://echo.test/api/widget/ws?token=tok1");
    last().open();
    expect(last().sent).toEqual([{ type: "hello", lastSeq: 7 }]);
    last().receive({ type: "ready", conversationId: "conv_1", seq: 7, mode: "ai" });
    expect(statuses).toEqual(["connecting", "online"]);
    t.stop();
  });

  it("keeps unacknowledged messages, resends them with the same cid after a reconnect, and forgets them once echoed", async () => {
    let seq = 0;
    const { t, statuses } = setup(() => seq);
    await t.start();
    last().open();
    last().receive({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    t.sendMessage({ cid: "c1", text: "first" });
    expect(last().sent.at(-1)).toEqual({ type: "msg", cid: "c1", text: "first" });
    expect(JSON.parse(store.get("echo:pk_test")!).o).toEqual([{ cid: "c1", text: "first" }]);
    seq = 3;
    vi.spyOn(Math, "random").mockReturnValue(0.999);
    last().die(); // the echo never arrived
    expect(statuses.at(-1)).toBe("offline");
    t.sendMessage({ cid: "c2", text: "typed while offline" });
    await vi.advanceTimersByTimeAsync(490); // first retry waits 250-500 ms (jittered)
    expect(FakeSocket.all).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(10);
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    expect(sessionBodies[1]).toEqual({
      botKey: "pk_test",
      conversationId: "conv_1",
      visitorToken: "vt_secret_0123456789",
    });
    last().open();
    last().receive({ type: "ready", conversationId: "conv_1", seq: 3, mode: "ai" });
    expect(last().sent).toEqual([
      { type: "hello", lastSeq: 3 },
      { type: "msg", cid: "c1", text: "first" },
      { type: "msg", cid: "c2", text: "typed while offline" },
    ]);
    last().receive({ type: "msg", seq: 4, id: "msg_4", cid: "c1", role: "visitor", text: "first", at: "" });
    expect(t.outbox.map((m) => m.cid)).toEqual(["c2"]);
    expect(JSON.parse(store.get("echo:pk_test")!).o).toEqual([{ cid: "c2", text: "typed while offline" }]);
    t.stop();
  });

  it("stops resending a refused message, and resends a rate-limited one a little later", async () => {
    const { t, frames } = setup();
    await t.start();
    last().open();
    last().receive({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    t.sendMessage({ cid: "c1", text: "too late" });
    t.sendMessage({ cid: "c2", text: "slow down" });
    last().receive({ type: "error", code: "CONVERSATION_CLOSED", message: "closed", cid: "c1" });
    expect(t.outbox.map((m) => m.cid)).toEqual(["c2"]);
    expect(frames.at(-1)).toMatchObject({ type: "error", cid: "c1" });
    const sent = last().sent.length;
    last().receive({ type: "error", code: "RATE_LIMITED", message: "wait", cid: "c2" });
    expect(t.outbox.map((m) => m.cid)).toEqual(["c2"]);
    await vi.advanceTimersByTimeAsync(3000);
    expect(last().sent.slice(sent)).toEqual([{ type: "msg", cid: "c2", text: "slow down" }]);
    t.stop();
  });

  it("backs off exponentially with jitter and connects at once when the browser comes back online", async () => {
    const { t } = setup();
    vi.spyOn(Math, "random").mockReturnValue(0);
    await t.start();
    last().die();
    sessionStatus = 503;
    const waits: number[] = [];
    for (let i = 0; i < 4; i++) {
      const before = sessionBodies.length;
      let waited = 0;
      while (sessionBodies.length === before && waited < 60_000) {
        await vi.advanceTimersByTimeAsync(50);
        waited += 50;
      }
      waits.push(waited);
    }
    // with random() = 0 each wait is half the cap: 250, 500, 1000, 2000 ms (rounded up to the 50 ms step)
    expect(waits).toEqual([250, 500, 1000, 2000]);
    sessionStatus = 200;
    listeners.get("online")!();
    await flush();
    expect(FakeSocket.all).toHaveLength(2);
    t.stop();
  });

  it("drops the socket when the browser goes offline, pings, and reconnects when the socket goes silent", async () => {
    const { t } = setup();
    await t.start();
    last().open();
    last().receive({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    await vi.advanceTimersByTimeAsync(20_000);
    expect(last().sent.at(-1)).toEqual({ type: "ping" });
    // no pong, nothing at all for > 50 s: the socket is considered dead
    await vi.advanceTimersByTimeAsync(40_000);
    expect(last().readyState).toBe(3);
    await vi.advanceTimersByTimeAsync(1_000);
    expect(FakeSocket.all).toHaveLength(2);
    last().open();
    listeners.get("offline")!();
    expect(last().readyState).toBe(3);
    t.stop();
    expect(listeners.size).toBe(0);
  });

  it("gives up quietly on a refused key, and starts over when a stored conversation is gone", async () => {
    sessionStatus = 401;
    const a = setup();
    await a.t.start();
    expect(a.fatal).toEqual(["401 nope"]);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(sessionBodies).toHaveLength(1);
    expect(FakeSocket.all).toHaveLength(0);

    store.set("echo:pk_test", JSON.stringify({ c: "conv_gone", v: "vt_old_0123456789" }));
    sessionBodies = [];
    let calls = 0;
    vi.stubGlobal("fetch", async (_u: string, init: { body: string }) => {
      sessionBodies.push(JSON.parse(init.body) as Record<string, unknown>);
      return ++calls === 1
        ? new Response(JSON.stringify({ detail: "conversation not found" }), { status: 404 })
        : new Response(
            JSON.stringify({
              token: "t",
              conversationId: "conv_new",
              wsUrl: "ws://echo.test/ws?token=t",
              visitorToken: "vt_new_0123456789",
              bot: { name: "B" },
            }),
          );
    });
    const b = setup();
    await b.t.start();
    expect(sessionBodies).toEqual([
      { botKey: "pk_test", conversationId: "conv_gone", visitorToken: "vt_old_0123456789" },
      { botKey: "pk_test" },
    ]);
    expect(JSON.parse(store.get("echo:pk_test")!).c).toBe("conv_new");
    expect(b.fatal).toEqual([]);
    b.t.stop();
  });

  it("sends identify details with the session, split into visitor and verified identity", async () => {
    const { t } = setup();
    await t.identify({
      name: "Ada",
      email: "ada@example.com",
      userId: "u_1",
      expiresAt: 2_000_000_000,
      hash: "ab".repeat(32),
    });
    await t.start();
    expect(sessionBodies[0]).toEqual({
      botKey: "pk_test",
      visitor: { name: "Ada", email: "ada@example.com" },
      identity: { userId: "u_1", expiresAt: 2_000_000_000, hash: "ab".repeat(32) },
    });
    t.stop();
  });
});
