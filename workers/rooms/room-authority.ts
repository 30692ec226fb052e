import { newId } from "../lib/ids";
import { roomNow } from "./room-clock";
import type { Facts } from "./room-core";
import { send, sendPresence, type SocketInfo } from "./room-sockets";
import type { RoomStore } from "./room-store";
import type { Turn } from "./room-turn";
import type { Standing } from "../contracts/hub";
import type { Channel } from "./protocol";

/**
 * What the shell reads before `decide`: the basics, the stored message or note with the command's
 * cid key, the attachments it names, the running turn, and (room-core `Sender.authority`) what the
 * tenant hub last said about an operator — a SQLite read in the room, never a D1 read per frame.
 */
export function gatherFacts(
  store: RoomStore,
  need: { cidKey: { key: string; kind: "msg" | "note" } | null; attachmentIds: string[]; aiAllowance?: boolean },
  turn: Turn | undefined,
  channel?: Channel,
  allowance?: () => Facts["aiAllowance"],
): Facts {
  const key = need.cidKey;
  const dup = key ? (key.kind === "msg" ? store.messageByCidKey(key.key) : store.noteByCidKey(key.key)) : undefined;
  return {
    now: roomNow(),
    lastSeq: store.lastSeq(),
    ids: () => newId("msg"),
    ...(dup ? { dup } : {}),
    ...(need.attachmentIds.length ? { attachments: store.unusedAttachments(need.attachmentIds) } : {}),
    turn: turn ? { id: turn.id, text: turn.text } : null,
    ...(channel ? { channel } : {}),
    ...(channel === "whatsapp" ? windowFacts(store) : {}),
    ...(need.aiAllowance && allowance ? { aiAllowance: allowance() } : {}),
  };
}

/** When the WhatsApp visitor last wrote: the sender's timestamp (meta `sentAt`, ms) or the time we stored it. */
function windowFacts(store: RoomStore): { lastVisitorAt?: number } {
  const m = store.lastVisitorMessage();
  if (!m) return {};
  const sentAt = m.meta?.sentAt;
  return { lastVisitorAt: typeof sentAt === "number" ? sentAt : m.createdAt };
}

/**
 * The hub reports a principal's standing: from now on its frames are refused from this cache; a
 * revoked principal's sockets get an error frame and close with 4001, a demoted one's may only watch,
 * and one that may still act closes with 4003 (permissions changed) so it reconnects carrying the
 * role's current acts (which of reply, note, take over it may do).
 */
export function applyStanding(state: DurableObjectState, store: RoomStore, principal: string, standing: Standing) {
  const { [principal]: _old, ...rest } = store.authority();
  store.setAuthority(standing === "write" ? rest : { ...rest, [principal]: standing });
  for (const ws of state.getWebSockets("operator")) {
    const info = ws.deserializeAttachment() as SocketInfo;
    if (info.kind !== "operator" || info.userId !== principal) continue;
    if (standing === "revoked") {
      send(ws, { type: "error", code: "FORBIDDEN", message: "your access to this tenant was revoked" });
      ws.close(4001, "access revoked");
    } else if (standing === "write") {
      ws.close(4003, "permissions changed");
    } else ws.serializeAttachment({ ...info, canWrite: false });
  }
  if (standing === "revoked") sendPresence(state);
}

/**
 * The Worker just authenticated this principal against D1, so its fresh standing replaces the
 * cached one; the hub is told (before the socket is accepted) so it can report later changes.
 */
export async function admitOperator(store: RoomStore, principal: string, watch: (principal: string) => Promise<void>) {
  const { [principal]: old, ...rest } = store.authority();
  if (old) store.setAuthority(rest);
  await watch(principal);
}
