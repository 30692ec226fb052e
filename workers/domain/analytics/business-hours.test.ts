import { describe, expect, it } from "vitest";
import { BusinessCalendar, BusinessHoursInput, businessMs, type BusinessHours, type Weekday } from "./business-hours";
import { wallToUtc } from "./range";

const H = 3_600_000;
const M = 60_000;
const at = (iso: string) => Date.parse(iso);

const weekdays = (start: string, end: string, days: Weekday[] = ["mon", "tue", "wed", "thu", "fri"]) =>
  days.map((day) => ({ day, start, end }));

const paris = (extra: Partial<BusinessHours> = {}): BusinessHours => ({
  timezone: "Europe/Paris",
  intervals: weekdays("09:00", "17:00"),
  holidays: [],
  ...extra,
});

describe("businessMs", () => {
  it("counts only the open hours of a weekday, in the zone's wall time", () => {
    // Tue 2026-01-13: 08:00–10:30 Paris (UTC+1) overlaps 09:00–17:00 by 1.5 h
    expect(businessMs(at("2026-01-13T07:00:00Z"), at("2026-01-13T09:30:00Z"), paris())).toBe(1.5 * H);
    // entirely after closing
    expect(businessMs(at("2026-01-13T17:00:00Z"), at("2026-01-13T20:00:00Z"), paris())).toBe(0);
    // an empty or backwards span
    expect(businessMs(at("2026-01-13T10:00:00Z"), at("2026-01-13T10:00:00Z"), paris())).toBe(0);
    expect(businessMs(at("2026-01-13T12:00:00Z"), at("2026-01-13T10:00:00Z"), paris())).toBe(0);
  });

  it("skips a weekend: Friday 16:00 → Monday 10:00 is 2 business hours", () => {
    // Fri 2026-01-16 16:00 Paris = 15:00Z; Mon 2026-01-19 10:00 Paris = 09:00Z
    expect(businessMs(at("2026-01-16T15:00:00Z"), at("2026-01-19T09:00:00Z"), paris())).toBe(2 * H);
    // a whole week is 5 × 8 h
    expect(businessMs(at("2026-01-12T00:00:00Z"), at("2026-01-19T00:00:00Z"), paris())).toBe(40 * H);
  });

  it("skips holidays: with Monday closed the same span is 1 h on Friday, Tuesday adds its hour", () => {
    const hours = paris({ holidays: ["2026-01-19"] });
    expect(businessMs(at("2026-01-16T15:00:00Z"), at("2026-01-19T09:00:00Z"), hours)).toBe(1 * H);
    expect(businessMs(at("2026-01-16T15:00:00Z"), at("2026-01-20T09:00:00Z"), hours)).toBe(2 * H);
  });

  it("uses split shifts and another zone (New York, UTC−5 in January)", () => {
    const ny: BusinessHours = {
      timezone: "America/New_York",
      intervals: [...weekdays("09:00", "12:00"), ...weekdays("13:00", "17:00")],
      holidays: [],
    };
    // Mon 2026-01-12 08:00–14:00 New York = 13:00Z–19:00Z: 3 h morning + 1 h afternoon
    expect(businessMs(at("2026-01-12T13:00:00Z"), at("2026-01-12T19:00:00Z"), ny)).toBe(4 * H);
  });

  it("Europe/Paris spring forward (Sun 2026-03-29, 02:00 → 03:00): an open day lasts 23 h", () => {
    const allWeek = paris({ intervals: [{ day: "sun", start: "00:00", end: "24:00" }] });
    // Sat 12:00 → Mon 12:00 local: only Sunday counts, and Sunday has 23 hours
    expect(businessMs(at("2026-03-28T11:00:00Z"), at("2026-03-30T10:00:00Z"), allWeek)).toBe(23 * H);
    // 01:00–04:00 wall time spans the skipped hour: 2 real hours (00:00Z → 02:00Z)
    const night = paris({ intervals: [{ day: "sun", start: "01:00", end: "04:00" }] });
    expect(businessMs(at("2026-03-28T00:00:00Z"), at("2026-03-30T00:00:00Z"), night)).toBe(2 * H);
    // a 09:00–17:00 day is still 8 h, at the new offset (UTC+2: 07:00Z–15:00Z)
    const sunday = paris({ intervals: [{ day: "sun", start: "09:00", end: "17:00" }] });
    expect(businessMs(at("2026-03-29T06:00:00Z"), at("2026-03-29T08:00:00Z"), sunday)).toBe(1 * H);
    expect(businessMs(at("2026-03-29T00:00:00Z"), at("2026-03-30T00:00:00Z"), sunday)).toBe(8 * H);
  });

  it("Europe/Paris fall back (Sun 2026-10-25, 03:00 → 02:00): an open day lasts 25 h", () => {
    const allWeek = paris({ intervals: [{ day: "sun", start: "00:00", end: "24:00" }] });
    expect(businessMs(at("2026-10-24T00:00:00Z"), at("2026-10-27T00:00:00Z"), allWeek)).toBe(25 * H);
    // 01:00–04:00 wall time lives 02:00–03:00 twice: 4 real hours (23:00Z Sat → 03:00Z)
    const night = paris({ intervals: [{ day: "sun", start: "01:00", end: "04:00" }] });
    expect(businessMs(at("2026-10-24T00:00:00Z"), at("2026-10-26T00:00:00Z"), night)).toBe(4 * H);
  });

  it("America/New_York spring forward (Sun 2026-03-08): an interval starting in the skipped hour starts at 03:00", () => {
    const ny: BusinessHours = {
      timezone: "America/New_York",
      intervals: [{ day: "sun", start: "02:30", end: "05:00" }],
      holidays: [],
    };
    // 02:30 does not exist: the window opens when the clock jumps (07:00Z = 03:00 EDT), closes 05:00 EDT = 09:00Z
    expect(wallToUtc("2026-03-08", 150, "America/New_York")).toBe(at("2026-03-08T07:00:00Z"));
    expect(businessMs(at("2026-03-07T00:00:00Z"), at("2026-03-09T00:00:00Z"), ny)).toBe(2 * H);
    // the hour before: 01:30 EST = 06:30Z
    expect(wallToUtc("2026-03-08", 90, "America/New_York")).toBe(at("2026-03-08T06:30:00Z"));
  });

  it("a long span adds the days in between (three weeks of 8 h weekdays, one holiday)", () => {
    const hours = paris({ holidays: ["2026-02-04"] });
    const t0 = at("2026-02-02T08:00:00Z"); // Mon 09:00 Paris
    const t1 = at("2026-02-20T16:00:00Z"); // Fri 17:00 Paris
    expect(businessMs(t0, t1, hours)).toBe((15 - 1) * 8 * H);
    expect(businessMs(t0 + 30 * M, t1 - 30 * M, hours)).toBe((14 * 8 - 1) * H);
  });

  it("a prepared calendar (binary search over laid-out windows) answers exactly what the day walk does", () => {
    let seed = 5;
    const rand = () => (seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31;
    const zones: BusinessHours[] = [
      paris({ holidays: ["2026-03-30", "2026-12-25"] }),
      {
        timezone: "America/New_York",
        intervals: [
          ...weekdays("08:00", "12:00"),
          ...weekdays("13:00", "18:30"),
          { day: "sun", start: "02:30", end: "03:30" },
        ],
        holidays: ["2026-11-26"],
      },
      { timezone: "Asia/Kolkata", intervals: weekdays("00:00", "24:00", ["sat", "sun"]), holidays: [] },
    ];
    const from = at("2026-01-01T00:00:00Z");
    const to = at("2026-12-31T00:00:00Z");
    for (const hours of zones) {
      const prepared = new BusinessCalendar(hours).prepare(from, to);
      for (let i = 0; i < 400; i++) {
        const t0 = from + Math.floor(rand() * (to - from));
        // spans from minutes to weeks, some ending past the prepared days (then walked)
        const t1 = t0 + Math.floor(rand() ** 3 * 40 * 24 * H);
        expect([hours.timezone, t0, t1, prepared.businessMs(t0, t1)]).toEqual([
          hours.timezone,
          t0,
          t1,
          businessMs(t0, t1, hours),
        ]);
      }
    }
  });
});

describe("BusinessHoursInput", () => {
  const ok = { timezone: "Europe/Paris", intervals: weekdays("09:00", "17:00") };

  it("accepts weekly intervals, holidays default to none", () => {
    expect(BusinessHoursInput.parse(ok)).toEqual({ ...ok, holidays: [] });
    expect(
      BusinessHoursInput.safeParse({ ...ok, intervals: [{ day: "sat", start: "00:00", end: "24:00" }] }).success,
    ).toBe(true);
  });

  it("refuses a bad time zone, overlaps, backwards or malformed times, bad holidays, unknown keys", () => {
    const issues = (v: unknown) => {
      const r = BusinessHoursInput.safeParse(v);
      return r.success ? [] : r.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`);
    };
    expect(issues({ ...ok, timezone: "Mars/Olympus" })).toEqual([
      "timezone: not an IANA time zone (such as Europe/Paris or America/New_York)",
    ]);
    expect(
      issues({
        ...ok,
        intervals: [
          { day: "mon", start: "09:00", end: "12:00" },
          { day: "tue", start: "11:00", end: "17:00" },
          { day: "mon", start: "11:30", end: "17:00" },
        ],
      }),
    ).toEqual(["intervals.2: mon 11:30–17:00 overlaps mon 09:00–12:00"]);
    expect(issues({ ...ok, intervals: [{ day: "mon", start: "17:00", end: "09:00" }] })).toEqual([
      "intervals.0.end: mon 17:00–09:00: the end must be after the start (split a night shift at 24:00)",
    ]);
    expect(issues({ ...ok, intervals: [{ day: "mon", start: "9:00", end: "25:00" }] })).toHaveLength(2);
    expect(issues({ ...ok, intervals: [] })).toEqual(["intervals: at least one opening interval"]);
    expect(issues({ ...ok, holidays: ["2026-02-30"] })).toEqual(["holidays.0: not a calendar date"]);
    expect(issues({ ...ok, intervals: [{ day: "someday", start: "09:00", end: "10:00" }] })).toHaveLength(1);
    expect(issues({ ...ok, extra: true })).toHaveLength(1);
  });
});
