/**
 * A WebSocket that reconnects with jittered backoff and re-authenticates: each attempt builds its
 * URL with the current access token, and a close for bad credentials (1008) or an expired token
 * (4001) refreshes the session before the next attempt. The server bounds an operator socket's
 * life by its access token's expiry, so whenever the session refreshes its access token (a minute
 * before expiry) an open socket sends it in-band: `{"type":"auth","token"}` (docs/protocol.md).
 * Frames are parsed and narrowed by the caller.
 */
import { effect, signal, type Signal } from "@preact/signals";
import { socketUrl } from "../api";
import { refresh, session } from "./session";

export type LiveSocket = {
  state: Signal<"connecting" | "open" | "closed">;
  send: (frame: object) => boolean;
  close: () => void;
};

type Handlers = { onOpen?: (send: (f: object) => boolean) => void; onFrame: (frame: Record<string, unknown>) => void };

export function openSocket(path: string, h: Handlers): LiveSocket {
  const state = signal<"connecting" | "open" | "closed">("connecting");
  let ws: WebSocket | null = null;
  let stopped = false;
  let attempt = 0;
  let retry: ReturnType<typeof setTimeout> | undefined;
  let ping: ReturnType<typeof setInterval> | undefined;
  /** The access token the open socket last presented (in its URL or an `auth` frame). */
  let presented: string | undefined;

  const send = (f: object) => {
    if (ws?.readyState !== WebSocket.OPEN) return false;
    ws.send(JSON.stringify(f));
    return true;
  };

  const connect = () => {
    if (stopped) return;
    const url = socketUrl(path);
    if (!url) return void (state.value = "closed");
    state.value = "connecting";
    const sock = new WebSocket(url);
    ws = sock;
    presented = session.peek()?.accessToken;
    sock.onopen = () => {
      attempt = 0;
      state.value = "open";
      h.onOpen?.(send);
      clearInterval(ping);
      ping = setInterval(() => send({ type: "ping" }), 25_000);
    };
    sock.onmessage = (e) => {
      if (typeof e.data !== "string") return;
      try {
        const f: unknown = JSON.parse(e.data);
        if (f && typeof f === "object" && typeof (f as { type?: unknown }).type === "string")
          h.onFrame(f as Record<string, unknown>);
      } catch {}
    };
    sock.onclose = async (e) => {
      clearInterval(ping);
      if (ws !== sock || stopped) return;
      state.value = "closed";
      if ((e.code === 1008 || e.code === 4001) && !(await refresh())) return;
      const delay = Math.min(15_000, 500 * 2 ** attempt++) * (0.5 + Math.random() / 2);
      retry = setTimeout(connect, delay);
    };
  };

  // a refreshed access token extends the open socket's life in-band
  const stopAuth = effect(() => {
    const token = session.value?.accessToken;
    if (token && token !== presented && send({ type: "auth", token })) presented = token;
  });

  connect();
  return {
    state,
    send,
    close: () => {
      stopped = true;
      stopAuth();
      clearTimeout(retry);
      clearInterval(ping);
      ws?.close(1000);
      state.value = "closed";
    },
  };
}
