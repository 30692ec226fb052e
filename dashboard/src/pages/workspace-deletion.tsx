/**
 * Settings → Delete workspace (issue 18): owners type the workspace's name to schedule its deletion;
 * while one is scheduled every member sees a banner with the date, and owners a Restore button.
 */
import { useState } from "preact/hooks";
import { api, type WorkspaceState } from "../api";
import { can } from "../models/session";
import { ErrorNote, Field, useAction, useLoad } from "../ui/kit";

export function WorkspaceDeletion() {
  const ws = useLoad<WorkspaceState>(() => api.workspace.get());
  const [typed, setTyped] = useState("");
  const remove = useAction(async () => {
    await api.workspace.delete(typed);
    setTyped("");
    ws.set(await api.workspace.get());
  });
  const restore = useAction(async () => ws.set(await api.workspace.restore()));
  const w = ws.data;
  // GET /api/workspace needs team:read; a role without it simply sees no banner
  if (!w) return null;
  if (w.deletionScheduledAt)
    return (
      <section class="card" role="alert">
        <h2>This workspace is scheduled for deletion</h2>
        <p>
          On <strong>{new Date(w.deletionScheduledAt).toLocaleString()}</strong> everything {w.name} holds is deleted
          for good. Until then it works as before.
        </p>
        <ErrorNote error={restore.error} />
        {can("workspace:delete") && (
          <button class="btn primary" type="button" disabled={restore.busy} onClick={() => void restore.run()}>
            {restore.busy ? "Restoring…" : "Restore"}
          </button>
        )}
      </section>
    );
  if (!can("workspace:delete")) return null;
  return (
    <section class="card">
      <h2>Delete workspace</h2>
      <p class="muted">
        Conversations, messages, files, recordings, tickets, knowledge, bots, keys, members and the audit log are
        deleted after a grace period; an owner can restore the workspace until then.
      </p>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void remove.run();
        }}
      >
        <Field
          label={`Type the workspace name (${w.name}) to confirm`}
          autoComplete="off"
          required
          value={typed}
          onValue={setTyped}
        />
        <ErrorNote error={remove.error} />
        <button class="btn danger" type="submit" disabled={remove.busy || typed !== w.name}>
          {remove.busy ? "Scheduling…" : "Delete workspace"}
        </button>
      </form>
    </section>
  );
}
