import { csvCell } from "../audit/csv";
import type { QuestionsDto, SummaryDto, TimeseriesDto } from "./schemas";

const table = (head: string[], rows: (string | number | null)[][]) =>
  [head, ...rows].map((r) => r.map((c) => csvCell(c === null ? "" : String(c))).join(",")).join("\r\n") + "\r\n";

/** Every number of the summary as one `metric,value` row; nested keys are dotted (handoffs.byReason.low_confidence). */
export function summaryCsv(s: SummaryDto): string {
  const rows: [string, string | number | null][] = [];
  const walk = (prefix: string, v: unknown) => {
    if (v === null || typeof v !== "object") return void rows.push([prefix, v as string | number | null]);
    if (Array.isArray(v)) {
      if (v.every((x) => typeof x === "number")) return void rows.push([prefix, v.join(" ")]);
      return v.forEach((x, i) => walk(`${prefix}.${(x as { botId?: string }).botId ?? i}`, x));
    }
    for (const [k, x] of Object.entries(v)) walk(prefix ? `${prefix}.${k}` : k, x);
  };
  walk("", s);
  return table(["metric", "value"], rows);
}

export function timeseriesCsv(t: TimeseriesDto): string {
  return table(
    ["start", t.metric],
    t.points.map((p) => [p.start, p.value]),
  );
}

export function questionsCsv(q: QuestionsDto): string {
  return table(
    ["kind", "label", "count", "previous", "examples"],
    [
      ...q.topics.map((t) => ["topic", t.label, t.count, t.previous, t.examples.join(" | ")]),
      ...q.gaps.map((g) => ["gap", g.label, g.count, null, g.examples.join(" | ")]),
    ],
  );
}
