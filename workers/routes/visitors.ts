import { createRoute, z } from "@hono/zod-openapi";
import { eraseVisitorData, exportVisitorData, subjectOfConversation } from "../domain/privacy/visitor";
import { ErasedCounts } from "../domain/privacy/schemas";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["privacy"];
/** A visitor is named by one of their conversations; the verb widens it to all of theirs. */
const VisitorParam = z.object({
  conversationId: z
    .string()
    .startsWith("conv_")
    .max(64)
    .openapi({ param: { name: "conversationId", in: "path" }, example: "conv_01j…" }),
});

/** The same export and erasure as /api/privacy, addressed from a conversation in the inbox. */
export const visitorRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/{conversationId}/export",
      tags,
      summary: "Everything held about the visitor of this conversation (all their conversations)",
      security: sec,
      middleware: [authed("privacy:export")],
      request: { params: VisitorParam },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), "the archive"), ...problemResponses },
    }),
    async (c) => {
      const ctx = c.var.ctx;
      return c.json(
        await exportVisitorData(ctx, await subjectOfConversation(ctx, c.req.valid("param").conversationId)),
        200,
      );
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/{conversationId}",
      tags,
      summary: "Erase the visitor of this conversation everywhere (all their conversations)",
      security: sec,
      middleware: [authed("privacy:write")],
      request: { params: VisitorParam },
      responses: { 200: jsonResponse(z.object({ erased: ErasedCounts }), "erased"), ...problemResponses },
    }),
    async (c) => {
      const ctx = c.var.ctx;
      return c.json(
        await eraseVisitorData(ctx, await subjectOfConversation(ctx, c.req.valid("param").conversationId)),
        200,
      );
    },
  );
