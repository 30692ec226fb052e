import { Unavailable } from "../../../lib/errors";
import { egressFetch, egressPolicyOf, readBody } from "../../../lib/egress";
import type { WhatsappChannelRow } from "../../../storage/channels-repo";
import type { BaseCtx } from "../../ctx";
import type { TemplateComponent, WhatsAppSecrets } from "./schemas";

/** Graph API answers are small JSON objects. */
const MAX_GRAPH_RESPONSE_BYTES = 64 * 1024;
const GRAPH_TIMEOUT_MS = 10_000;
/** A template list page can be larger (components with their texts). */
const MAX_GRAPH_LIST_BYTES = 1024 * 1024;

/** The official template object (next-wave.md §3.2; header, body and button parameters). */
export type GraphTemplate = {
  name: string;
  language: { policy: "deterministic"; code: string };
  components?: TemplateComponent[];
};

/** The official message payloads (protocols.md §5.3, next-wave.md §3.2). */
export type GraphMessage =
  { type: "text"; text: { preview_url: boolean; body: string } } | { type: "template"; template: GraphTemplate };

const graphUrl = (ctx: BaseCtx, path: string) =>
  `${ctx.config.whatsappApiBase.replace(/\/+$/, "")}/${ctx.config.whatsappApiVersion}/${path}`;

/**
 * `GET {WHATSAPP_API_BASE}/{version}/{path}` with the channel's bearer token, through the egress
 * policy: a media object's metadata, a WABA's template list. Answers Meta's JSON; a refusal or an
 * unreachable Graph API is 503 (Meta's error body is logged by code only).
 */
export async function getGraphJson(ctx: BaseCtx, secrets: WhatsAppSecrets, path: string): Promise<unknown> {
  const res = await egressFetch(
    egressPolicyOf(ctx.config),
    graphUrl(ctx, path),
    { headers: { authorization: `Bearer ${secrets.accessToken}` } },
    { maxBytes: MAX_GRAPH_LIST_BYTES, timeoutMs: GRAPH_TIMEOUT_MS },
  ).catch((err: unknown) => {
    throw new Unavailable("WhatsApp could not be reached; try again", err);
  });
  const text = new TextDecoder().decode(
    await readBody(res).catch((err: unknown) => {
      throw new Unavailable("WhatsApp's answer could not be read", err);
    }),
  );
  let body: unknown;
  try {
    body = JSON.parse(text || "{}");
  } catch {
    body = undefined;
  }
  if (!res.ok || body === undefined) {
    const code = (body as { error?: { code?: number } } | undefined)?.error?.code;
    ctx.log.warn("whatsapp: graph read refused", { status: res.status, code });
    throw new Unavailable(`WhatsApp refused the request (HTTP ${res.status}${code ? `, code ${code}` : ""})`);
  }
  return body;
}

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
  const url = graphUrl(ctx, `${encodeURIComponent(channel.phoneNumberId)}/messages`);
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
