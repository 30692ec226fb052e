import { z, type OpenAPIHono } from "@hono/zod-openapi";
import type { AppEnv } from "../env";
import { jsonResponse, problemResponses } from "../lib/http";

/**
 * The OpenAPI document at /api/openapi.json (issue 22): every operation has a summary and an
 * operationId, the server it is served from, and a security requirement — the member bearer token by
 * default (root `security`), `[]` or a named scheme on the routes that authenticate otherwise. The
 * routes that are plain Hono handlers (health, provider webhooks, the Shopify install callback) are
 * described here. `npm run lint:openapi` and e2e/openapi.test.ts lint it with Redocly's rules.
 */
export function serveApiDocument(app: OpenAPIHono<AppEnv>) {
  const schemes: Record<string, Parameters<typeof app.openAPIRegistry.registerComponent<"securitySchemes">>[2]> = {
    bearer: { type: "http", scheme: "bearer", description: "access token (JWT) or server API key (sk_...)" },
    visitorToken: {
      type: "apiKey",
      in: "query",
      name: "token",
      description: "the visitor token from POST /api/widget/sessions (also accepted as `Authorization: Bearer`)",
    },
    socketToken: {
      type: "apiKey",
      in: "query",
      name: "token",
      description: "a member's access token, for WebSocket upgrades (browsers cannot set headers on them)",
    },
    signedUrl: { type: "apiKey", in: "query", name: "sig", description: "a short-lived signed URL Echo handed out" },
    stripeSignature: {
      type: "apiKey",
      in: "header",
      name: "Stripe-Signature",
      description: "Stripe webhook signature",
    },
    metaSignature: {
      type: "apiKey",
      in: "header",
      name: "X-Hub-Signature-256",
      description: "HMAC-SHA256 of the body with the Meta app secret",
    },
    shopifyHmac: {
      type: "apiKey",
      in: "header",
      name: "X-Shopify-Hmac-Sha256",
      description: "base64 HMAC-SHA256 of the body with the app's secret",
    },
    wooSignature: {
      type: "apiKey",
      in: "header",
      name: "X-WC-Webhook-Signature",
      description: "base64 HMAC-SHA256 of the body with the webhook secret",
    },
    vapiSecret: { type: "apiKey", in: "header", name: "X-Vapi-Secret", description: "the line's shared secret" },
    elevenLabsSignature: {
      type: "apiKey",
      in: "header",
      name: "ElevenLabs-Signature",
      description: "`t=<unix>,v0=<HMAC-SHA256 of t.body>`",
    },
    retellSignature: {
      type: "apiKey",
      in: "header",
      name: "X-Retell-Signature",
      description: "Retell's signature of the body with the API key",
    },
    twilioSignature: {
      type: "apiKey",
      in: "header",
      name: "X-Twilio-Signature",
      description: "base64 HMAC-SHA1 of the URL and sorted form parameters with the auth token",
    },
  };
  for (const [name, scheme] of Object.entries(schemes))
    app.openAPIRegistry.registerComponent("securitySchemes", name, scheme);

  const Id = z.object({ id: z.string().openapi({ description: "the integration or channel id" }) });
  const anyJson = { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } }, required: true };
  const form = {
    content: { "application/x-www-form-urlencoded": { schema: z.record(z.string(), z.string()) } },
    required: true,
  };
  const ack = { 200: { description: "accepted (replays are acknowledged and change nothing)" }, ...problemResponses };
  const hook = (
    method: "get" | "post",
    path: string,
    summary: string,
    security: Record<string, string[]>[],
    body: typeof anyJson | typeof form | undefined,
    tags = ["webhooks"],
  ) =>
    app.openAPIRegistry.registerPath({
      method,
      path,
      summary,
      tags,
      security,
      request: { params: Id, ...(body ? { body } : {}) },
      responses: ack,
    });

  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/health",
    summary: "Liveness: 200 when the Worker runs and D1 answers, 503 otherwise",
    tags: ["health"],
    security: [],
    responses: {
      200: jsonResponse(
        z.object({ status: z.literal("ok"), d1: z.literal("ok"), d1Ms: z.number(), time: z.string() }),
        "healthy",
      ),
      503: jsonResponse(z.object({ status: z.literal("degraded"), d1: z.literal("error") }), "D1 does not answer"),
    },
  });
  app.openAPIRegistry.registerPath({
    method: "post",
    path: "/hooks/stripe",
    summary: "Stripe events (subscriptions, checkout, invoices); verified, idempotent by event id",
    tags: ["webhooks"],
    security: [{ stripeSignature: [] }],
    request: anyJsonBody(),
    responses: ack,
  });
  hook("get", "/hooks/whatsapp/{id}", "Meta's webhook verification handshake (hub.challenge)", [], undefined);
  hook(
    "post",
    "/hooks/whatsapp/{id}",
    "WhatsApp Cloud API notifications: messages and statuses",
    [{ metaSignature: [] }],
    anyJson,
  );
  hook("post", "/hooks/shopify/{id}", "Shopify webhooks: orders, products, compliance", [{ shopifyHmac: [] }], anyJson);
  hook("post", "/hooks/woocommerce/{id}", "WooCommerce webhooks: orders, products", [{ wooSignature: [] }], anyJson);
  hook(
    "post",
    "/hooks/voice/vapi/{id}",
    "Vapi server messages (status, transcript, tool calls, end-of-call report)",
    [{ vapiSecret: [] }],
    anyJson,
  );
  hook(
    "post",
    "/hooks/voice/elevenlabs/{id}",
    "ElevenLabs post-call webhook (transcript and analysis)",
    [{ elevenLabsSignature: [] }],
    anyJson,
  );
  hook(
    "post",
    "/hooks/voice/elevenlabs/{id}/initiation",
    "ElevenLabs conversation initiation: the caller's dynamic variables and first message",
    [{ elevenLabsSignature: [] }],
    anyJson,
  );
  hook(
    "post",
    "/hooks/voice/retell/{id}",
    "Retell call events (started, ended, analyzed)",
    [{ retellSignature: [] }],
    anyJson,
  );
  hook(
    "post",
    "/hooks/voice/twilio/{id}",
    "Twilio incoming call: TwiML greeting and <Gather>",
    [{ twilioSignature: [] }],
    form,
  );
  hook(
    "post",
    "/hooks/voice/twilio/{id}/gather",
    "Twilio <Gather> result: the caller's words, answered in TwiML",
    [{ twilioSignature: [] }],
    form,
  );
  hook("post", "/hooks/voice/twilio/{id}/status", "Twilio call status callback", [{ twilioSignature: [] }], form);
  for (const provider of ["vapi", "elevenlabs"] as const)
    app.openAPIRegistry.registerPath({
      method: "post",
      path: `/hooks/voice/${provider}/{id}/llm/{token}/chat/completions`,
      summary: `Custom-LLM endpoint for ${provider === "vapi" ? "Vapi" : "ElevenLabs"}: OpenAI chat completions (SSE) answered by the line's bot`,
      tags: ["webhooks"],
      security: [], // the line's secret token is a path segment of the URL configured at the provider
      request: { params: Id.extend({ token: z.string() }), ...anyJsonBody() },
      responses: { 200: { description: "text/event-stream of chat.completion.chunk" }, ...problemResponses },
    });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/hooks/voice/retell/{id}/llm/{token}/{callId}",
    summary: "Retell custom-LLM WebSocket for one call",
    tags: ["webhooks"],
    security: [], // the line's secret token is a path segment of the URL configured at the provider
    request: { params: Id.extend({ token: z.string(), callId: z.string() }) },
    responses: { 101: { description: "switching protocols" }, ...problemResponses },
  });
  app.openAPIRegistry.registerPath({
    method: "get",
    path: "/api/integrations/shopify/callback",
    summary: "Shopify OAuth install callback (HMAC and state checked), then back to the dashboard",
    tags: ["integrations"],
    security: [],
    responses: { 302: { description: "redirect to the dashboard" }, ...problemResponses },
  });

  app.get("/api/openapi.json", (c) => {
    const doc = app.getOpenAPI31Document({
      openapi: "3.1.0",
      info: {
        title: "Echo API",
        version: "1.0.0",
        description: "Echo's REST API. Errors are RFC 9457 problem details.",
      },
      servers: [{ url: new URL(c.req.url).origin, description: "this deployment" }],
      security: [{ bearer: [] }],
    });
    for (const [path, item] of Object.entries(doc.paths ?? {}))
      for (const [method, op] of Object.entries(item ?? {})) {
        if (typeof op !== "object" || op === null || !("responses" in op)) continue;
        const o = op as { operationId?: string };
        o.operationId ??= operationIdOf(method, path);
      }
    return c.json(doc);
  });
}

function anyJsonBody() {
  return {
    body: { content: { "application/json": { schema: z.record(z.string(), z.unknown()) } }, required: true },
  };
}

/**
 * A stable operationId from the method and path, for operations that do not name their own:
 * `GET /api/billing/bots/{botId}` → `getBillingBotsByBotId`, `POST /v1/chat/completions` →
 * `postV1ChatCompletions`. The `/api` prefix is dropped; method + path is unique, so the ids are too.
 */
export function operationIdOf(method: string, path: string): string {
  const words = path
    .replace(/^\/api(?=\/|$)/, "")
    .split("/")
    .filter(Boolean)
    .flatMap((seg) => {
      const param = /^\{(.+)\}$/.exec(seg);
      return param ? ["by", ...param[1]!.split(/[^A-Za-z0-9]+/)] : seg.split(/[^A-Za-z0-9]+/);
    })
    .filter(Boolean);
  return method.toLowerCase() + words.map((w) => w[0]!.toUpperCase() + w.slice(1)).join("");
}
