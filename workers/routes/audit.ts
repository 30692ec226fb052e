import { createRoute, z } from "@hono/zod-openapi";
import { AuditEntryDto, AuditListQuery, exportAudit, listAudit } from "../domain/audit";
import { auditCsv } from "../domain/audit/csv";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const ExportQuery = AuditListQuery.omit({ cursor: true, limit: true }).extend({
  format: z.enum(["csv", "json"]).default("csv"),
});

/** The audit log is read-only over HTTP: no route updates or deletes an entry. */
export const auditRoutes = createRouter()
  .openapi(
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
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/export",
      tags: ["audit"],
      summary: "Every matching entry (up to 10,000) as CSV (`format=csv`, the default) or JSON",
      security: sec,
      middleware: [authed("audit:export")],
      request: { query: ExportQuery },
      responses: {
        200: {
          content: { "text/csv": { schema: z.string() }, "application/json": { schema: z.array(AuditEntryDto) } },
          description: "the export",
        },
        ...problemResponses,
      },
    }),
    async (c) => {
      const { format, ...q } = c.req.valid("query");
      const entries = await exportAudit(c.var.ctx, q);
      const name = `audit-${new Date(c.var.ctx.clock.now()).toISOString().slice(0, 10)}`;
      if (format === "json") {
        c.header("content-disposition", `attachment; filename="${name}.json"`);
        return c.json(entries, 200);
      }
      return c.body(auditCsv(entries), 200, {
        "content-type": "text/csv; charset=utf-8",
        "content-disposition": `attachment; filename="${name}.csv"`,
      });
    },
  );
