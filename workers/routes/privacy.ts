import { createRoute, z } from "@hono/zod-openapi";
import { exportVisitorData, eraseVisitorData } from "../domain/privacy/visitor";
import { getPrivacySettings, savePrivacySettings } from "../domain/privacy/retention";
import { ErasedCounts, PrivacySettingsDto, PrivacySettingsInput, PrivacySubject } from "../domain/privacy/schemas";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["privacy"];

/** A visitor's data exported or erased everywhere, and the workspace's retention period (issue 18). */
export const privacyRoutes = createRouter()
  .openapi(
    createRoute({
      method: "post",
      path: "/export",
      tags,
      summary: "Everything held about a visitor (by email, phone, verified user id or conversation) as JSON",
      security: sec,
      middleware: [authed("privacy:export")],
      request: { body: jsonBody(PrivacySubject) },
      responses: { 200: jsonResponse(z.record(z.string(), z.unknown()), "the archive"), ...problemResponses },
    }),
    async (c) => {
      const archive = await exportVisitorData(c.var.ctx, c.req.valid("json"));
      c.header("content-disposition", `attachment; filename="visitor-export-${archive.exportedAt.slice(0, 10)}.json"`);
      return c.json(archive, 200);
    },
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/erase",
      tags,
      summary: "Erase a visitor's conversations from D1, R2 and the rooms; the audit log keeps the receipt",
      security: sec,
      middleware: [authed("privacy:write")],
      request: { body: jsonBody(PrivacySubject) },
      responses: { 200: jsonResponse(z.object({ erased: ErasedCounts }), "erased"), ...problemResponses },
    }),
    async (c) => c.json(await eraseVisitorData(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/settings",
      summary: "The workspace's retention settings",
      tags,
      security: sec,
      middleware: [authed("settings:read")],
      responses: { 200: jsonResponse(PrivacySettingsDto, "settings"), ...problemResponses },
    }),
    async (c) => c.json(await getPrivacySettings(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/settings",
      tags,
      summary: "Retention: conversations idle longer than this many days are erased by the hourly sweep (null: keep)",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(PrivacySettingsInput) },
      responses: { 200: jsonResponse(PrivacySettingsDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await savePrivacySettings(c.var.ctx, c.req.valid("json")), 200),
  );
