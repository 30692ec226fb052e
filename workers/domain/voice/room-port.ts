import { roomStub } from "../../rooms/room-api";
import type { CallRoom, VoiceDeps } from "./ports";

/**
 * The production CallRoom: the conversation's Durable Object through its RPC stub (room-api.ts is
 * the rooms' Worker-side surface, made for callers like this one). The stub is viewed through the
 * CallRoom subset of the RPC surface: workers-types' Rpc inference over the class's return types
 * collapses to `never` here, and the room re-parses every RPC input anyway.
 */
export function roomsOf(ns: Parameters<typeof roomStub>[0]): VoiceDeps["room"] {
  return (tenantId, conversationId): CallRoom => roomStub(ns, tenantId, conversationId) as unknown as CallRoom;
}
