import { createRoute, z } from "@hono/zod-openapi";
import { importConversations } from "../domain/imports/conversations";
import { ImportQuery, ImportReportDto } from "../domain/imports/schemas";
import { Invalid } from "../lib/errors";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

/**
 * /api/imports (seed 004): `POST /api/imports?type=conversations` with a multipart form whose
 * `file` is a CSV of past conversations, one row per message (columns: domain/imports/schemas.ts).
 * Bulk-writing a workspace's history is an admin's act: `settings:write`.
 */
export const importRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["imports"],
    summary: "Import past conversations from a CSV (multipart field `file`); idempotent by conversation_id",
    security: [{ bearer: [] }],
    middleware: [authed("settings:write")],
    request: {
      query: ImportQuery,
      body: {
        required: true,
        description: "multipart/form-data with `file`: a CSV, one row per message",
        content: { "multipart/form-data": { schema: z.object({ file: z.any() }) } },
      },
    },
    responses: { 200: jsonResponse(ImportReportDto, "what was imported, skipped and refused"), ...problemResponses },
  }),
  async (c) => {
    const type = c.req.header("content-type") ?? "";
    if (!type.startsWith("multipart/form-data"))
      throw new Invalid("send a multipart form with the CSV as `file`", [{ path: "file", message: "missing" }]);
    const form = await c.req.parseBody();
    const file = form.file;
    if (!(file instanceof File)) throw new Invalid("the form has no file", [{ path: "file", message: "missing" }]);
    const bytes = file.size;
    let csv: string;
    try {
      csv = new TextDecoder("utf-8", { fatal: true }).decode(await file.arrayBuffer());
    } catch {
      throw new Invalid("the file is not UTF-8 text", [{ path: "file", message: "save the CSV as UTF-8" }]);
    }
    return c.json(await importConversations(c.var.ctx, { csv, bytes, query: c.req.valid("query") }), 200);
  },
);
