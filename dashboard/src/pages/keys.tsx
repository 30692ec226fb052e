/** API keys: create (the secret is shown once), list with hints and scopes, revoke. */
import { useState } from "preact/hooks";
import { api, type Permission } from "../api";
import { can } from "../models/session";
import { ago } from "../models/util";
import { CopyButton, Empty, ErrorNote, Field, fieldError, Loading, useAction, useLoad } from "../ui/kit";
import { confirmDialog } from "../ui/confirm";

const SCOPES: Permission[] = [
  "bots:read",
  "bots:write",
  "knowledge:read",
  "knowledge:write",
  "conversations:read",
  "conversations:write",
  "tickets:read",
  "tickets:write",
  "chat:completions",
];

export function Keys() {
  const keys = useLoad(() => api.keys.list().then((p) => p.data));
  const [name, setName] = useState("");
  const [scopes, setScopes] = useState<Permission[]>(["knowledge:read", "chat:completions"]);
  const [secret, setSecret] = useState<string | null>(null);
  const create = useAction(async () => {
    const k = await api.keys.create({ name, scopes });
    setSecret(k.secret);
    setName("");
    await keys.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api.keys.revoke(id);
    await keys.reload();
  });
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>API keys</h1>
        <p class="muted">Server keys for Echo's REST API and the OpenAI-compatible endpoint. Keep them secret.</p>
      </header>
      {can("keys:write") && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void create.run();
          }}
        >
          <h2>Create a key</h2>
          <Field
            label="Key name"
            required
            placeholder="e.g. Zendesk sync"
            value={name}
            onValue={setName}
            error={fieldError(create.fields, "name")}
          />
          <fieldset class="scopes">
            <legend>Scopes</legend>
            {SCOPES.map((s) => (
              <label key={s} class="check">
                <input
                  type="checkbox"
                  checked={scopes.includes(s)}
                  onChange={(e) => setScopes(e.currentTarget.checked ? [...scopes, s] : scopes.filter((x) => x !== s))}
                />
                {s}
              </label>
            ))}
          </fieldset>
          <ErrorNote error={create.summary(["name"])} />
          <button class="btn primary" type="submit" disabled={create.busy || !scopes.length}>
            Create key
          </button>
          {secret && (
            <div class="once" role="status">
              <p>
                <strong>Copy this key now.</strong> It is shown only once; Echo stores only its hash.
              </p>
              <code class="mono break">{secret}</code> <CopyButton text={secret} label="Copy key" />
              <button type="button" class="btn ghost small" onClick={() => setSecret(null)}>
                Done
              </button>
            </div>
          )}
        </form>
      )}
      <section class="card">
        <h2>Keys</h2>
        <ErrorNote error={keys.error ?? revoke.error} />
        {keys.loading && !keys.data ? (
          <Loading />
        ) : !keys.data?.length ? (
          <Empty title="No keys yet" />
        ) : (
          <table class="table reflow">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Key</th>
                <th scope="col">Scopes</th>
                <th scope="col">Last used</th>
                <th scope="col">
                  <span class="sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {keys.data.map((k) => (
                <tr key={k.id} class={k.revokedAt ? "revoked" : undefined}>
                  <td data-label="Name">{k.name}</td>
                  <td data-label="Key" class="mono">
                    {k.hint}
                  </td>
                  <td data-label="Scopes" class="small">
                    {k.scopes.join(", ")}
                  </td>
                  <td data-label="Last used">{k.revokedAt ? "Revoked" : k.lastUsedAt ? ago(k.lastUsedAt) : "Never"}</td>
                  <td>
                    {!k.revokedAt && can("keys:write") && (
                      <button
                        type="button"
                        class="btn ghost small"
                        aria-label={`Revoke ${k.name}`}
                        onClick={() =>
                          void confirmDialog(`Revoke “${k.name}”? Apps using it stop working.`, "Revoke").then(
                            (ok) => ok && revoke.run(k.id),
                          )
                        }
                      >
                        Revoke
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
    </main>
  );
}
