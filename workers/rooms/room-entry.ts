import { z } from "zod";
import type { RoomPrincipal } from "./room-api";
import { MAX_TEXT, parseClientFrame, type ClientFrame, type JsonObject, type MsgFrame } from "./protocol";
import type { Sender } from "./room-core";
import type { RoomMeta } from "./room-state";
import { toMsgFrame, type MessageRecord } from "./room-store";
import { send, type SocketInfo } from "./room-sockets";
import { verifyReauth } from "./socket-auth";

/**
 * What reaches a conversation room from outside, checked and shaped before the core sees it:
 * socket principals (the Worker's signed header), frame senders, in-band re-auth, and RPC data.
 * Kept beside the shell so conversation-room.ts only loads state, decides and runs effects.
 */

/** The socket a principal may open on this room, or why not (404 for another room's principal). */
export function socketInfoOf(
  p: RoomPrincipal | undefined,
  meta: RoomMeta | undefined,
):
  | { ok: true; info: SocketInfo | Extract<RoomPrincipal, { kind: "retell" }> }
  | { ok: false; status: number; message: string } {
  if (!p || !meta || p.tenantId !== meta.tenantId || p.conversationId !== meta.conversationId)
    return { ok: false, status: 404, message: "not found" };
  if (p.kind === "retell") return { ok: true, info: p };
  if (p.kind === "visitor") return { ok: true, info: { kind: "visitor" } };
  const exp = p.exp !== undefined ? { exp: p.exp } : {};
  const acts = p.acts ? { acts: p.acts } : {};
  return {
    ok: true,
    info: { kind: "operator", userId: p.userId, name: p.name, canWrite: p.canWrite, ...acts, ...exp },
  };
}

/** Who sent a frame, as the core knows senders: an operator carries its write right, standing and expiry. */
export function senderOf(info: SocketInfo, authority: Record<string, string>): Sender {
  if (info.kind === "visitor") return { kind: "visitor" };
  return {
    kind: "operator",
    operator: { userId: info.userId, name: info.name },
    canWrite: info.canWrite,
    ...(info.acts ? { acts: info.acts } : {}),
    authority: (authority[info.userId] ?? "ok") as Extract<Sender, { kind: "operator" }>["authority"],
    ...(info.exp !== undefined ? { expiresAt: info.exp * 1000 } : {}),
  };
}

/** `auth`: a fresh access token of the same user and tenant extends the socket's life; anything else closes it. */
export async function reauthSocket(
  ws: WebSocket,
  info: Extract<SocketInfo, { kind: "operator" }>,
  token: string,
  check: { secret: string; tenantId: string; now: number },
) {
  const r = await verifyReauth(check.secret, token, { userId: info.userId, tenantId: check.tenantId }, check.now);
  if (!r.ok) {
    send(ws, { type: "error", code: "UNAUTHORIZED", message: r.message });
    try {
      ws.close(4001, "unauthorized");
    } catch {}
    return;
  }
  ws.serializeAttachment({ ...info, exp: r.exp } satisfies SocketInfo);
  send(ws, { type: "authed", exp: r.exp });
}

/** RPC data must be JSON: round-tripping through JSON both checks and narrows it. */
export const JsonRecord = z
  .record(z.string(), z.unknown())
  .transform((r) => JSON.parse(JSON.stringify(r)) as JsonObject);
export const CallStateInput = z.enum(["ringing", "in_progress", "transferred", "ended"]);
export const ModeReason = z.string().min(1).max(100);

/** A stored message as RPC callers see it (the wire `msg` plus meta and author). */
export function storedMessage(m: MessageRecord) {
  const { type: _t, ...f }: MsgFrame = toMsgFrame(m);
  return { ...f, ...(m.meta ? { meta: m.meta } : {}), ...(m.author ? { author: m.author } : {}) };
}

/** Caller words to triage (a voice utterance may be longer than one chat message). */
export const Words = z
  .string()
  .min(1)
  .max(MAX_TEXT * 4);

/** Parses a visitor's or operator's frame; a bad one is answered with its error here and yields nothing. */
export function frameOf(ws: WebSocket, info: SocketInfo, raw: string | ArrayBuffer): ClientFrame | undefined {
  const parsed = info.kind === "visitor" ? parseClientFrame(raw, "visitor") : parseClientFrame(raw, "operator");
  if (parsed.ok) return parsed.frame;
  send(ws, { type: "error", code: parsed.code, message: parsed.message, ...(parsed.cid ? { cid: parsed.cid } : {}) });
  return undefined;
}
