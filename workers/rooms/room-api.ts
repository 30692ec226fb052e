import { z } from "zod";
import type { ConversationRoom } from "./conversation-room";
import {
  MAX_TEXT,
  type CallState,
  type JsonObject,
  type Mode,
  type MsgFrame,
  type Operator,
  type Status,
} from "./protocol";
import type { RoomMeta } from "./room-state";

/**
 * What Worker code needs to talk to a room without importing the class: the stub helper, the RPC
 * input schemas (RPC arguments are a trust boundary too, re-parsed inside the room) and the header
 * carrying the authenticated principal on a forwarded WebSocket upgrade.
 */

/** Set by the Worker on the upgrade it forwards to a room or hub; never copied from the client. */
export const PRINCIPAL_HEADER = "x-echo-principal";

export const RoomPrincipal = z.discriminatedUnion("kind", [
  z.object({ kind: z.literal("visitor"), tenantId: z.string(), conversationId: z.string() }),
  z.object({
    kind: z.literal("operator"),
    tenantId: z.string(),
    conversationId: z.string(),
    userId: z.string(),
    name: z.string(),
    canWrite: z.boolean(),
  }),
  /** Retell's custom-LLM socket of a call (protocols.md §3.1): its own frames, never the visitor/operator protocol. */
  z.object({
    kind: z.literal("retell"),
    tenantId: z.string(),
    conversationId: z.string(),
    integrationId: z.string().max(64),
    callId: z.string().max(64),
  }),
]);
export type RoomPrincipal = z.infer<typeof RoomPrincipal>;

export const Visitor = z
  .object({
    name: z.string().max(200).optional(),
    email: z.string().max(254).optional(),
    phone: z.string().max(40).optional(),
    locale: z.string().max(35).optional(),
    userId: z.string().max(200).optional(),
    verified: z.boolean().optional(),
    metadata: z.record(z.string().max(64), z.string().max(500)).optional(),
  })
  .strict();

export const RoomInitInput = z.object({
  tenantId: z.string().min(1).max(64),
  conversationId: z.string().min(1).max(64),
  botId: z.string().min(1).max(64),
  channel: z.enum(["chat", "voice", "email", "whatsapp"]),
  visitor: Visitor.optional(),
  /** SHA-256 of the widget's visitor token (resume proof); chat sessions only. */
  visitorKeyHash: z.string().max(64).optional(),
});
/** `updateVisitor(tenantId, patch)`: details learned later (widget identify, email capture). */
export type VisitorPatch = z.input<typeof Visitor>;
/** `init(meta)`: creates the conversation; calling it again is a no-op that returns the snapshot. */
export type RoomInit = z.input<typeof RoomInitInput>;

const Source = z.object({ sourceId: z.string(), title: z.string(), url: z.string().nullable(), snippet: z.string() });
export const AppendInput = z.object({
  role: z.enum(["visitor", "ai", "agent", "system"]),
  text: z
    .string()
    .min(1)
    .max(MAX_TEXT * 4),
  cid: z.string().min(1).max(64).optional(),
  sources: z.array(Source).max(20).optional(),
  meta: z.record(z.string(), z.unknown()).optional(),
});
/** `appendMessage(input)`: a `cid` makes it idempotent (per role). */
export type AppendMessageInput = z.input<typeof AppendInput>;

/** A stored message as RPC returns it: the `msg` frame without `type`, plus `meta` and `author`. */
export type StoredMessage = Omit<MsgFrame, "type"> & { meta?: JsonObject; author?: Operator };

export type RoomSnapshot = {
  meta: RoomMeta;
  mode: Mode;
  status: Status;
  assignee: Operator | null;
  reason: string | null;
  lastSeq: number;
  call: { state: CallState; data?: JsonObject; at: number } | null;
  visitorReadSeq: number;
  rating: { score: number; comment?: string; at: number } | null;
  closedAt: number | null;
};

/** The room of one tenant's conversation, named `${tenantId}:${conversationId}`. */
export function roomStub(
  ns: AnyNamespace,
  tenantId: string,
  conversationId: string,
): DurableObjectStub<ConversationRoom> {
  return ns.get(ns.idFromName(`${tenantId}:${conversationId}`)) as unknown as DurableObjectStub<ConversationRoom>;
}

/** A namespace binding typed by class or not (Env and Services differ); only naming and `get` are used. */
export type AnyNamespace = { idFromName(name: string): DurableObjectId; get(id: DurableObjectId): unknown };

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
