/**
 * Settings → Roles and Settings → SSO (issue 18). Roles: the built-in templates and the workspace's
 * custom roles with their permissions, a form to create or edit a custom role with permission
 * checkboxes grouped by area (members get a role in Team). SSO: the OpenID Connect issuer, client
 * id and secret (write-only), allowed domains, the callback URL to register, and a connection test.
 */
import { useState } from "preact/hooks";
import { api, ApiError, type RoleDef, type SsoSettings, type SsoTest } from "../api";
import { can, canAny } from "../models/session";
import { confirmDialog } from "../ui/confirm";
import { CopyButton, Done, Empty, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad } from "../ui/kit";

/** "tickets:write" → area "tickets"; a few areas share a heading. */
const AREA_LABEL: Record<string, string> = {
  bots: "Bots",
  knowledge: "Knowledge",
  conversations: "Conversations",
  replies: "Conversations",
  notes: "Conversations",
  takeover: "Conversations",
  tickets: "Tickets",
  channels: "Channels",
  voice: "Voice",
  chat: "Voice",
  analytics: "Analytics",
  billing: "Billing",
  team: "Team and roles",
  roles: "Team and roles",
  keys: "API keys",
  settings: "Settings",
  sso: "Single sign-on",
  audit: "Audit log",
  privacy: "Privacy",
  workspace: "Settings",
};

export function groupByArea(permissions: readonly string[]): [string, string[]][] {
  const groups = new Map<string, string[]>();
  for (const p of permissions) {
    const area = AREA_LABEL[p.split(":")[0]!] ?? "Other";
    groups.set(area, [...(groups.get(area) ?? []), p]);
  }
  return [...groups.entries()];
}

function SettingsTabs({ here }: { here: "roles" | "sso" }) {
  return (
    <nav class="row" aria-label="Settings sections">
      {canAny("settings:read", "channels:write") && <a href="/app/settings">General</a>}
      {can("roles:read") && (
        <a href="/app/settings/roles" aria-current={here === "roles" ? "page" : undefined}>
          Roles
        </a>
      )}
      {can("sso:read") && (
        <a href="/app/settings/sso" aria-current={here === "sso" ? "page" : undefined}>
          SSO
        </a>
      )}
    </nav>
  );
}

export function Roles() {
  const roles = useLoad(() => api.roles.list().then((p) => p.data));
  const perms = useLoad(() => api.roles.permissions().then((p) => p.data));
  const [editing, setEditing] = useState<RoleDef | null>(null);
  const [name, setName] = useState("");
  const [chosen, setChosen] = useState<string[]>([]);
  const [saved, setSaved] = useState<string | null>(null);
  const edit = (r: RoleDef | null) => {
    setEditing(r);
    setName(r?.name ?? "");
    setChosen(r?.permissions ?? []);
    setSaved(null);
  };
  const save = useAction(async () => {
    const r = editing
      ? await api.roles.update(editing.id, { name, permissions: chosen })
      : await api.roles.create({ name, permissions: chosen });
    setSaved(`Saved role ${r.name} with ${r.permissions.length} permissions.`);
    edit(null);
    setSaved(`Saved role ${r.name} with ${r.permissions.length} permissions.`);
    await roles.reload();
  });
  const remove = useAction(async (r: RoleDef) => {
    await api.roles.remove(r.id);
    if (editing?.id === r.id) edit(null);
    await roles.reload();
  });
  const toggle = (p: string, on: boolean) => setChosen(on ? [...chosen, p] : chosen.filter((x) => x !== p));
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Roles</h1>
        <p class="muted">
          A role is a set of permissions. The four built-in roles are fixed templates; custom roles hold exactly the
          permissions you tick. Give a member a role in <a href="/app/team">Team</a>.
        </p>
        <SettingsTabs here="roles" />
      </header>
      <section class="card">
        <h2>Workspace roles</h2>
        <ErrorNote error={roles.error ?? remove.error} />
        {roles.loading && !roles.data ? (
          <Loading />
        ) : (
          <table class="table reflow">
            <thead>
              <tr>
                <th scope="col">Role</th>
                <th scope="col">Permissions</th>
                <th scope="col">
                  <span class="sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(roles.data ?? []).map((r) => (
                <tr key={r.id} data-role={r.id}>
                  <td data-label="Role">
                    <strong>{r.name}</strong> {r.builtIn && <span class="muted">(built-in)</span>}
                  </td>
                  <td data-label="Permissions">
                    <span class="muted">{r.permissions.length}:</span> {r.permissions.join(", ") || "none"}
                  </td>
                  <td>
                    {!r.builtIn && can("roles:write") && (
                      <div class="row">
                        <button
                          type="button"
                          class="btn ghost small"
                          aria-label={`Edit ${r.name}`}
                          onClick={() => edit(r)}
                        >
                          Edit
                        </button>
                        <button
                          type="button"
                          class="btn ghost small"
                          aria-label={`Delete ${r.name}`}
                          onClick={() =>
                            void confirmDialog(
                              `Delete the role ${r.name}? Members who hold it lose its permissions at once.`,
                              "Delete",
                            ).then((ok) => ok && remove.run(r))
                          }
                        >
                          Delete
                        </button>
                      </div>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      {can("roles:write") && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <h2>{editing ? `Edit ${editing.name}` : "Create a custom role"}</h2>
          <Field
            label="Role name"
            required
            maxLength={60}
            value={name}
            onValue={setName}
            error={fieldError(save.fields, "name")}
          />
          {perms.loading && !perms.data ? (
            <Loading />
          ) : (
            groupByArea(perms.data ?? []).map(([area, list]) => (
              <fieldset class="scopes" key={area}>
                <legend>{area}</legend>
                {list.map((p) => (
                  <label key={p} class="check">
                    <input
                      type="checkbox"
                      name={p}
                      checked={chosen.includes(p)}
                      onChange={(e) => toggle(p, e.currentTarget.checked)}
                    />
                    {p}
                  </label>
                ))}
              </fieldset>
            ))
          )}
          <ErrorNote error={perms.error ?? save.summary(["name"])} />
          {saved && (
            <p class="once" role="status">
              {saved}
            </p>
          )}
          <div class="row">
            <button class="btn primary" type="submit" disabled={save.busy || !name.trim()}>
              {editing ? "Save role" : "Create role"}
            </button>
            {editing && (
              <button type="button" class="btn ghost" onClick={() => edit(null)}>
                Cancel
              </button>
            )}
          </div>
        </form>
      )}
    </main>
  );
}

const DEFAULT_ROLES = [
  ["agent", "Agent"],
  ["viewer", "Viewer"],
  ["admin", "Admin"],
] as const;

export function Sso() {
  const current = useLoad<SsoSettings | null>(() =>
    api.sso.get().catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }),
  );
  const s = current.data;
  const [issuer, setIssuer] = useState<string | null>(null);
  const [clientId, setClientId] = useState<string | null>(null);
  const [secret, setSecret] = useState("");
  const [domains, setDomains] = useState<string | null>(null);
  const [defaultRole, setDefaultRole] = useState<"agent" | "viewer" | "admin" | null>(null);
  const [required, setRequired] = useState<boolean | null>(null);
  const [test, setTest] = useState<SsoTest | null>(null);
  const v = {
    issuer: issuer ?? s?.issuer ?? "",
    clientId: clientId ?? s?.clientId ?? "",
    domains: domains ?? s?.allowedDomains.join(", ") ?? "",
    defaultRole: defaultRole ?? ((s?.defaultRole ?? "agent") as "agent" | "viewer" | "admin"),
    required: required ?? s?.required ?? false,
  };
  const save = useAction(async () => {
    const saved = await api.sso.save({
      issuer: v.issuer,
      clientId: v.clientId,
      ...(secret ? { clientSecret: secret } : {}),
      allowedDomains: v.domains
        .split(/[\s,]+/)
        .map((d) => d.trim())
        .filter(Boolean),
      defaultRole: v.defaultRole,
      required: v.required,
    });
    setSecret("");
    setTest(null);
    current.set(saved);
  }, "SSO settings saved. Use Test connection above to check them.");
  const runTest = useAction(async () => setTest(await api.sso.test()));
  const remove = useAction(async () => {
    await api.sso.remove();
    setTest(null);
    current.set(null);
  });
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Single sign-on</h1>
        <p class="muted">
          Members sign in through your OpenID Connect provider (Okta, Entra ID, Google Workspace, Keycloak…). New people
          from an allowed domain join with the default role on their first sign-in.
        </p>
        <SettingsTabs here="sso" />
      </header>
      <section class="card">
        <h2>Status</h2>
        <ErrorNote error={current.error} />
        {current.loading && !current.data ? (
          <Loading />
        ) : s ? (
          <>
            <p role="status">
              Configured for <strong>{s.issuer}</strong> with client <code class="mono">{s.clientId}</code> (secret{" "}
              <code class="mono">{s.clientSecretHint}</code>){s.required ? "; password sign-in is off for members" : ""}
              .
            </p>
            <div class="field">
              <span>Callback URL (register it with your provider)</span>
              <p>
                <code class="mono break" data-testid="sso-callback">
                  {s.redirectUri}
                </code>{" "}
                <CopyButton text={s.redirectUri} label="Copy callback URL" />
              </p>
            </div>
            <div class="field">
              <span>Sign-in link for this workspace</span>
              <p>
                <code class="mono break">{s.loginUrl}</code> <CopyButton text={s.loginUrl} label="Copy sign-in link" />
              </p>
            </div>
            <div class="row">
              <button type="button" class="btn" disabled={runTest.busy} onClick={() => void runTest.run()}>
                {runTest.busy ? "Testing…" : "Test connection"}
              </button>
              {can("sso:write") && (
                <button
                  type="button"
                  class="btn danger"
                  disabled={remove.busy}
                  onClick={() =>
                    void confirmDialog(
                      "Turn single sign-on off? Members sign in with passwords again.",
                      "Turn off",
                    ).then((ok) => ok && remove.run())
                  }
                >
                  Turn off SSO
                </button>
              )}
            </div>
            <ErrorNote error={runTest.error ?? remove.error} />
            {test && (
              <p class={test.ok ? "once" : "error"} role="status" data-testid="sso-test">
                {test.ok
                  ? `Connection works: ${test.issuer} answered; sign-in goes to ${test.authorizationEndpoint}.`
                  : `Connection failed: ${test.error}`}
              </p>
            )}
          </>
        ) : (
          <Empty title="Not configured">Members sign in with email and password.</Empty>
        )}
      </section>
      {can("sso:write") && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <h2>{s ? "Change the provider" : "Configure OpenID Connect"}</h2>
          <Field
            label="Issuer URL"
            type="url"
            required
            placeholder="https://login.example.com"
            value={v.issuer}
            onValue={setIssuer}
            error={fieldError(save.fields, "issuer")}
          />
          <Field
            label="Client ID"
            required
            value={v.clientId}
            onValue={setClientId}
            error={fieldError(save.fields, "clientId")}
          />
          <Field
            label="Client secret"
            type="password"
            autoComplete="off"
            required={!s}
            placeholder={s ? "Leave empty to keep the saved secret" : ""}
            hint="Stored encrypted; never shown again."
            value={secret}
            onValue={setSecret}
            error={fieldError(save.fields, "clientSecret")}
          />
          <Field
            label="Allowed email domains"
            required
            placeholder="example.com, example.org"
            hint="Comma-separated. Only verified addresses at these domains may sign in."
            value={v.domains}
            onValue={setDomains}
            error={fieldError(save.fields, "allowedDomains")}
          />
          <Select
            label="Default role for new members"
            value={v.defaultRole}
            onValue={setDefaultRole}
            options={DEFAULT_ROLES}
          />
          <label class="check">
            <input type="checkbox" checked={v.required} onChange={(e) => setRequired(e.currentTarget.checked)} />
            Require SSO (password sign-in refused for members; owners keep theirs as a break-glass path)
          </label>
          <ErrorNote error={save.summary(["issuer", "clientId", "clientSecret", "allowedDomains"])} />
          <Done text={save.done} />
          <button class="btn primary" type="submit" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save SSO settings"}
          </button>
        </form>
      )}
    </main>
  );
}
