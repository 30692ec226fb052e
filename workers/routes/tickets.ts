import { createRoute, z } from "@hono/zod-openapi";
import { conversationOfTicket, draftReply, summarizeConversation } from "../domain/triage/drafts";
import { TicketCreateInput, TicketDto, TicketEventDto, TicketPatch, TicketQuery } from "../domain/triage/schemas";
import { createTicket, getTicket, listTickets, updateTicket } from "../domain/triage/tickets";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { DraftDto, SummaryDto } from "./triage-conversations";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const Param = IdParam("tkt");
const TicketWithEvents = TicketDto.extend({ events: z.array(TicketEventDto) }).openapi("TicketWithEvents");

export const ticketRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["tickets"],
      summary: "List tickets, newest first, with filters",
      security: sec,
      middleware: [authed("tickets:read")],
      request: { query: TicketQuery },
      responses: {
        200: jsonResponse(z.object({ data: z.array(TicketDto), nextCursor: z.string().nullable() }), "tickets"),
        ...problemResponses,
      },
    }),
    async (c) => c.json(await listTickets(c.var.ctx, c.req.valid("query")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/",
      tags: ["tickets"],
      summary: "Open a ticket for a conversation (priority, SLA and routing as on escalation)",
      security: sec,
      middleware: [authed("tickets:write")],
      request: { body: jsonBody(TicketCreateInput) },
      responses: { 201: jsonResponse(TicketDto, "created"), 409: problemResponses[404], ...problemResponses },
    }),
    async (c) => c.json(await createTicket(c.var.ctx, c.req.valid("json")), 201),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/{id}",
      tags: ["tickets"],
      summary: "A ticket with its event history",
      security: sec,
      middleware: [authed("tickets:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(TicketWithEvents, "ticket"), ...problemResponses },
    }),
    async (c) => c.json(await getTicket(c.var.ctx, c.req.valid("param").id), 200),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/{id}",
      tags: ["tickets"],
      summary: "Change status, priority (due times follow), assignee, category (teaches the classifier) or subject",
      security: sec,
      middleware: [authed("tickets:write")],
      request: { params: Param, body: jsonBody(TicketPatch) },
      responses: { 200: jsonResponse(TicketWithEvents, "updated"), ...problemResponses },
    }),
    async (c) => c.json(await updateTicket(c.var.ctx, c.req.valid("param").id, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/draft",
      tags: ["tickets"],
      summary: "Draft a reply to the ticket's conversation",
      security: sec,
      middleware: [authed("tickets:write")],
      request: { params: Param },
      responses: { 200: jsonResponse(DraftDto, "draft"), ...problemResponses },
    }),
    async (c) =>
      c.json(await draftReply(c.var.ctx, await conversationOfTicket(c.var.ctx, c.req.valid("param").id)), 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/{id}/summary",
      tags: ["tickets"],
      summary: "One-paragraph summary of the ticket's conversation",
      security: sec,
      middleware: [authed("tickets:read")],
      request: { params: Param },
      responses: { 200: jsonResponse(SummaryDto, "summary"), ...problemResponses },
    }),
    async (c) =>
      c.json(
        await summarizeConversation(c.var.ctx, await conversationOfTicket(c.var.ctx, c.req.valid("param").id)),
        200,
      ),
  );
