import type { z } from "@hono/zod-openapi";
import type { AuditEntryDto } from "./dto";

/** Entries in one CSV export; a longer history is exported in time windows (`from`/`to`). */
export const MAX_EXPORT_ENTRIES = 10_000;

const COLUMNS = ["id", "at", "action", "actorType", "actorId", "targets", "ip", "userAgent", "requestId", "metadata"];

/**
 * One CSV cell (RFC 4180 quoting). A cell a spreadsheet would read as a formula (=, +, -, @, tab, CR)
 * gets a leading apostrophe: the values come from user input (names, user agents) and an export
 * opened in a spreadsheet must not run them (OWASP "CSV injection").
 */
export function csvCell(value: string): string {
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function auditCsv(entries: z.infer<typeof AuditEntryDto>[]): string {
  const rows = entries.map((e) =>
    [
      e.id,
      e.at,
      e.action,
      e.actor.type,
      e.actor.id,
      e.targets.map((t) => `${t.type}:${t.id}`).join(" "),
      e.ip ?? "",
      e.userAgent ?? "",
      e.requestId ?? "",
      JSON.stringify(e.metadata),
    ]
      .map(csvCell)
      .join(","),
  );
  return [COLUMNS.join(","), ...rows].join("\r\n") + "\r\n";
}
