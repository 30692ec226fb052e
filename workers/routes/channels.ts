import { createRoute, z } from "@hono/zod-openapi";
import { ensureEmailInbox } from "../domain/channels/email/inbox";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["channels"];

/**
 * /api/channels: the workspace's email address and WhatsApp numbers. Inbound mail arrives through
 * the Worker's email() handler (workers/email.ts), WhatsApp through /hooks/whatsapp/:id.
 */
export const channelRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/email",
    tags,
    summary: "The workspace's inbound email address (made on first use)",
    security: sec,
    middleware: [authed("settings:read")],
    responses: {
      200: jsonResponse(z.object({ address: z.string() }).openapi("EmailChannel"), "address"),
      ...problemResponses,
    },
  }),
  async (c) => c.json(await ensureEmailInbox(c.var.ctx, c.var.ctx.tenantId), 200),
);
