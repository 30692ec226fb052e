import { createRoute, z } from "@hono/zod-openapi";
import { listOutbox } from "../domain/mail/outbox";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const OutboxMail = z
  .object({
    to: z.string(),
    subject: z.string(),
    text: z.string(),
    html: z.string(),
    headers: z.record(z.string(), z.string()),
    messageId: z.string(),
    sentAt: z.string(),
  })
  .openapi("OutboxMail");

export const outboxRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["outbox"],
    summary: "Mail sent through the local outbox, newest first",
    security: [{ bearer: [] }],
    middleware: [authed("settings:read")],
    responses: { 200: jsonResponse(z.object({ data: z.array(OutboxMail) }), "mail"), ...problemResponses },
  }),
  async (c) => c.json({ data: await listOutbox(c.var.ctx) }, 200),
);
