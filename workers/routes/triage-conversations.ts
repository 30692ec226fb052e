import { createRoute, z } from "@hono/zod-openapi";
import { correctConversationCategory } from "../domain/triage/categories";
import { draftReply, getConversationTriage, summarizeConversation } from "../domain/triage/drafts";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const Param = IdParam("conv");

export const DraftDto = z
  .object({
    conversationId: z.string(),
    replyingTo: z.number(),
    draft: z.string(),
    sources: z.array(
      z.object({ sourceId: z.string(), title: z.string(), url: z.string().nullable(), snippet: z.string() }),
    ),
    confidence: z.number(),
    grounded: z.boolean(),
  })
  .openapi("Draft");
export const SummaryDto = z
  .object({
    conversationId: z.string(),
    summary: z.string(),
    parts: z.object({
      issue: z.string().nullable(),
      tried: z.string().nullable(),
      sentiment: z.string(),
      pending: z.string().nullable(),
    }),
  })
  .openapi("ConversationSummary");
const TriageDto = z
  .object({
    conversationId: z.string(),
    visitorMessages: z.number(),
    frustration: z.number().nullable(),
    trend: z.number().nullable(),
    sentiment: z.string().nullable(),
    categoryId: z.string().nullable(),
    categoryConfidence: z.number().nullable(),
    categorySource: z.string().nullable(),
    escalationReason: z.string().nullable(),
    escalationDetail: z.string().nullable(),
  })
  .openapi("ConversationTriage");
const CategoryCorrection = z
  .object({ categoryId: z.string().min(1).max(64) })
  .strict()
  .openapi("CategoryCorrection");

/** Triage views of a conversation, mounted beside the conversations routes at /api/conversations. */
export const triageConversationRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/draft",
      tags: ["triage"],
      summary: "Draft a reply grounded in the knowledge base and the conversation",
      security: sec,
      middleware: [authed("replies:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(DraftDto, "draft"), ...problemResponses },
    }),
    async (c) => c.json(await draftReply(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/summary",
      tags: ["triage"],
      summary: "One-paragraph hand-off summary",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(SummaryDto, "summary"), ...problemResponses },
    }),
    async (c) => c.json(await summarizeConversation(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/triage",
      tags: ["triage"],
      summary: "Frustration, trend, category and escalation of a conversation",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(TriageDto, "triage"), ...problemResponses },
    }),
    async (c) => c.json(await getConversationTriage(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/{id}/category",
      tags: ["triage"],
      summary: "Correct a conversation's category; its first message becomes an example",
      security: sec,
      middleware: [authed("conversations:write")],
      request: { params: Param, body: jsonBody(CategoryCorrection) },
      responses: {
        200: jsonResponse(
          z.object({
            conversationId: z.string(),
            categoryId: z.string(),
            source: z.string(),
            learnedExample: z.string(),
          }),
          "corrected",
        ),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json(
        await correctConversationCategory(c.var.ctx, c.req.valid("param").id, c.req.valid("json").categoryId),
        200,
      ),
  );
