import { z } from "@hono/zod-openapi";
import { PRIORITIES, type Priority, type SlaTargetRow } from "../../storage/schema";

/** Minutes to first response and to resolution, per priority. Tenants override any of them. */
export type SlaTarget = { firstResponseMinutes: number; resolutionMinutes: number };
export type SlaTable = Record<Priority, SlaTarget>;

export const DEFAULT_SLA: SlaTable = {
  urgent: { firstResponseMinutes: 15, resolutionMinutes: 4 * 60 },
  high: { firstResponseMinutes: 60, resolutionMinutes: 8 * 60 },
  normal: { firstResponseMinutes: 4 * 60, resolutionMinutes: 24 * 60 },
  low: { firstResponseMinutes: 8 * 60, resolutionMinutes: 72 * 60 },
};

/** At most 90 days: a target beyond that is a typo. */
export const MAX_SLA_MINUTES = 90 * 24 * 60;
const Minutes = z.number().int().min(1).max(MAX_SLA_MINUTES);
export const SlaTargetSchema = z
  .object({ firstResponseMinutes: Minutes, resolutionMinutes: Minutes })
  .strict()
  .refine((t) => t.resolutionMinutes >= t.firstResponseMinutes, {
    message: "resolution cannot be due before the first response",
    path: ["resolutionMinutes"],
  });
export const SlaTableSchema = z
  .object(Object.fromEntries(PRIORITIES.map((p) => [p, SlaTargetSchema])) as Record<Priority, typeof SlaTargetSchema>)
  .openapi("SlaTargets");
export const SlaPatch = z
  .object(
    Object.fromEntries(PRIORITIES.map((p) => [p, SlaTargetSchema.optional()])) as Record<
      Priority,
      z.ZodOptional<typeof SlaTargetSchema>
    >,
  )
  .strict()
  .openapi("SlaTargetsPatch");

export function slaTableOf(rows: SlaTargetRow[]): SlaTable {
  const t: SlaTable = { ...DEFAULT_SLA };
  for (const r of rows)
    t[r.priority] = { firstResponseMinutes: r.firstResponseMinutes, resolutionMinutes: r.resolutionMinutes };
  return t;
}

/** Due times for a ticket created at `createdAt` (ms) with `priority`. */
export function dueTimes(table: SlaTable, priority: Priority, createdAt: number) {
  const t = table[priority];
  return {
    firstResponseDueAt: new Date(createdAt + t.firstResponseMinutes * 60_000),
    resolutionDueAt: new Date(createdAt + t.resolutionMinutes * 60_000),
  };
}
