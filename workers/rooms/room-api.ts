import { PRINCIPAL_HEADER } from "../contracts/room-rpc";

/**
 * The rooms' Worker-side helpers. The RPC contract (schemas, snapshot and message types) lives in
 * workers/contracts/room-rpc.ts and is re-exported here for existing imports; the typed stub for
 * tests is in room-stub.ts, the stub-backed ports domain code uses are in room-port.ts.
 */
export * from "../contracts/room-rpc";

/** A namespace binding typed by class or not (Env and Services differ); only naming and `get` are used. */
export type AnyNamespace = { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };

/** The Durable Object name of a tenant's conversation room. */
export const roomName = (tenantId: string, conversationId: string) => `${tenantId}:${conversationId}`;

/** Forwards an authenticated WebSocket upgrade to a room (or hub), attaching the principal. */
export async function forwardUpgrade(
  stub: { fetch(req: Request): Promise<Response> },
  request: Request,
  principal: object,
): Promise<Response> {
  const headers = new Headers({ upgrade: "websocket", [PRINCIPAL_HEADER]: JSON.stringify(principal) });
  for (const h of [
    "sec-websocket-key",
    "sec-websocket-version",
    "sec-websocket-protocol",
    "sec-websocket-extensions",
  ]) {
    const v = request.headers.get(h);
    if (v) headers.set(h, v);
  }
  const res = await stub.fetch(new Request("https://room.internal/ws", { headers }));
  // a stub's response has immutable headers; the app's middleware adds its own
  return res.webSocket ? new Response(null, { status: 101, webSocket: res.webSocket }) : new Response(res.body, res);
}
