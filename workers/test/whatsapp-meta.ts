import { sign } from "../lib/signatures";
import { call, expectJson, type TestTenant } from "./fixtures";

/**
 * Meta's side of the WhatsApp Cloud API for workerd tests: channel set-up, signed webhook
 * notifications in Meta's wire format (protocols.md §5.2) and a Graph-compatible test transport
 * (lib/egress `setEgressTransport`) that answers by URL.
 */

export const APP_SECRET = "app-secret-0123456789";
export const VERIFY = "verify-token-abcdef";
export const PNID = "123456123";
export const TOKEN = "EAAG-access-token-xyz";
export const GRAPH = "https://graph.whatsapp.test/v21.0";

export async function connectWhatsApp(t: TestTenant, over: Record<string, unknown> = {}) {
  return expectJson<{ id: string; webhookUrl: string }>(
    call("/api/channels/whatsapp", {
      method: "POST",
      token: t.token,
      json: {
        botId: t.botId,
        phoneNumberId: PNID,
        accessToken: TOKEN,
        appSecret: APP_SECRET,
        verifyToken: VERIFY,
        ...over,
      },
    }),
    201,
  );
}

export function notification(value: Record<string, unknown>) {
  return JSON.stringify({
    object: "whatsapp_business_account",
    entry: [
      {
        id: "WABA_ID",
        changes: [
          {
            field: "messages",
            value: {
              messaging_product: "whatsapp",
              metadata: { display_phone_number: "16505551111", phone_number_id: PNID },
              ...value,
            },
          },
        ],
      },
    ],
  });
}

export const inbound = (waId: string, messages: Record<string, unknown>[], name = "test user name") =>
  notification({ contacts: [{ profile: { name }, wa_id: waId }], messages });

/** One inbound text message from `waId`, sent now, as Meta delivers it. */
export const inboundText = (waId: string, id: string, body: string) =>
  inbound(waId, [{ from: waId, id, timestamp: String(Math.floor(Date.now() / 1000)), type: "text", text: { body } }]);

export const statuses = (list: { id: string; status: string; timestamp?: string; recipient_id?: string }[]) =>
  notification({ statuses: list.map((s) => ({ timestamp: "1", recipient_id: "1", ...s })) });

export const now = () => Math.floor(Date.now() / 1000);

export async function postHook(channelId: string, raw: string) {
  return call(`/hooks/whatsapp/${channelId}`, {
    method: "POST",
    body: raw,
    headers: { "content-type": "application/json", "x-hub-signature-256": await sign.hub256(APP_SECRET, raw) },
  });
}

export type GraphCall = { method: string; url: string; auth: string | null; body?: Record<string, any> };

/**
 * A Graph-compatible transport: `POST …/messages` answers a fresh wamid; any other request is
 * answered by `routes[url]` (a Response factory) or 404 in Graph's error shape. Every call is logged.
 */
export function graphServer(routes: Record<string, () => Response | Promise<Response>> = {}) {
  const calls: GraphCall[] = [];
  let n = 0;
  const transport = async (req: Request) => {
    const body = req.method === "POST" ? ((await req.json()) as Record<string, any>) : undefined;
    calls.push({ method: req.method, url: req.url, auth: req.headers.get("authorization"), ...(body ? { body } : {}) });
    if (req.method === "POST" && req.url.endsWith("/messages"))
      return Response.json({
        messaging_product: "whatsapp",
        contacts: [{ input: body!.to, wa_id: body!.to }],
        messages: [{ id: `wamid.OUT${++n}` }],
      });
    const route = routes[req.url];
    if (route) return route();
    return Response.json({ error: { message: "Unsupported get request", code: 100 } }, { status: 404 });
  };
  return { calls, transport, routes };
}
