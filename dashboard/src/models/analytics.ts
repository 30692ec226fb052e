/** The analytics client: only the lazy Analytics screen imports it, so the first screen does not carry it. */
import type { z } from "@hono/zod-openapi";
import type { AnalyticsSchemas } from "../../../workers/contracts/dto";
import { request } from "../api";

const get = <T>(path: string) => request<T>("GET", path);

export type AnalyticsSummary = z.infer<typeof AnalyticsSchemas.SummaryDto>;
export type AnalyticsSeries = z.infer<typeof AnalyticsSchemas.TimeseriesDto>;
export type AnalyticsQuestions = z.infer<typeof AnalyticsSchemas.QuestionsDto>;
export type AnalyticsMetric = AnalyticsSeries["metric"];
export type AnalyticsFilter = { from: string; to: string; tz: string; botId?: string; channel?: string };

const analyticsQs = (f: AnalyticsFilter, extra: Record<string, string> = {}) =>
  new URLSearchParams(
    Object.entries({ ...f, ...extra }).filter((e): e is [string, string] => typeof e[1] === "string" && e[1] !== ""),
  ).toString();

export const analyticsApi = {
  summary: (f: AnalyticsFilter) => get<AnalyticsSummary>(`/api/analytics/summary?${analyticsQs(f)}`),
  timeseries: (f: AnalyticsFilter, metric: AnalyticsMetric, interval: "day" | "week") =>
    get<AnalyticsSeries>(`/api/analytics/timeseries?${analyticsQs(f, { metric, interval })}`),
  questions: (f: AnalyticsFilter) => get<AnalyticsQuestions>(`/api/analytics/questions?${analyticsQs(f)}`),
  /** A report as CSV text (a link cannot carry the bearer token, so the page fetches it and saves a blob). */
  csv: (report: "summary" | "questions", f: AnalyticsFilter) =>
    request<string>("GET", `/api/analytics/${report}?${analyticsQs(f, { format: "csv" })}`, { text: true }),
};
