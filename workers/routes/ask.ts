import { createRoute } from "@hono/zod-openapi";
import { askBot } from "../domain/knowledge/ask";
import { AskInput, AskResultDto } from "../domain/knowledge/schemas";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

/** Mounted under /api/bots: POST /api/bots/{id}/ask. */
export const askRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/{id}/ask",
    tags: ["bots", "knowledge"],
    summary: "Ask a bot a question: a grounded answer with sources, confidence, handoff and timings",
    security: [{ bearer: [] }],
    middleware: [authed("bots:read")],
    request: { params: IdParam("bot"), body: jsonBody(AskInput) },
    responses: { 200: jsonResponse(AskResultDto, "the answer"), ...problemResponses },
  }),
  async (c) => c.json(await askBot(c.var.ctx, c.req.valid("param").id, c.req.valid("json"), c.req.raw.signal), 200),
);
