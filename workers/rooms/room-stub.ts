import type { ConversationRoom } from "./conversation-room";
import { roomName, type AnyNamespace } from "./room-api";

/**
 * The class-typed stub of a conversation room, for tests that look inside a room. Production code
 * reaches rooms through `ctx.rooms` (room-port.ts); keeping this apart from room-api.ts keeps the
 * class out of the import graph of everything the class itself imports.
 */
export function roomStub(
  ns: AnyNamespace,
  tenantId: string,
  conversationId: string,
): DurableObjectStub<ConversationRoom> {
  return ns.get(ns.idFromName(roomName(tenantId, conversationId))) as unknown as DurableObjectStub<ConversationRoom>;
}
