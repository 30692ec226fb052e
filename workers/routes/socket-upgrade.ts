import type { BaseCtx } from "../domain/ctx";
import { AppError, Invalid, Unauthorized } from "../lib/errors";
import { authenticate, bearerOf } from "./middleware";

/**
 * WebSocket route helpers. A failed handshake auth is answered the way DESIGN.md asks: the socket
 * is accepted, gets one `error` frame and is closed with 1008 (policy violation), because a
 * browser cannot read the status of a refused upgrade. "Not found" stays an HTTP 404 before any
 * upgrade, exactly like the REST routes.
 */
export function requireUpgrade(request: Request) {
  if (request.headers.get("upgrade")?.toLowerCase() !== "websocket")
    throw new Invalid("expected a WebSocket upgrade (Upgrade: websocket)");
}

export function closePolicy(code: string, message: string): Response {
  const pair = new WebSocketPair();
  pair[1].accept();
  pair[1].send(JSON.stringify({ type: "error", code, message }));
  pair[1].close(1008, message.slice(0, 120));
  return new Response(null, { status: 101, webSocket: pair[0] });
}

/** Runs `open`; auth failures (401/403) become a 1008 close, everything else propagates. */
export async function upgradeOr1008(open: () => Promise<Response>): Promise<Response> {
  try {
    return await open();
  } catch (err) {
    if (err instanceof AppError && (err.status === 401 || err.status === 403)) return closePolicy(err.code, err.detail);
    throw err;
  }
}

/**
 * The credential of a socket upgrade: the Authorization header when the client can set one (any
 * credential), else `?token=`, which browsers need and which may carry only a short-lived access
 * token, never an `sk_` key (issue 13 item 11: query strings end up in logs).
 */
export function socketCredential(req: Request): { token: string | undefined; fromQuery: boolean } {
  const header = bearerOf(req.headers.get("authorization") ?? undefined);
  if (header) return { token: header, fromQuery: false };
  return { token: new URL(req.url).searchParams.get("token") || undefined, fromQuery: true };
}

/** An operator's principal (access token, or sk_ key from the header) with conversations:read, or the 1008 refusal. */
export async function socketPrincipal(ctx: BaseCtx, cred: { token: string | undefined; fromQuery: boolean }) {
  const token = cred.token;
  try {
    if (!token) throw new Unauthorized("access token missing");
    if (cred.fromQuery && token.startsWith("sk_"))
      throw new Unauthorized("API keys go in the Authorization header, never in the URL");
    const principal = await authenticate(ctx, token);
    if (!principal.actor.permissions.has("conversations:read"))
      throw new Unauthorized("your role lacks the permission conversations:read");
    return principal;
  } catch (err) {
    if (err instanceof AppError && (err.status === 401 || err.status === 403)) return closePolicy(err.code, err.detail);
    throw err;
  }
}
