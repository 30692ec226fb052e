import type { HubPort } from "../contracts/hub";
import type { ConversationRoomPort } from "../contracts/room-rpc";
import type { ConversationRoom } from "./conversation-room";
import type { TenantHub } from "./tenant-hub";

/**
 * Compile-time only (imported by nothing): the Durable Object classes still offer what the ports
 * in room-port.ts promise. A method renamed or retyped in a class fails `npm run typecheck` here
 * rather than at runtime through an untyped stub.
 */
export type RoomFitsPort = ConversationRoom extends Omit<ConversationRoomPort, "connect"> ? true : never;
export type HubFitsPort = TenantHub extends Omit<HubPort, "connect"> ? true : never;
export const roomFitsPort: RoomFitsPort = true;
export const hubFitsPort: HubFitsPort = true;
