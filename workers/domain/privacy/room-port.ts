import { roomStub, type AnyNamespace, type StoredMessage } from "../../rooms/room-api";

/** The part of a ConversationRoom's RPC surface privacy needs. */
export type PrivacyRoom = {
  /** Visible messages after `afterSeq` (throws on a room that holds no conversation). */
  messages(afterSeq?: number, limit?: number): Promise<StoredMessage[]>;
  /** Closes the sockets, cancels the alarm and deletes the room's storage. */
  erase(tenantId: string): Promise<{ messages: number }>;
};

/**
 * The conversation rooms as privacy sees them (the stub viewed through PrivacyRoom, as voice's
 * room-port does: Rpc type inference over the class collapses, and the room re-parses its inputs).
 */
export function privacyRoomsOf(ns: AnyNamespace) {
  return (tenantId: string, conversationId: string): PrivacyRoom =>
    roomStub(ns, tenantId, conversationId) as unknown as PrivacyRoom;
}
