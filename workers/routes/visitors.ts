import { createRoute, z } from "@hono/zod-openapi";
import { eraseVisitorData, exportVisitorData, subjectOfConversation } from "../domain/privacy/visitor";
import { ErasedCounts } from "../domain/privacy/schemas";
import { contactConversations, linkVisitors } from "../domain/contacts/link";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
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

const LinkInput = z
  .object({
    otherVisitorId: z
      .string()
      .startsWith("conv_")
      .max(64)
      .openapi({ description: "a conversation of the other visitor (visitors are named by a conversation)" }),
  })
  .strict()
  .openapi("VisitorLink");

/**
 * The same export and erasure as /api/privacy, addressed from a conversation in the inbox; and
 * cross-channel contacts: link two visitors that share a verified email or phone, list the
 * contact's other conversations.
 */
export const visitorRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/{conversationId}/link",
      tags: ["contacts"],
      summary: "Link two visitors (by a conversation of each) that share a verified email or phone",
      security: sec,
      middleware: [authed("conversations:write")],
      request: { params: VisitorParam, body: jsonBody(LinkInput) },
      responses: {
        200: jsonResponse(
          z.object({ contactId: z.string(), matchedBy: z.string(), conversations: z.array(z.string()) }),
          "linked",
        ),
        ...problemResponses,
      },
    }),
    async (c) =>
      c.json(
        await linkVisitors(c.var.ctx, {
          conversationId: c.req.valid("param").conversationId,
          otherConversationId: c.req.valid("json").otherVisitorId,
        }),
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{conversationId}/conversations",
      tags: ["contacts"],
      summary: "The other conversations (every channel) of this visitor's linked contact",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: VisitorParam },
      responses: {
        200: jsonResponse(
          z.object({ contactId: z.string().nullable(), data: z.array(z.record(z.string(), z.unknown())) }),
          "conversations",
        ),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await contactConversations(c.var.ctx, c.req.valid("param").conversationId), 200),
  )
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
