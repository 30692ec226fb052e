import type { HubPort, HubPrincipal } from "../contracts/hub";
import type { RoomsPort } from "../contracts/ports";
import type { ConversationRoomPort, RoomPrincipal } from "../contracts/room-rpc";
import { forwardUpgrade, roomName, type AnyNamespace } from "./room-api";

/**
 * The stub-backed implementations of the room and hub ports (contracts/ports.ts, contracts/hub.ts),
 * injected into every ctx by the composition root. Domain code only sees the ports.
 *
 * The stubs are viewed through the port interfaces: workers-types' Rpc inference over the classes'
 * return types is too deep to use here, and each class re-parses every RPC input anyway.
 * room-port.check.ts checks at compile time that the classes still fit the ports.
 */

type Stub = { fetch(req: Request): Promise<Response> } & Record<string, unknown>;

export function roomsPortOf(ns: AnyNamespace): RoomsPort {
  return {
    conversation(tenantId, conversationId): ConversationRoomPort {
      const stub = ns.get(ns.idFromName(roomName(tenantId, conversationId))) as Stub;
      const rpc = stub as unknown as Omit<ConversationRoomPort, "connect">;
      return {
        init: (input) => rpc.init(input),
        updateVisitor: (t, patch) => rpc.updateVisitor(t, patch),
        appendMessage: (input) => rpc.appendMessage(input),
        setMode: (mode, reason) => rpc.setMode(mode, reason),
        setCallState: (state, data) => rpc.setCallState(state, data),
        snapshot: () => rpc.snapshot(),
        messages: (afterSeq, limit) => rpc.messages(afterSeq, limit),
        addAttachment: (t, a) => rpc.addAttachment(t, a),
        triageWords: (text) => rpc.triageWords(text),
        erase: (tenantId) => rpc.erase(tenantId),
        connect: (request: Request, principal: RoomPrincipal) => forwardUpgrade(stub, request, principal),
      };
    },
  };
}

/** The tenant's hub: one Durable Object per tenant, named by the tenant id. */
export function hubPortOf(ns: AnyNamespace): HubPort {
  const hub = (tenantId: string) => ns.get(ns.idFromName(tenantId)) as Stub;
  const rpc = (tenantId: string) => hub(tenantId) as unknown as Omit<HubPort, "connect">;
  return {
    publish: (tenantId, event) => rpc(tenantId).publish(tenantId, event),
    recent: (tenantId, afterSeq) => rpc(tenantId).recent(tenantId, afterSeq),
    online: (tenantId) => rpc(tenantId).online(tenantId),
    agentsOnline: (tenantId) => rpc(tenantId).agentsOnline(tenantId),
    watch: (tenantId, principal, conversationId) => rpc(tenantId).watch(tenantId, principal, conversationId),
    authorityChanged: (tenantId, principal, standing) => rpc(tenantId).authorityChanged(tenantId, principal, standing),
    erase: (tenantId) => rpc(tenantId).erase(tenantId),
    connect: (request: Request, principal: HubPrincipal) => forwardUpgrade(hub(principal.tenantId), request, principal),
  };
}
