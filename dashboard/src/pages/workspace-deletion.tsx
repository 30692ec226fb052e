/**
 * Settings → Delete workspace (issue 18): owners type the workspace's name to schedule its deletion
 * (a card at the foot of Settings); while one is scheduled every member sees a banner at the top with
 * the date, and owners a Restore button. Both read one signal, so restoring shows the card again.
 */
import { useEffect, useState } from "preact/hooks";
import { api } from "../api";
import { can } from "../models/session";
import { loadWorkspace, workspace } from "../models/workspace";
import { ErrorNote, Field, useAction } from "../ui/kit";

/** The banner and the card read one shared state (models/workspace.ts), which the shell's strip reads too. */
function useWorkspace() {
  useEffect(loadWorkspace, []);
  return workspace.value;
}

export function WorkspaceDeletionBanner() {
  const w = useWorkspace();
  const restore = useAction(async () => {
    workspace.value = await api.workspace.restore();
  });
  if (!w?.deletionScheduledAt) return null;
  return (
    <section class="card" role="alert">
      <h2>This workspace is scheduled for deletion</h2>
      <p>
        On <strong>{new Date(w.deletionScheduledAt).toLocaleString()}</strong> everything {w.name} holds is deleted for
        good. Until then it works as before.
      </p>
      <ErrorNote error={restore.error} />
      {can("workspace:delete") && (
        <button class="btn primary" type="button" disabled={restore.busy} onClick={() => void restore.run()}>
          {restore.busy ? "Restoring…" : "Restore"}
        </button>
      )}
    </section>
  );
}

export function WorkspaceDeletion() {
  const w = useWorkspace();
  const [typed, setTyped] = useState("");
  const remove = useAction(async () => {
    await api.workspace.delete(typed);
    setTyped("");
    workspace.value = await api.workspace.get();
  });
  if (!w || w.deletionScheduledAt || !can("workspace:delete")) return null;
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
