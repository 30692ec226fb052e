export { getWorkspace, restoreWorkspace, scheduleWorkspaceDeletion } from "./lifecycle";
export { purgeDueWorkspaces, purgeWorkspace, workspacePrefixes, type PurgeCtx, type PurgeResult } from "./purge";
export { DeleteWorkspaceInput, DeletionScheduledDto, WorkspaceDto } from "./schemas";
