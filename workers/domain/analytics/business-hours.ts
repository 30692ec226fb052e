import { z } from "@hono/zod-openapi";
import { addDays, isTimeZone, localDate, startOfLocalDay, wallToUtc } from "./range";

/**
 * Business hours (issue 16): a tenant's weekly opening intervals in its time zone, with optional
 * holidays (whole local days closed). Response and resolution times get a business-hours twin that
 * counts only the time inside these hours (`businessMs`), the way Chatwoot's `value_in_business_hours`
 * does. Wall times are local, so a 09:00–17:00 day is 8 h on a DST change day too, and a day open
 * 00:00–24:00 lasts 23 or 25 h then.
 */

export const WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"] as const;
export type Weekday = (typeof WEEKDAYS)[number];
/** Opening intervals per week: a few per day is plenty (split shifts). */
export const MAX_INTERVALS = 42;
/** Holidays kept: a few years of closed days. */
export const MAX_HOLIDAYS = 400;

const HHMM = /^([01]\d|2[0-3]):([0-5]\d)$|^24:00$/;
const minutes = (s: string) => Number(s.slice(0, 2)) * 60 + Number(s.slice(3, 5));

const LocalDay = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "a date as YYYY-MM-DD")
  .refine(
    (s) => !Number.isNaN(Date.parse(`${s}T00:00:00Z`)) && new Date(`${s}T00:00:00Z`).toISOString().startsWith(s),
    {
      message: "not a calendar date",
    },
  );

export const OpeningInterval = z
  .object({
    day: z.enum(WEEKDAYS).openapi({ description: "Weekday (local to `timezone`)" }),
    start: z.string().regex(HHMM, "a time as HH:MM (00:00–23:59)").openapi({ example: "09:00" }),
    end: z.string().regex(HHMM, "a time as HH:MM (00:01–24:00)").openapi({ example: "17:00" }),
  })
  .strict();
export type OpeningInterval = z.infer<typeof OpeningInterval>;

export const BusinessHoursInput = z
  .object({
    timezone: z
      .string()
      .min(1)
      .max(64)
      .refine(isTimeZone, { message: "not an IANA time zone (such as Europe/Paris or America/New_York)" }),
    intervals: z.array(OpeningInterval).min(1, "at least one opening interval").max(MAX_INTERVALS),
    holidays: z.array(LocalDay).max(MAX_HOLIDAYS).default([]),
  })
  .strict()
  .superRefine((v, ctx) => {
    v.intervals.forEach((iv, i) => {
      if (HHMM.test(iv.start) && HHMM.test(iv.end) && minutes(iv.end) <= minutes(iv.start))
        ctx.addIssue({
          code: "custom",
          path: ["intervals", i, "end"],
          message: `${iv.day} ${iv.start}–${iv.end}: the end must be after the start (split a night shift at 24:00)`,
        });
    });
    const valid = v.intervals
      .map((iv, i) => ({ ...iv, i }))
      .filter((iv) => HHMM.test(iv.start) && HHMM.test(iv.end) && minutes(iv.end) > minutes(iv.start));
    for (const a of valid)
      for (const b of valid)
        if (a.i < b.i && a.day === b.day && minutes(a.start) < minutes(b.end) && minutes(b.start) < minutes(a.end))
          ctx.addIssue({
            code: "custom",
            path: ["intervals", b.i],
            message: `${b.day} ${b.start}–${b.end} overlaps ${a.day} ${a.start}–${a.end}`,
          });
  })
  .openapi("BusinessHoursInput");
export type BusinessHoursInput = z.input<typeof BusinessHoursInput>;

export type BusinessHours = { timezone: string; intervals: OpeningInterval[]; holidays: string[] };

export const BusinessHoursDto = z
  .object({
    businessHours: z
      .object({
        timezone: z.string(),
        intervals: z.array(OpeningInterval),
        holidays: z.array(z.string()),
        updatedAt: z.string(),
      })
      .nullable()
      .openapi({ description: "null: not set (analytics reports no business-hours twins)" }),
  })
  .openapi("BusinessHours");
export type BusinessHoursDto = z.infer<typeof BusinessHoursDto>;

/** Weekday of a local date, as in WEEKDAYS. */
function weekdayOf(date: string): Weekday {
  return WEEKDAYS[(new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7]!;
}

/**
 * A calendar for repeated questions: each local day's open windows (epoch ms) are computed once.
 * `businessMs(t0, t1)` = the time in [t0, t1) that falls inside an opening interval on a day that is
 * not a holiday.
 */
export class BusinessCalendar {
  private readonly days = new Map<string, [number, number][]>();
  private readonly byDay = new Map<Weekday, [number, number][]>();
  private readonly holidays: Set<string>;
  constructor(readonly hours: BusinessHours) {
    this.holidays = new Set(hours.holidays);
    for (const iv of hours.intervals) {
      const list = this.byDay.get(iv.day) ?? [];
      list.push([minutes(iv.start), minutes(iv.end)]);
      this.byDay.set(iv.day, list);
    }
  }

  /** The open windows of a local date, in epoch ms. */
  windows(date: string): [number, number][] {
    let w = this.days.get(date);
    if (!w) {
      const tz = this.hours.timezone;
      w = this.holidays.has(date)
        ? []
        : (this.byDay.get(weekdayOf(date)) ?? []).map(([s, e]) => [wallToUtc(date, s, tz), wallToUtc(date, e, tz)]);
      this.days.set(date, w);
    }
    return w;
  }

  /** Every open window of the prepared days in time order, and the open time before each. */
  private table?: { from: number; to: number; starts: number[]; ends: number[]; before: number[] };

  /**
   * Lays out the open windows of every local day from `from`'s to `to`'s once, so `businessMs` of a
   * span inside them is two binary searches (a report asks it for thousands of events) instead of
   * a walk over its days with time-zone conversions. Spans outside fall back to the walk.
   */
  prepare(from: number, to: number): this {
    if (!(to > from)) return this;
    const tz = this.hours.timezone;
    const last = localDate(to, tz);
    const starts: number[] = [];
    const ends: number[] = [];
    const before: number[] = [];
    let open = 0;
    let d = localDate(from, tz);
    for (let guard = 0; d <= last && guard < MAX_SPAN_DAYS; d = addDays(d, 1), guard++)
      for (const [s, e] of [...this.windows(d)].sort((x, y) => x[0] - y[0])) {
        starts.push(s);
        ends.push(e);
        before.push(open);
        open += e - s;
      }
    // covered: from the start of the first local day up to `to` (or where the guard stopped)
    this.table = { from, to: d <= last ? Math.min(to, startOfLocalDay(d, tz)) : to, starts, ends, before };
    return this;
  }

  /** Open time in the prepared windows before `t`. */
  private openBefore(t: number): number {
    const { starts, ends, before } = this.table!;
    let lo = 0;
    let hi = starts.length;
    // the number of windows starting at or before t
    while (lo < hi) {
      const mid = (lo + hi) >> 1;
      if (starts[mid]! <= t) lo = mid + 1;
      else hi = mid;
    }
    if (lo === 0) return 0;
    const i = lo - 1;
    return before[i]! + Math.min(t, ends[i]!) - starts[i]!;
  }

  businessMs(t0: number, t1: number): number {
    if (!(t1 > t0)) return 0;
    const tb = this.table;
    if (tb && t0 >= tb.from && t1 <= tb.to) return this.openBefore(t1) - this.openBefore(t0);
    const tz = this.hours.timezone;
    const last = localDate(t1, tz);
    let total = 0;
    // a window never leaves its local day, so the days from t0's to t1's cover every overlap
    for (let d = localDate(t0, tz), guard = 0; d <= last && guard < MAX_SPAN_DAYS; d = addDays(d, 1), guard++)
      for (const [s, e] of this.windows(d)) total += Math.max(0, Math.min(e, t1) - Math.max(s, t0));
    return total;
  }
}

/** Longest span measured day by day (a conversation left open for years counts its first ~3). */
export const MAX_SPAN_DAYS = 1100;

/** Business milliseconds between t0 and t1 in the hours' time zone (pure; see BusinessCalendar). */
export function businessMs(t0: number, t1: number, hours: BusinessHours): number {
  return new BusinessCalendar(hours).businessMs(t0, t1);
}
