/**
 * Calendar arithmetic in a tenant's time zone with the platform's Intl (no tz database shipped):
 * reports take `from`/`to` as local dates and bucket events by local day, week and hour of week.
 */

const DAY_MS = 86_400_000;

/** Whether `tz` is an IANA time zone the runtime knows ("UTC", "Europe/Berlin"). */
export function isTimeZone(tz: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function partsOf(ms: number, tz: string) {
  let f = formatters.get(tz);
  if (!f) {
    f = new Intl.DateTimeFormat("en-US", {
      timeZone: tz,
      hourCycle: "h23",
      year: "numeric",
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      weekday: "short",
    });
    formatters.set(tz, f);
  }
  const p: Record<string, string> = {};
  for (const x of f.formatToParts(new Date(ms))) p[x.type] = x.value;
  return p;
}

/** The zone's offset from UTC at `ms`, in ms (positive east of Greenwich). */
export function offsetAt(ms: number, tz: string): number {
  const p = partsOf(ms, tz);
  const asUtc = Date.UTC(+p.year!, +p.month! - 1, +p.day!, +p.hour!, +p.minute!, +p.second!);
  return asUtc - (ms - (ms % 1000));
}

/** Epoch ms of local midnight starting `date` ("YYYY-MM-DD") in `tz`. */
export function startOfLocalDay(date: string, tz: string): number {
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y!, m! - 1, d!);
  // two passes settle a DST change between the guess and the answer
  let t = guess - offsetAt(guess, tz);
  t = guess - offsetAt(t, tz);
  return t;
}

/**
 * Epoch ms of a local wall time (`minutes` after local midnight of `date`, 0–1440) in `tz`. 24:00 is
 * the next day's midnight. A wall time a DST change skips maps to the instant the clock jumps over
 * it (the same instant as the first valid time after the gap); an hour lived twice takes its first pass.
 */
export function wallToUtc(date: string, minutes: number, tz: string): number {
  if (minutes >= 1440) return startOfLocalDay(addDays(date, 1), tz);
  const [y, m, d] = date.split("-").map(Number);
  const guess = Date.UTC(y!, m! - 1, d!) + minutes * 60_000;
  // the offsets in force a day either side cover any single DST change near this wall time
  const offsets = [...new Set([offsetAt(guess - DAY_MS, tz), offsetAt(guess, tz), offsetAt(guess + DAY_MS, tz)])];
  const fits = offsets.map((o) => guess - o).filter((t) => t + offsetAt(t, tz) === guess);
  if (fits.length) return Math.min(...fits);
  // a skipped wall time: the instant the clock jumps
  const ts = offsets.map((o) => guess - o);
  return transitionBetween(Math.min(...ts), Math.max(...ts), tz);
}

/** The first instant in (a, b] whose offset differs from a's (binary search to the minute). */
function transitionBetween(a: number, b: number, tz: string): number {
  const o = offsetAt(a, tz);
  let lo = a;
  let hi = b;
  while (hi - lo > 60_000) {
    const mid = lo + Math.floor((hi - lo) / 120_000) * 60_000;
    if (offsetAt(mid, tz) === o) lo = mid;
    else hi = mid;
  }
  return hi;
}

/** The local date ("YYYY-MM-DD") of an instant in `tz`. */
export function localDate(ms: number, tz: string): string {
  const p = partsOf(ms, tz);
  return `${p.year}-${p.month}-${p.day}`;
}

/** Adds whole days to a local date. */
export function addDays(date: string, n: number): string {
  const [y, m, d] = date.split("-").map(Number);
  return new Date(Date.UTC(y!, m! - 1, d!) + n * DAY_MS).toISOString().slice(0, 10);
}

/** Days from `a` to `b` (local dates). */
export function daysBetween(a: string, b: string): number {
  return Math.round((Date.parse(`${b}T00:00:00Z`) - Date.parse(`${a}T00:00:00Z`)) / DAY_MS);
}

const WEEKDAYS = ["Mon", "Tue", "Wed", "Thu", "Fri", "Sat", "Sun"];

/** Hour of the week in `tz`: 0 = Monday 00:00–01:00 … 167 = Sunday 23:00–24:00. */
export function hourOfWeek(ms: number, tz: string): number {
  const p = partsOf(ms, tz);
  return WEEKDAYS.indexOf(p.weekday!) * 24 + Number(p.hour);
}

/** The Monday starting the ISO week of a local date. */
export function weekStart(date: string): string {
  const dow = (new Date(`${date}T00:00:00Z`).getUTCDay() + 6) % 7;
  return addDays(date, -dow);
}

/**
 * [from, to) cut where the zone's offset changes, each piece with its offset (ms): at most one
 * change a day, found by comparing local midnights, then to the minute. Lets a database group
 * instants by local hour with plain arithmetic.
 */
export function offsetSegments(from: number, to: number, tz: string): { from: number; to: number; offset: number }[] {
  const out: { from: number; to: number; offset: number }[] = [];
  let start = from;
  let offset = offsetAt(from, tz);
  /** The latest instant known to have `offset`. */
  let known = from;
  for (let t = from + DAY_MS; ; t += DAY_MS) {
    const end = Math.min(t, to);
    const next = offsetAt(end - 1, tz);
    if (next !== offset) {
      const at = transitionBetween(known, end - 1, tz);
      out.push({ from: start, to: at, offset });
      [start, offset] = [at, next];
    }
    known = end - 1;
    if (end >= to) break;
  }
  out.push({ from: start, to, offset });
  return out;
}
