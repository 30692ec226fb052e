import { createRoute } from "@hono/zod-openapi";
import {
  AnswerProvidersDto,
  AnswerProvidersInput,
  deleteBotAnswerProviders,
  getBotAnswerProviders,
  setBotAnswerProviders,
} from "../domain/bots/answer-providers";
import { getBot } from "../domain/bots";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const Param = IdParam("bot");
const sec = [{ bearer: [] }];
const tags = ["bots"];

/**
 * /api/bots/:id/answer-providers: the bot's own model chain (Anthropic, Gemini, OpenAI-compatible),
 * primary then secondary, before the embedded answerer. Keys are write-only (a hint is shown); the
 * same permissions as the workspace's provider settings.
 */
export const botProviderRoutes = createRouter()
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/answer-providers",
      tags,
      summary: "Answer with these models, in order, before the embedded answerer",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param, body: jsonBody(AnswerProvidersInput) },
      responses: { 200: jsonResponse(AnswerProvidersDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await setBotAnswerProviders(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/answer-providers",
      summary: "The bot's answer model chain (keys are never returned)",
      tags,
      security: sec,
      middleware: [authed("settings:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(AnswerProvidersDto, "the chain (no keys)"), ...problemResponses },
    }),
    async (c) => c.json(await getBotAnswerProviders(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{id}/answer-providers",
      tags,
      summary: "Back to the workspace's provider",
      security: sec,
      middleware: [authed("settings:write")],
      request: { params: Param },
      responses: { 204: { description: "removed" }, ...problemResponses },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      await getBot(c.var.ctx, id);
      await deleteBotAnswerProviders(c.var.ctx, id);
      return c.body(null, 204);
    },
  );
