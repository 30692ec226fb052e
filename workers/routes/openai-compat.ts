import { createRoute, OpenAPIHono, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import { bodyLimit } from "hono/body-limit";
import { HTTPException } from "hono/http-exception";
import { actorId } from "../domain/ctx";
import type { AnswerCtx } from "../domain/knowledge/answer-types";
import {
  ChatCompletionRequest,
  completeChat,
  listBotModels,
  requireBotModel,
  streamChatChunks,
} from "../domain/voice/completions";
import type { AppEnv } from "../env";
import { AppError, Forbidden, Invalid, RateLimited, Unauthorized } from "../lib/errors";
import { zodFieldErrors } from "../lib/http";
import { authenticate } from "./middleware";

/**
 * The OpenAI-compatible surface at /v1. OpenAI clients parse OpenAI's error object, not problem
 * details, so errors here are `{"error":{"message","type","param","code"}}` with the matching status
 * (the official clients map 401 → AuthenticationError, 404 → NotFoundError...). Authentication is a
 * server API key with the `chat:completions` scope.
 */
export const MAX_V1_BODY = 1024 * 1024;

const OPENAI_TYPES: Record<number, [type: string, code: string | null]> = {
  400: ["invalid_request_error", null],
  401: ["invalid_request_error", "invalid_api_key"],
  402: ["insufficient_quota", "insufficient_quota"],
  403: ["invalid_request_error", "insufficient_scope"],
  404: ["invalid_request_error", "model_not_found"],
  413: ["invalid_request_error", "payload_too_large"],
  429: ["rate_limit_error", "rate_limit_exceeded"],
};

/** Renders any error as OpenAI's error object (5xx details stay in the log). */
export function openAiErrorResponse(
  err: unknown,
  requestId: string,
  log?: { error(m: string, f?: Record<string, unknown>): void },
): Response {
  let appErr: AppError;
  if (err instanceof AppError) appErr = err;
  else if (err instanceof HTTPException && err.status < 500) appErr = new Invalid(err.message || "malformed request");
  else {
    log?.error("v1: unhandled error", { error: String(err), stack: err instanceof Error ? err.stack : undefined });
    appErr = new AppError("INTERNAL", `something went wrong on our side; quote request id ${requestId}`);
  }
  const [type, code] = OPENAI_TYPES[appErr.status] ?? ["server_error", appErr.code.toLowerCase()];
  const message =
    appErr.status === 404 && appErr.detail.startsWith("model ")
      ? `The model \`${appErr.detail.slice(6).replace(/ not found$/, "")}\` does not exist or you do not have access to it.`
      : appErr.detail;
  const param = appErr.extra.errors?.[0]?.path ?? null;
  const headers: Record<string, string> = { "content-type": "application/json", "x-request-id": requestId };
  if (appErr instanceof RateLimited) headers["retry-after"] = String(appErr.retryAfterSeconds);
  return new Response(JSON.stringify({ error: { message, type, param, code } }), { status: appErr.status, headers });
}

/** Frames chunks as Server-Sent Events the way OpenAI does: `data: <json>\n\n` … `data: [DONE]\n\n`. */
export function sseResponse(
  chunks: AsyncIterable<unknown>,
  log?: { warn(m: string, f?: Record<string, unknown>): void },
): Response {
  const enc = new TextEncoder();
  const { readable, writable } = new TransformStream<Uint8Array, Uint8Array>();
  const writer = writable.getWriter();
  void (async () => {
    try {
      for await (const c of chunks) await writer.write(enc.encode(`data: ${JSON.stringify(c)}\n\n`));
      await writer.write(enc.encode("data: [DONE]\n\n"));
    } catch (err) {
      // the client went away (write fails) or the answerer broke mid-stream: OpenAI streams an error object
      log?.warn("v1: stream ended early", { error: String(err) });
      await writer
        .write(
          enc.encode(
            `data: ${JSON.stringify({ error: { message: "the answer stream failed", type: "server_error", param: null, code: null } })}\n\n`,
          ),
        )
        .catch(() => {});
    } finally {
      await writer.close().catch(() => {});
    }
  })();
  return new Response(readable, {
    status: 200,
    headers: {
      "content-type": "text/event-stream; charset=utf-8",
      "cache-control": "no-cache",
      connection: "keep-alive",
    },
  });
}

/** Parses the body with the request schema; shared by /v1 and the integrations' custom-LLM URLs. */
export async function readCompletionRequest(c: Context<AppEnv>): Promise<ChatCompletionRequest> {
  let json: unknown;
  try {
    json = await c.req.json();
  } catch {
    throw new Invalid("the body is not valid JSON");
  }
  const parsed = ChatCompletionRequest.safeParse(json);
  if (!parsed.success) throw new Invalid("request does not match the schema", zodFieldErrors(parsed.error));
  return parsed.data;
}

/** Answers a parsed request, streamed or not. */
export async function answerCompletion(
  c: Context<AppEnv>,
  ctx: AnswerCtx,
  req: ChatCompletionRequest,
  channel: "chat" | "voice",
) {
  if (req.stream) return sseResponse(await streamChatChunks(ctx, req, channel, c.req.raw.signal), ctx.log);
  return c.json(await completeChat(ctx, req, channel, c.req.raw.signal), 200);
}

/** Authenticates a /v1 request: `Authorization: Bearer sk_...` (or a session token) holding chat:completions. */
async function v1Ctx(c: Context<AppEnv>): Promise<AnswerCtx> {
  const header = c.req.header("authorization");
  const bearer = header?.startsWith("Bearer ") ? header.slice(7).trim() : undefined;
  if (!bearer) throw new Unauthorized("You didn't provide an API key. Use `Authorization: Bearer sk_...`.");
  const principal = await authenticate(c.var.ctx, bearer).catch((err: unknown) => {
    throw err instanceof AppError ? new Unauthorized("Incorrect API key provided.") : err;
  });
  // the same per-key / per-operator limit as every /api route (middleware.ts), as OpenAI's 429
  const { success } = await c.var.ctx.services.rateLimits.api.limit({
    key: `${principal.actor.kind}:${actorId(principal.actor)}`,
  });
  if (!success) throw new RateLimited("Rate limit reached for this key; slow down.", 60);
  if (!principal.actor.permissions.has("chat:completions"))
    throw new Forbidden("this key lacks the scope chat:completions");
  return { ...c.var.ctx, tenantId: principal.tenantId };
}

const Model = z.object({
  id: z.string(),
  object: z.literal("model"),
  created: z.number(),
  owned_by: z.string(),
  name: z.string(),
});
const OpenAiError = z
  .object({
    error: z.object({
      message: z.string(),
      type: z.string(),
      param: z.string().nullable(),
      code: z.string().nullable(),
    }),
  })
  .openapi("OpenAIError");
const errors = Object.fromEntries(
  [400, 401, 403, 404].map((s) => [
    s,
    { content: { "application/json": { schema: OpenAiError } }, description: "OpenAI-style error" },
  ]),
);
const sec = [{ bearer: [] }];

export const openAiRoutes = new OpenAPIHono<AppEnv>({
  defaultHook: (result) => {
    if (!result.success) throw new Invalid("request does not match the schema", zodFieldErrors(result.error));
  },
});
openAiRoutes.use(
  "*",
  bodyLimit({
    maxSize: MAX_V1_BODY,
    onError: () => {
      throw new AppError("PAYLOAD_TOO_LARGE", `request body is over the ${MAX_V1_BODY} byte limit`);
    },
  }),
);
openAiRoutes
  .openapi(
    createRoute({
      method: "post",
      path: "/chat/completions",
      tags: ["openai-compatible"],
      summary: "OpenAI Chat Completions; `model` is a bot id; streams with `stream: true`",
      security: sec,
      request: {
        body: {
          content: {
            "application/json": {
              schema: z.object({
                model: z.string(),
                messages: z.array(z.object({ role: z.string(), content: z.unknown() })),
                stream: z.boolean().optional(),
              }),
            },
          },
        },
      },
      responses: { 200: { description: "chat.completion, or text/event-stream of chat.completion.chunk" }, ...errors },
    }),
    async (c) => {
      const ctx = await v1Ctx(c);
      const req = await readCompletionRequest(c);
      return answerCompletion(c, ctx, req, req.call !== undefined || req.phoneNumber !== undefined ? "voice" : "chat");
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/models",
      tags: ["openai-compatible"],
      summary: "The tenant's bots, as models",
      security: sec,
      responses: {
        200: {
          content: { "application/json": { schema: z.object({ object: z.literal("list"), data: z.array(Model) }) } },
          description: "models",
        },
        ...errors,
      },
    }),
    async (c) => c.json(await listBotModels(await v1Ctx(c)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/models/{id}",
      summary: "Get one model (a bot of this workspace)",
      tags: ["openai-compatible"],
      security: sec,
      request: { params: z.object({ id: z.string().min(1).max(64) }) },
      responses: { 200: { content: { "application/json": { schema: Model } }, description: "model" }, ...errors },
    }),
    async (c) => {
      const ctx = await v1Ctx(c);
      const bot = await requireBotModel(ctx, c.req.valid("param").id);
      return c.json(
        {
          id: bot.id,
          object: "model" as const,
          created: Math.floor(bot.createdAt.getTime() / 1000),
          owned_by: "echo",
          name: bot.name,
        },
        200,
      );
    },
  );

openAiRoutes.onError((err, c) => openAiErrorResponse(err, c.var.requestId ?? "req_unknown", c.var.ctx?.log));
openAiRoutes.notFound((c) =>
  openAiErrorResponse(
    new AppError("NOT_FOUND", `no route for ${c.req.method} ${c.req.path}`),
    c.var.requestId ?? "req_unknown",
  ),
);
