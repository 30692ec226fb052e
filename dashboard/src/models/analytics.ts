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

/** The workspace's business hours (PUT /api/settings/business-hours); analytics reports times in them too. */
export type OpeningInterval = {
  day: "mon" | "tue" | "wed" | "thu" | "fri" | "sat" | "sun";
  start: string;
  end: string;
};
export type BusinessHours = { timezone: string; intervals: OpeningInterval[]; holidays: string[]; updatedAt?: string };

export const businessHoursApi = {
  get: () => get<{ businessHours: BusinessHours | null }>("/api/settings/business-hours"),
  save: (b: Omit<BusinessHours, "updatedAt">) =>
    request<{ businessHours: BusinessHours | null }>("PUT", "/api/settings/business-hours", { body: b }),
  remove: () => request<{ businessHours: null }>("DELETE", "/api/settings/business-hours"),
};

/** Intervals as editable lines: "mon 09:00-17:00", one per line. */
export const intervalsText = (list: OpeningInterval[]) => list.map((i) => `${i.day} ${i.start}-${i.end}`).join("\n");

/**
 * Lines back to intervals. A line the form cannot read becomes an interval the server refuses with
 * a message naming it (the server is the one judge of validity: zone, times, overlaps).
 */
export function parseIntervals(text: string): OpeningInterval[] {
  return text
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean)
    .map((l) => {
      const m = /^([a-z]{3})\s+(\S+?)\s*[-–]\s*(\S+)$/i.exec(l);
      const day = (m?.[1]?.toLowerCase() ?? l) as OpeningInterval["day"];
      return { day, start: m?.[2] ?? "", end: m?.[3] ?? "" };
    });
}
