import { createRoute, z } from "@hono/zod-openapi";
import type { Context } from "hono";
import {
  AnalyticsQuery,
  BusinessHoursDto,
  BusinessHoursInput,
  clearBusinessHours,
  getBusinessHours,
  saveBusinessHours,
  getAnalyticsQuestions,
  getAnalyticsSummary,
  getAnalyticsTimeseries,
  QuestionsDto,
  questionsCsv,
  SummaryDto,
  summaryCsv,
  TimeseriesDto,
  TimeseriesQuery,
  timeseriesCsv,
} from "../domain/analytics";
import { CallCostsDto, callCostsCsv, getCallCosts } from "../domain/analytics/calls";
import type { AppEnv } from "../env";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];

const both = <T extends z.ZodType>(schema: T, description: string) => ({
  content: { "application/json": { schema }, "text/csv": { schema: z.string() } },
  description,
});

/** CSV when asked by `?format=csv` or `Accept: text/csv`; JSON otherwise. */
function reply<T>(
  c: Context<AppEnv>,
  format: "json" | "csv" | undefined,
  body: T,
  csv: (b: T) => string,
  name: string,
) {
  const wantsCsv = format === "csv" || (format === undefined && /\btext\/csv\b/i.test(c.req.header("accept") ?? ""));
  if (!wantsCsv) return c.json(body as object, 200);
  return c.body(csv(body), 200, {
    "content-type": "text/csv; charset=utf-8",
    "content-disposition": `attachment; filename="analytics-${name}.csv"`,
  });
}

/** Reports derived from conversation events (docs/analytics.md); tenant-scoped, `analytics:read`. */
export const analyticsRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/calls",
      tags: ["analytics"],
      summary: "Voice cost: calls, minutes and provider cost per currency, in total, per bot and per month",
      security: sec,
      middleware: [authed("analytics:read")],
      request: { query: AnalyticsQuery },
      responses: { 200: both(CallCostsDto, "voice cost"), ...problemResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return reply(c, q.format, await getCallCosts(c.var.ctx, q), callCostsCsv, "calls") as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/summary",
      tags: ["analytics"],
      summary:
        "Headline metrics for a range: AI involvement and resolution, hand-offs, response times, CSAT, volume, voice",
      security: sec,
      middleware: [authed("analytics:read")],
      request: { query: AnalyticsQuery },
      responses: { 200: both(SummaryDto, "the summary"), ...problemResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return reply(c, q.format, await getAnalyticsSummary(c.var.ctx, q), summaryCsv, "summary") as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/timeseries",
      tags: ["analytics"],
      summary: "One metric per local day or ISO week in the range",
      security: sec,
      middleware: [authed("analytics:read")],
      request: { query: TimeseriesQuery },
      responses: { 200: both(TimeseriesDto, "the series"), ...problemResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return reply(c, q.format, await getAnalyticsTimeseries(c.var.ctx, q), timeseriesCsv, q.metric) as never;
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/questions",
      tags: ["analytics"],
      summary: "Common questions (categories and grouped first questions) and knowledge gaps (abstentions, hand-offs)",
      security: sec,
      middleware: [authed("analytics:read")],
      request: { query: AnalyticsQuery },
      responses: { 200: both(QuestionsDto, "topics and gaps"), ...problemResponses },
    }),
    async (c) => {
      const q = c.req.valid("query");
      return reply(c, q.format, await getAnalyticsQuestions(c.var.ctx, q), questionsCsv, "questions") as never;
    },
  );

/**
 * The tenant's business hours (issue 16), mounted at /api/settings/business-hours like the other
 * workspace settings: analytics reports response and resolution times inside them too.
 */
export const businessHoursRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags: ["analytics"],
      summary: "The workspace's business hours (null: not set)",
      security: sec,
      middleware: [authed("settings:read")],
      responses: { 200: jsonResponse(BusinessHoursDto, "business hours"), ...problemResponses },
    }),
    async (c) => c.json(await getBusinessHours(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "put",
      path: "/",
      tags: ["analytics"],
      summary:
        "Set the business hours: an IANA time zone, weekly opening intervals (no overlaps, end after start) and closed days",
      security: sec,
      middleware: [authed("settings:write")],
      request: { body: jsonBody(BusinessHoursInput) },
      responses: { 200: jsonResponse(BusinessHoursDto, "saved"), ...problemResponses },
    }),
    async (c) => c.json(await saveBusinessHours(c.var.ctx, c.req.valid("json")), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/",
      tags: ["analytics"],
      summary: "Remove the business hours (analytics stops reporting business-hours twins)",
      security: sec,
      middleware: [authed("settings:write")],
      responses: { 200: jsonResponse(BusinessHoursDto, "removed"), ...problemResponses },
    }),
    async (c) => c.json(await clearBusinessHours(c.var.ctx), 200),
  );
