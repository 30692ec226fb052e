import { Unavailable } from "../../../lib/errors";
import { egressFetch, egressPolicyOf, readBody } from "../../../lib/egress";
import type { WhatsappChannelRow } from "../../../storage/channels-repo";
import type { BaseCtx } from "../../ctx";
import type { WhatsAppSecrets } from "./schemas";

/** Graph API answers are small JSON objects. */
const MAX_GRAPH_RESPONSE_BYTES = 64 * 1024;
const GRAPH_TIMEOUT_MS = 10_000;

/** The official message payloads (protocols.md §5.3, next-wave.md §3.2). */
export type GraphMessage =
  | { type: "text"; text: { preview_url: boolean; body: string } }
  | {
      type: "template";
      template: {
        name: string;
        language: { policy: "deterministic"; code: string };
        components?: { type: "body"; parameters: { type: "text"; text: string }[] }[];
      };
    };

/**
 * `POST {WHATSAPP_API_BASE}/{version}/{phone-number-id}/messages` through the egress policy; answers
 * with the wamid Meta assigned. Meta's error body is logged by code only, never shown to callers.
 */
export async function sendGraphMessage(
  ctx: BaseCtx,
  channel: WhatsappChannelRow,
  secrets: WhatsAppSecrets,
  to: string,
  message: GraphMessage,
): Promise<{ wamid: string }> {
  const url = `${ctx.config.whatsappApiBase.replace(/\/+$/, "")}/${ctx.config.whatsappApiVersion}/${encodeURIComponent(channel.phoneNumberId)}/messages`;
  const res = await egressFetch(
    egressPolicyOf(ctx.config),
    url,
    {
      method: "POST",
      headers: { authorization: `Bearer ${secrets.accessToken}`, "content-type": "application/json" },
      body: JSON.stringify({ messaging_product: "whatsapp", recipient_type: "individual", to, ...message }),
    },
    { maxBytes: MAX_GRAPH_RESPONSE_BYTES, timeoutMs: GRAPH_TIMEOUT_MS },
  ).catch((err: unknown) => {
    throw new Unavailable("WhatsApp could not be reached; try again", err);
  });
  const body = JSON.parse(new TextDecoder().decode(await readBody(res)) || "{}") as {
    messages?: { id?: string }[];
    error?: { code?: number; message?: string };
  };
  const wamid = body.messages?.[0]?.id;
  if (!res.ok || !wamid) {
    ctx.log.warn("whatsapp: send refused", { status: res.status, code: body.error?.code });
    throw new Unavailable(
      `WhatsApp refused the message (HTTP ${res.status}${body.error?.code ? `, code ${body.error.code}` : ""})`,
    );
  }
  return { wamid };
}
