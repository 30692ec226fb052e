import type { StoredMessage } from "../../../contracts/room-rpc";
import type { AnswerCtx } from "../../knowledge/answer-types";

export async function sendWhatsAppReply(_ctx: AnswerCtx, _input: { conversationId: string; message: StoredMessage }) {
  return { sent: false as const, reason: "not implemented" };
}
