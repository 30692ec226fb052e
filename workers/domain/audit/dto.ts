import { z } from "@hono/zod-openapi";

/** One audit entry as the API shows it. */
export const AuditEntryDto = z.object({
  id: z.string(),
  action: z.string(),
  actor: z.object({ type: z.enum(["user", "key", "system"]), id: z.string() }),
  targets: z.array(z.object({ type: z.string(), id: z.string() })),
  at: z.string(),
  ip: z.string().nullable(),
  userAgent: z.string().nullable(),
  requestId: z.string().nullable(),
  metadata: z.record(z.string(), z.unknown()),
});
