import { createRoute, z } from "@hono/zod-openapi";
import {
  ConversationDto,
  ExportQuery,
  exportTranscript,
  getConversation,
  listConversations,
  ListQuery,
  listMessages,
  MessageDto,
  MessagesQuery,
  readConversationAttachment,
  toConversationDto,
} from "../domain/conversations";
import { connectOperator } from "../domain/conversations/sockets";
import { createRouter, IdParam, jsonResponse, problemResponses, anyOf } from "../lib/http";
import { authed } from "./middleware";
import { requireUpgrade, socketCredential, socketPrincipal } from "./socket-upgrade";
import { fileResponse } from "./widget-sessions";

const sec = [{ bearer: [] }];
const Param = IdParam("conv");
const Page = <T extends z.ZodType>(item: T) => z.object({ data: z.array(item), nextCursor: z.string().nullable() });

/** Operators' REST view of conversations (from the D1 copy) and their live socket into a room. */
export const conversationRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["conversations"],
      summary: "List conversations by recent activity (filters, cursor pagination)",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { query: ListQuery },
      responses: { 200: jsonResponse(Page(ConversationDto), "conversations"), ...problemResponses },
    }),
    async (c) => c.json(await listConversations(c.var.ctx, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      summary: "Get a conversation",
      tags: ["conversations"],
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(ConversationDto, "conversation"), ...problemResponses },
    }),
    async (c) => c.json(toConversationDto(await getConversation(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/messages",
      tags: ["conversations"],
      summary: "Messages in seq order (notes included unless includeNotes=false)",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: Param, query: MessagesQuery },
      responses: { 200: jsonResponse(Page(MessageDto), "messages"), ...problemResponses },
    }),
    async (c) => c.json(await listMessages(c.var.ctx, c.req.valid("param").id, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/export",
      tags: ["conversations"],
      summary: "The transcript as JSON or plain text",
      security: sec,
      middleware: [authed("conversations:read")],
      request: { params: Param, query: ExportQuery },
      responses: {
        200: {
          content: {
            "application/json": { schema: z.object({ conversation: ConversationDto, messages: z.array(MessageDto) }) },
            "text/plain": { schema: z.string() },
          },
          description: "transcript",
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const id = c.req.valid("param").id;
      const out = await exportTranscript(c.var.ctx, id, c.req.valid("query"));
      const disposition = `attachment; filename="${id}.${out.kind === "json" ? "json" : "txt"}"`;
      if (out.kind === "json") return c.json(out.body, 200, { "content-disposition": disposition });
      return c.text(out.body, 200, { "content-disposition": disposition });
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/attachments/{attachmentId}",
      tags: ["conversations"],
      summary: "Download a visitor's attachment",
      security: sec,
      middleware: [authed("conversations:read")],
      request: {
        params: Param.extend({
          attachmentId: z
            .string()
            .min(1)
            .max(64)
            .openapi({ param: { name: "attachmentId", in: "path" } }),
        }),
      },
      responses: { 200: { description: "the file" }, ...problemResponses },
    }),
    async (c) => {
      const p = c.req.valid("param");
      return fileResponse(await readConversationAttachment(c.var.ctx, p.id, p.attachmentId));
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}/ws",
      tags: ["conversations"],
      summary: "Operator WebSocket into the live room (?token=<access token>); viewers watch only",
      security: anyOf("socketToken", "bearer"),
      request: { params: Param, query: z.object({ token: z.string().min(1).max(4000).optional() }) },
      responses: {
        101: { description: "switching protocols" },
        400: problemResponses[400],
        404: problemResponses[404],
      },
    }),
    async (c) => {
      requireUpgrade(c.req.raw);
      const principal = await socketPrincipal(c.var.ctx, socketCredential(c.req.raw));
      if (principal instanceof Response) return principal;
      // another tenant's (or a missing) conversation: 404 before the upgrade
      return connectOperator({ ...c.var.ctx, ...principal }, c.req.valid("param").id, c.req.raw);
    },
  );
