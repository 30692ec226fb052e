import { createRoute, z } from "@hono/zod-openapi";
import { connectInbox } from "../domain/conversations/sockets";
import { createRouter, problemResponses, anyOf } from "../lib/http";
import { requireUpgrade, socketCredential, socketPrincipal } from "./socket-upgrade";

/** The operators' live inbox feed (TenantHub): coarse conversation events, presence. */
export const inboxRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/ws",
    tags: ["conversations"],
    summary:
      "Inbox WebSocket (?token=<access token>): conversation.created/message/mode/assigned/closed, call.state, presence",
    security: anyOf("socketToken", "bearer"),
    request: { query: z.object({ token: z.string().min(1).max(4000).optional() }) },
    responses: { 101: { description: "switching protocols" }, 400: problemResponses[400] },
  }),
  async (c) => {
    requireUpgrade(c.req.raw);
    const principal = await socketPrincipal(c.var.ctx, socketCredential(c.req.raw));
    if (principal instanceof Response) return principal;
    return connectInbox({ ...c.var.ctx, ...principal }, c.req.raw);
  },
);
