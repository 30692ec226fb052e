import { Hono, type Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import type { VoiceDeps, VoiceCtx } from "../domain/voice/ports";
import { newUserWords } from "../domain/voice/completions";
import { announcedRetellCall } from "../domain/voice/announced-call";
import { bodyEventId, requireFreshTwilio, twilioEventId } from "../domain/voice/replay";
import { isCurrentLlmToken, throttleLlmUrl } from "../domain/voice/tokens";
import { customLlmHandoff, handleVapiMessage, VAPI_ANSWERED, vapiKind, VapiEnvelope } from "../domain/voice/vapi";
import {
  handleElevenLabsEvent,
  handleElevenLabsInitiation,
  ElevenLabsEvent,
  ElevenLabsInitiation,
} from "../domain/voice/elevenlabs";
import { handleRetellEvent, RetellEvent } from "../domain/voice/retell";
import { openRetellSocket } from "../domain/voice/retell-llm";
import { handleTwilioGather, handleTwilioStatus, handleTwilioVoice, formParams } from "../domain/voice/twilio";
import {
  eventIdOf,
  integrationForHook,
  processOnce,
  requireVerified,
  type SignedRequest,
} from "../domain/voice/webhook";
import type { VoiceIntegrationRow, VoiceProvider } from "../storage/schema";
import type { AppEnv } from "../env";
import { AppError, Invalid, NotFound } from "../lib/errors";
import { zodFieldErrors } from "../lib/http";
import { answerCompletion, openAiErrorResponse, readCompletionRequest } from "./openai-compat";
import { closePolicy } from "./socket-upgrade";

/**
 * Provider webhooks, mounted at /hooks/voice: `/<provider>/<integration id>[/…]`. Each handler
 * reads the raw body, verifies it as its provider specifies (401, nothing stored, when it fails),
 * drops replays by event id, then hands the parsed payload to a domain verb.
 */
export const MAX_HOOK_BODY = 25 * 1024 * 1024; // ElevenLabs post_call_audio carries base64 MP3

/** Outside effects; replaceable so a test harness can serve recordings locally. */
export const voiceHookDeps: { fetch: VoiceDeps["fetch"] } = { fetch: (input, init) => fetch(input, init) };

function voiceCtx(c: Context<AppEnv>, integration: VoiceIntegrationRow): VoiceCtx {
  return {
    ...c.var.ctx,
    tenantId: integration.tenantId,
    deps: { room: (t, id) => c.var.ctx.rooms.conversation(t, id), fetch: voiceHookDeps.fetch },
  };
}

async function signed(c: Context<AppEnv>, provider: VoiceProvider, kind: "webhook" | "initiation" = "webhook") {
  const integration = await integrationForHook(c.var.ctx, provider, c.req.param("id") ?? "");
  // bytes, decoded once: the signature covers exactly what was sent (form bodies included)
  const rawBody = new TextDecoder().decode(await c.req.arrayBuffer());
  const req: SignedRequest = {
    rawBody,
    headers: c.req.raw.headers,
    url: c.req.url,
    ...(provider === "twilio" && { form: formParams(rawBody, c.req.header("content-type")) }),
  };
  await requireVerified(c.var.ctx, integration, req, kind);
  return { integration, rawBody, req };
}

/**
 * The integration of a capability URL (`…/<id>/llm/<token>/…`): a token that is not the current one
 * is the same 404 as a missing integration; then the integration's limit applies (429).
 */
async function capability(c: Context<AppEnv>, provider: VoiceProvider) {
  const integration = await integrationForHook(c.var.ctx, provider, c.req.param("id") ?? "");
  if (!(await isCurrentLlmToken(integration, c.req.param("token"))))
    throw new NotFound("voice integration", integration.id);
  await throttleLlmUrl(c.var.ctx.services.rateLimits.voice, integration.id);
  return integration;
}

function parseJson<T>(
  schema: {
    safeParse(
      v: unknown,
    ):
      | { success: true; data: T }
      | { success: false; error: { issues: ReadonlyArray<{ path: ReadonlyArray<PropertyKey>; message: string }> } };
  },
  raw: string,
): T {
  let json: unknown;
  try {
    json = JSON.parse(raw);
  } catch {
    throw new Invalid("the body is not valid JSON");
  }
  const p = schema.safeParse(json);
  if (!p.success) throw new Invalid("the payload does not match the provider's schema", zodFieldErrors(p.error));
  return p.data;
}

const twiml = (c: Context<AppEnv>, xml: string) => c.body(xml, 200, { "content-type": "text/xml; charset=utf-8" });

export const voiceHookRoutes = new Hono<AppEnv>();
voiceHookRoutes.use(
  "*",
  bodyLimit({
    maxSize: MAX_HOOK_BODY,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `request body is over the ${MAX_HOOK_BODY} byte limit`);
    },
  }),
);

// ------------------------------------------------------------------------------------------ Vapi
voiceHookRoutes.post("/vapi/:id", async (c) => {
  const { integration, rawBody } = await signed(c, "vapi");
  const { message } = parseJson(VapiEnvelope, rawBody);
  const kind = vapiKind(message.type);
  // Vapi's body carries no event id; its hash is the key (never the unsigned x-vapi-message-id)
  const eventId = await bodyEventId(rawBody);
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    kind,
    () => handleVapiMessage(voiceCtx(c, integration), integration, message),
    VAPI_ANSWERED.has(kind),
  );
  if (r.duplicate) return c.json(r.response ?? { received: true, duplicate: true }, 200);
  return c.json(r.response, 200);
});

// ------------------------------------------------------------------- custom LLM (Vapi, ElevenLabs)
// Vapi and ElevenLabs call `{url}/chat/completions` with the URL we gave them; the path token
// authenticates (their own API-key settings stay free for the tenant's use).
voiceHookRoutes.post("/:provider{vapi|elevenlabs}/:id/llm/:token/chat/completions", async (c) => {
  const requestId = c.var.requestId;
  try {
    const provider = c.req.param("provider") as "vapi" | "elevenlabs";
    const integration = await capability(c, provider);
    const ctx = voiceCtx(c, integration);
    const req = await readCompletionRequest(c);
    const callId =
      typeof req.call === "object" && req.call && "id" in req.call && typeof req.call.id === "string"
        ? req.call.id
        : undefined;
    // only a streamed turn can carry the transfer tool call (Vapi streams its custom-LLM turns)
    const handoff =
      provider === "vapi" && req.stream
        ? await customLlmHandoff(ctx, integration, { providerCallId: callId, callerWords: newUserWords(req) })
        : null;
    if (handoff) return handoffStream(handoff.line, handoff.tool, integration.botId, ctx.clock.now());
    return await answerCompletion(c, ctx, { ...req, model: integration.botId }, "voice");
  } catch (err) {
    return openAiErrorResponse(err, requestId, c.var.ctx.log);
  }
});

/** One streamed turn that says the hand-off line and calls the transfer tool (OpenAI tool_calls deltas). */
function handoffStream(line: string, tool: string, model: string, now: number) {
  const base = {
    id: `chatcmpl-handoff${now}`,
    object: "chat.completion.chunk",
    created: Math.floor(now / 1000),
    model,
  };
  const frames = [
    { ...base, choices: [{ index: 0, delta: { role: "assistant", content: line }, finish_reason: null }] },
    {
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [{ index: 0, id: `call_${now}`, type: "function", function: { name: tool, arguments: "{}" } }],
          },
          finish_reason: null,
        },
      ],
    },
    { ...base, choices: [{ index: 0, delta: {}, finish_reason: "tool_calls" }] },
  ];
  const body = `${frames.map((f) => `data: ${JSON.stringify(f)}\n\n`).join("")}data: [DONE]\n\n`;
  return new Response(body, {
    headers: { "content-type": "text/event-stream; charset=utf-8", "cache-control": "no-cache" },
  });
}

// ------------------------------------------------------------------------------------ ElevenLabs
voiceHookRoutes.post("/elevenlabs/:id", async (c) => {
  const { integration, rawBody } = await signed(c, "elevenlabs");
  const event = parseJson(ElevenLabsEvent, rawBody);
  const eventId = await eventIdOf(
    rawBody,
    event.data.conversation_id ? `${event.type}:${event.data.conversation_id}` : null,
  );
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    event.type,
    () => handleElevenLabsEvent(voiceCtx(c, integration), integration, event),
    false,
  );
  return c.json({ received: true, ...(r.duplicate && { duplicate: true }) }, 200);
});

voiceHookRoutes.post("/elevenlabs/:id/initiation", async (c) => {
  const { integration, rawBody } = await signed(c, "elevenlabs", "initiation");
  const body = parseJson(ElevenLabsInitiation, rawBody);
  const eventId = await eventIdOf(rawBody, body.call_sid ? `initiation:${body.call_sid}` : null);
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    "conversation_initiation",
    () => handleElevenLabsInitiation(voiceCtx(c, integration), integration, body),
    true,
  );
  return c.json(r.response, 200);
});

// ---------------------------------------------------------------------------------------- Retell
voiceHookRoutes.post("/retell/:id", async (c) => {
  const { integration, rawBody } = await signed(c, "retell");
  const event = parseJson(RetellEvent, rawBody);
  const callId = event.call?.call_id ?? event.data?.call_id;
  const eventId = await eventIdOf(
    rawBody,
    callId && event.event !== "transcript_updated" ? `${event.event}:${callId}` : null,
  );
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    event.event,
    () => handleRetellEvent(voiceCtx(c, integration), integration, event),
    false,
  );
  return c.json({ received: true, ...(r.duplicate && { duplicate: true }) }, 200);
});

// Retell opens wss://…/llm/<token>/<call_id>: the capability token authenticates the socket, and
// the call id must name a call Retell announced by a signed webhook (announced-call.ts); the call's
// room then serves the socket (hibernation API), like every other socket of a conversation.
voiceHookRoutes.get("/retell/:id/llm/:token/:callId", async (c) => {
  const integration = await capability(c, "retell");
  if (c.req.header("upgrade")?.toLowerCase() !== "websocket") throw new Invalid("expected a WebSocket upgrade");
  const providerCallId = c.req.param("callId").slice(0, 200);
  if (!(await announcedRetellCall(c.var.ctx, integration, providerCallId))) {
    c.var.ctx.log.warn("voice: retell socket for an unannounced call refused", { integrationId: integration.id });
    return closePolicy("UNKNOWN_CALL", "no signed call_started webhook announced this call");
  }
  return openRetellSocket(voiceCtx(c, integration), { integration, providerCallId, request: c.req.raw });
});

// ---------------------------------------------------------------------------------------- Twilio
/**
 * Twilio's signature covers the URL and the form parameters only, with no timestamp: the replay key
 * is the hash of exactly that content (never `I-Twilio-Idempotency-Token`, which is unsigned), and
 * requireFreshTwilio bounds how late a captured request can be replayed.
 */
async function signedTwilio(c: Context<AppEnv>) {
  const { integration, req } = await signed(c, "twilio");
  const form = req.form ?? {};
  await requireFreshTwilio(c.var.ctx, integration, form);
  return { integration, form, eventId: await twilioEventId(req.url, form) };
}

voiceHookRoutes.post("/twilio/:id", async (c) => {
  const { integration, form, eventId } = await signedTwilio(c);
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    "incoming-call",
    () => handleTwilioVoice(voiceCtx(c, integration), integration, form),
    true,
  );
  return twiml(c, String(r.response ?? '<?xml version="1.0" encoding="UTF-8"?><Response/>'));
});

voiceHookRoutes.post("/twilio/:id/gather", async (c) => {
  const { integration, form, eventId } = await signedTwilio(c);
  const turn = Math.max(0, Math.min(1000, Number(c.req.query("turn") ?? 0) || 0));
  const r = await processOnce(
    c.var.ctx,
    integration,
    eventId,
    "gather",
    () => handleTwilioGather(voiceCtx(c, integration), integration, form, turn),
    true,
  );
  return twiml(c, String(r.response ?? '<?xml version="1.0" encoding="UTF-8"?><Response/>'));
});

voiceHookRoutes.post("/twilio/:id/status", async (c) => {
  const { integration, form, eventId } = await signedTwilio(c);
  await processOnce(
    c.var.ctx,
    integration,
    eventId,
    "status",
    () => handleTwilioStatus(voiceCtx(c, integration), integration, form),
    false,
  );
  return c.body(null, 204);
});
