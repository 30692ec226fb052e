import { z } from "@hono/zod-openapi";

/** Longest workspace name accepted as a confirmation (names are far shorter). */
export const MAX_CONFIRM_CHARS = 200;

/** DELETE /api/workspace: the workspace's name typed out, so a stray request deletes nothing. */
export const DeleteWorkspaceInput = z
  .object({ confirm: z.string().min(1).max(MAX_CONFIRM_CHARS) })
  .strict()
  .openapi("DeleteWorkspaceInput");
export type DeleteWorkspaceInput = z.infer<typeof DeleteWorkspaceInput>;

export const WorkspaceDto = z
  .object({
    id: z.string(),
    name: z.string(),
    plan: z.string(),
    createdAt: z.string(),
    /** When the purge may start; null unless a deletion is scheduled (the dashboard shows a banner). */
    deletionScheduledAt: z.string().nullable(),
    deletionRequestedBy: z.string().nullable(),
    deletionRequestedAt: z.string().nullable(),
  })
  .openapi("Workspace");
export type WorkspaceDto = z.infer<typeof WorkspaceDto>;

export const DeletionScheduledDto = z.object({ deletionScheduledAt: z.string() }).openapi("WorkspaceDeletionScheduled");
