/**
 * "Your account" (issue 22): every signed-in member, whatever the role, changes their name and
 * password and sees where they are signed in, signing other sessions out. A password change signs
 * out every other session; this tab carries on with the fresh session the server returns.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type AccountSession } from "../api";
import { adopt, renamed } from "../models/session";
import { ago } from "../models/util";
import { confirmDialog } from "../ui/confirm";
import { Empty, ErrorNote, Field, fieldError, Loading, useAction, useLoad } from "../ui/kit";

export function Account() {
  const account = useLoad(() => api.account.get());
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Your account</h1>
        <p class="muted">
          {account.data ? `Signed in as ${account.data.email}.` : "Your name, password and signed-in devices."}
        </p>
      </header>
      <ErrorNote error={account.error} />
      {account.loading && !account.data ? (
        <Loading />
      ) : (
        account.data && (
          <>
            <Profile initial={account.data.name ?? ""} />
            {account.data.hasPassword ? (
              <PasswordForm />
            ) : (
              <section class="card">
                <h2>Password</h2>
                <p>You sign in with your company's single sign-on, so there is no Echo password to change.</p>
              </section>
            )}
            <Sessions />
          </>
        )
      )}
    </main>
  );
}

function Profile({ initial }: { initial: string }) {
  const [name, setName] = useState(initial);
  const [saved, setSaved] = useState(false);
  const save = useAction(async () => {
    setSaved(false);
    const a = await api.account.rename(name);
    setName(a.name ?? "");
    renamed(a.name ?? "");
    setSaved(true);
  });
  return (
    <form
      class="card"
      aria-labelledby="profile-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2 id="profile-h">Profile</h2>
      <Field
        label="Your name"
        autoComplete="name"
        maxLength={200}
        value={name}
        onValue={(v) => {
          setName(v);
          setSaved(false);
        }}
        hint="Teammates see it on assignments, notes and replies."
        error={fieldError(save.fields, "name")}
      />
      <ErrorNote error={save.error} />
      <div class="row">
        <button class="btn primary" type="submit" disabled={save.busy}>
          {save.busy ? "Saving…" : "Save name"}
        </button>
        {saved && <span role="status">Name saved.</span>}
      </div>
    </form>
  );
}

function PasswordForm() {
  const [current, setCurrent] = useState("");
  const [next, setNext] = useState("");
  const [again, setAgain] = useState("");
  const [mismatch, setMismatch] = useState<string | undefined>();
  const [done, setDone] = useState(false);
  const change = useAction(async () => {
    adopt(await api.account.changePassword({ currentPassword: current, newPassword: next }));
    setCurrent("");
    setNext("");
    setAgain("");
    setDone(true);
    window.dispatchEvent(new Event("echo:sessions-changed"));
  });
  return (
    <form
      class="card"
      aria-labelledby="password-h"
      onSubmit={(e) => {
        e.preventDefault();
        setDone(false);
        if (next !== again) {
          setMismatch("The two new passwords are not the same; type it again.");
          return;
        }
        setMismatch(undefined);
        void change.run();
      }}
    >
      <h2 id="password-h">Password</h2>
      <Field
        label="Current password"
        type="password"
        autoComplete="current-password"
        required
        value={current}
        onValue={setCurrent}
        error={fieldError(change.fields, "currentPassword")}
      />
      <Field
        label="New password"
        type="password"
        autoComplete="new-password"
        required
        minLength={10}
        value={next}
        onValue={setNext}
        hint="At least 10 characters."
        error={fieldError(change.fields, "newPassword")}
      />
      <Field
        label="New password again"
        type="password"
        autoComplete="new-password"
        required
        value={again}
        onValue={setAgain}
        error={mismatch}
      />
      <ErrorNote error={change.error} />
      <div class="row">
        <button class="btn primary" type="submit" disabled={change.busy}>
          {change.busy ? "Changing…" : "Change password"}
        </button>
        {done && <span role="status">Password changed. Every other session was signed out.</span>}
      </div>
    </form>
  );
}

function Sessions() {
  const sessions = useLoad(() => api.account.sessions().then((r) => r.data));
  useEffect(() => {
    const reload = () => void sessions.reload();
    window.addEventListener("echo:sessions-changed", reload);
    return () => window.removeEventListener("echo:sessions-changed", reload);
  }, []);
  const signOut = useAction(async (which: { id: string } | "others") => {
    await (which === "others" ? api.account.signOutOthers() : api.account.signOutSession(which.id));
    await sessions.reload();
  });
  const others = (sessions.data ?? []).filter((s) => !s.current);
  const where = (s: AccountSession) => s.workspace.name ?? "a workspace that no longer exists";
  return (
    <section class="card" aria-labelledby="sessions-h">
      <div class="row between">
        <h2 id="sessions-h">Where you're signed in</h2>
        {others.length > 1 && (
          <button
            type="button"
            class="btn small"
            disabled={signOut.busy}
            onClick={() =>
              void confirmDialog(
                `Sign out ${others.length} other sessions? They must sign in again.`,
                "Sign out all",
              ).then((ok) => ok && signOut.run("others"))
            }
          >
            Sign out all other sessions
          </button>
        )}
      </div>
      <p class="muted small">
        Each sign-in on a device or browser is one session. Signing one out stops it within 15 minutes at the latest.
      </p>
      <ErrorNote error={sessions.error ?? signOut.error} />
      {sessions.loading && !sessions.data ? (
        <Loading />
      ) : !sessions.data?.length ? (
        <Empty title="No sessions" />
      ) : (
        <table class="table reflow" data-testid="sessions">
          <thead>
            <tr>
              <th scope="col">Workspace</th>
              <th scope="col">Signed in</th>
              <th scope="col">Last active</th>
              <th scope="col">
                <span class="sr">Actions</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {sessions.data.map((s) => (
              <tr key={s.id} data-session={s.id}>
                <td data-label="Workspace">{where(s)}</td>
                <td data-label="Signed in" title={new Date(s.createdAt).toLocaleString()}>
                  {ago(s.createdAt)}
                </td>
                <td data-label="Last active" title={new Date(s.lastUsedAt).toLocaleString()}>
                  {ago(s.lastUsedAt)}
                </td>
                <td>
                  {s.current ? (
                    <strong>This session</strong>
                  ) : (
                    <button
                      type="button"
                      class="btn ghost small"
                      aria-label={`Sign out the session in ${where(s)} signed in ${ago(s.createdAt)}`}
                      disabled={signOut.busy}
                      onClick={() =>
                        void confirmDialog("Sign this session out? It must sign in again.", "Sign out").then(
                          (ok) => ok && signOut.run({ id: s.id }),
                        )
                      }
                    >
                      Sign out
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
