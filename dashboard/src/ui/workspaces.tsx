/**
 * The workspace switcher in the nav (issue 18): shown only to an account in two or more workspaces.
 * Choosing one asks the API for a session there (POST /api/auth/switch), which replaces this one, then
 * reloads the app at the inbox so every model, cache and socket starts over in the new tenant. A
 * workspace that requires single sign-on refuses a password session (403): the reason is shown and
 * the current workspace stays.
 */
import { useEffect, useId, useState } from "preact/hooks";
import type { Workspace } from "../api";
import { session, switchWorkspace, workspaces } from "../models/session";
import { errorText } from "../models/util";

export function WorkspaceSwitcher() {
  const tenantId = session.value?.tenant.id;
  const [list, setList] = useState<Workspace[]>([]);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const id = useId();
  useEffect(() => {
    let live = true;
    // the switcher is a convenience: if the list cannot be read, the nav simply has none
    workspaces().then(
      (w) => live && setList(w),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [tenantId]);
  if (list.length < 2 || !tenantId) return null;
  const choose = async (next: string) => {
    if (next === tenantId) return;
    setBusy(true);
    setError(null);
    try {
      await switchWorkspace(next);
      location.assign("/app/inbox");
    } catch (err) {
      setError(errorText(err));
      setBusy(false);
    }
  };
  return (
    <div class="field inline workspace-switch">
      <label for={id} class="sr">
        Workspace
      </label>
      <select
        id={id}
        value={tenantId}
        disabled={busy}
        aria-describedby={error ? `${id}-error` : undefined}
        onChange={(e) => void choose(e.currentTarget.value)}
      >
        {list.map((w) => (
          <option key={w.id} value={w.id}>
            {w.name}
          </option>
        ))}
      </select>
      {error && (
        <p class="error small" role="alert" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}
