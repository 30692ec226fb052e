import { createRoute, z } from "@hono/zod-openapi";
import { createMiddleware } from "hono/factory";
import { importConversations } from "../domain/imports/conversations";
import { importQa } from "../domain/imports/qa";
import { ImportQuery, ImportReportDto } from "../domain/imports/schemas";
import { Invalid } from "../lib/errors";
import { createRouter, jsonResponse, problemResponses } from "../lib/http";
import type { AppEnv } from "../env";
import { authed } from "./middleware";

/** Past conversations are a workspace's history (`settings:write`); Q&A pairs are knowledge (`knowledge:write`). */
const importAuth = {
  conversations: authed("settings:write"),
  qa: authed("knowledge:write"),
};
const authedForType = createMiddleware<AppEnv>((c, next) =>
  (c.req.query("type") === "qa" ? importAuth.qa : importAuth.conversations)(c, next),
);

/**
 * /api/imports (seed 004): `POST /api/imports?type=conversations` with a multipart form whose
 * `file` is a CSV of past conversations, one row per message, or `?type=qa` with question/answer
 * pairs for knowledge (columns: domain/imports/schemas.ts). Bulk-writing a workspace's history is an
 * admin's act (`settings:write`); Q&A pairs need what adding knowledge needs (`knowledge:write`).
 */
export const importRoutes = createRouter().openapi(
  createRoute({
    method: "post",
    path: "/",
    tags: ["imports"],
    summary:
      "Import past conversations (type=conversations, idempotent by conversation_id) or knowledge Q&A pairs (type=qa) from a CSV (multipart field `file`)",
    security: [{ bearer: [] }],
    middleware: [authedForType],
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
    const query = c.req.valid("query");
    const run = query.type === "qa" ? importQa : importConversations;
    return c.json(await run(c.var.ctx, { csv, bytes, query }), 200);
  },
);
