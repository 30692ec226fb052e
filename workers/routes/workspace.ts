import { createRoute } from "@hono/zod-openapi";
import {
  DeleteWorkspaceInput,
  DeletionScheduledDto,
  getWorkspace,
  restoreWorkspace,
  scheduleWorkspaceDeletion,
  WorkspaceDto,
} from "../domain/workspace";
import { createRouter, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const tags = ["workspace"];

/**
 * Workspace lifecycle (issue 18): the signed-in workspace with its deletion schedule, deletion with
 * a grace period (owners: `workspace:delete`) and restore during it. The purge is the hourly cron's
 * (domain/workspace/purge.ts).
 */
export const workspaceRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/",
      tags,
      summary: "The signed-in workspace; deletionScheduledAt is set while a deletion is scheduled",
      security: sec,
      middleware: [authed("team:read")],
      responses: { 200: jsonResponse(WorkspaceDto, "the workspace"), ...problemResponses },
    }),
    async (c) => c.json(await getWorkspace(c.var.ctx), 200),
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/",
      tags,
      summary:
        "Schedule the workspace's deletion after WORKSPACE_DELETION_GRACE_DAYS (default 7); confirm with its exact name",
      security: sec,
      middleware: [authed("workspace:delete")],
      request: { body: jsonBody(DeleteWorkspaceInput) },
      responses: { 202: jsonResponse(DeletionScheduledDto, "deletion scheduled"), ...problemResponses },
    }),
    async (c) => c.json(await scheduleWorkspaceDeletion(c.var.ctx, c.req.valid("json")), 202),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/restore",
      tags,
      summary: "Cancel a scheduled deletion during the grace period",
      security: sec,
      middleware: [authed("workspace:delete")],
      responses: { 200: jsonResponse(WorkspaceDto, "the workspace, restored"), ...problemResponses },
    }),
    async (c) => c.json(await restoreWorkspace(c.var.ctx), 200),
  );
