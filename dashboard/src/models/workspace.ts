/**
 * The workspace's own state (GET /api/workspace: name, deletion schedule), shared by the shell's
 * notice strip and Settings' deletion card and banner, so a deletion scheduled or restored in
 * Settings shows on every screen at once. Read once per workspace; a role without team:read never
 * asks (it sees neither).
 */
import { signal } from "@preact/signals";
import { api, type WorkspaceState } from "../api";
import { can, session } from "./session";

/** The state, or null before it is read (or when the role may not read it). */
export const workspace = signal<WorkspaceState | null>(null);

let loading: Promise<unknown> | null = null;
let loadedFor: string | null = null;

/** Reads the state unless it is already read (or being read) for the signed-in workspace. */
export function loadWorkspace(): void {
  const tenantId = session.value?.tenant.id ?? null;
  if (!tenantId || !can("team:read") || loading || loadedFor === tenantId) return;
  if (workspace.value?.id !== tenantId) workspace.value = null;
  loading = api.workspace
    .get()
    .then((w) => {
      workspace.value = w;
      loadedFor = tenantId;
    })
    .catch(() => undefined)
    .finally(() => (loading = null));
}
