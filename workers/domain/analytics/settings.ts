import { audit } from "../audit";
import type { Ctx } from "../ctx";
import {
  BusinessCalendar,
  BusinessHoursInput,
  OpeningInterval,
  WEEKDAYS,
  type BusinessHours,
  type BusinessHoursDto,
} from "./business-hours";
import { z } from "@hono/zod-openapi";

/** Stored JSON is re-read through a schema (a row written by hand must not break the reports). */
const Stored = z.object({ intervals: z.array(OpeningInterval), holidays: z.array(z.string()) });

const order = (a: z.infer<typeof OpeningInterval>, b: z.infer<typeof OpeningInterval>) =>
  WEEKDAYS.indexOf(a.day) - WEEKDAYS.indexOf(b.day) || a.start.localeCompare(b.start);

/** The tenant's business hours as analytics uses them, or null when not set. */
export async function businessHoursOf(ctx: Pick<Ctx, "repos" | "tenantId">): Promise<BusinessHours | null> {
  const row = await ctx.repos.analytics.businessHours(ctx.tenantId);
  if (!row) return null;
  const parsed = Stored.safeParse({ intervals: row.intervals, holidays: row.holidays });
  if (!parsed.success) return null;
  return { timezone: row.timezone, ...parsed.data };
}

/** A calendar over the tenant's business hours, or undefined when not set. */
export async function businessCalendarOf(ctx: Pick<Ctx, "repos" | "tenantId">) {
  const hours = await businessHoursOf(ctx);
  return hours ? new BusinessCalendar(hours) : undefined;
}

/** GET /api/settings/business-hours */
export async function getBusinessHours(ctx: Ctx): Promise<BusinessHoursDto> {
  const row = await ctx.repos.analytics.businessHours(ctx.tenantId);
  const hours = await businessHoursOf(ctx);
  return { businessHours: row && hours ? { ...hours, updatedAt: row.updatedAt.toISOString() } : null };
}

/** PUT /api/settings/business-hours: replaces the setting (validated by BusinessHoursInput first). */
export async function saveBusinessHours(ctx: Ctx, input: BusinessHoursInput): Promise<BusinessHoursDto> {
  const v = BusinessHoursInput.parse(input);
  const before = await businessHoursOf(ctx);
  const row = await ctx.repos.analytics.putBusinessHours({
    tenantId: ctx.tenantId,
    timezone: v.timezone,
    intervals: [...v.intervals].sort(order),
    holidays: [...new Set(v.holidays)].sort(),
    updatedAt: new Date(ctx.clock.now()),
  });
  await audit(
    ctx,
    "settings.business_hours_changed",
    { type: "settings", id: "business_hours" },
    {
      timezone: { from: before?.timezone ?? null, to: row.timezone },
      intervals: row.intervals.length,
      holidays: row.holidays.length,
    },
  );
  return getBusinessHours(ctx);
}

/** DELETE /api/settings/business-hours: analytics stops reporting business-hours twins. */
export async function clearBusinessHours(ctx: Ctx): Promise<BusinessHoursDto> {
  if (await ctx.repos.analytics.deleteBusinessHours(ctx.tenantId))
    await audit(ctx, "settings.business_hours_changed", { type: "settings", id: "business_hours" }, { cleared: true });
  return { businessHours: null };
}
