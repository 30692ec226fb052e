import { createRoute, z } from "@hono/zod-openapi";
import { AuditEntryDto, AuditListQuery, listAudit } from "../domain/audit";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];

/** The audit log is read-only over HTTP: no route updates or deletes an entry. */
export const auditRoutes = createRouter().openapi(
  createRoute({
    method: "get",
    path: "/",
    tags: ["audit"],
    summary: "The workspace's audit log, newest first; filter by action, actor and time",
    security: sec,
    middleware: [authed("audit:read")],
    request: { query: AuditListQuery },
    responses: {
      200: jsonResponse(z.object({ data: z.array(AuditEntryDto), nextCursor: z.string().nullable() }), "entries"),
      ...problemResponses,
    },
  }),
  async (c) => c.json(await listAudit(c.var.ctx, c.req.valid("query")), 200),
);
