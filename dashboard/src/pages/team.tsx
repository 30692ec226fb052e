/** Team: members and their roles, invitations (mailed; a development server also shows the link once). */
import { useState } from "preact/hooks";
import { api, type Role } from "../api";
import { can, role as myRole, session } from "../models/session";
import { Empty, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad, CopyButton } from "../ui/kit";
import { confirmDialog } from "../ui/confirm";

const ROLES = [
  ["owner", "Owner"],
  ["admin", "Admin"],
  ["agent", "Agent"],
  ["viewer", "Viewer"],
] as const;

export function Team() {
  const members = useLoad(() => api.team.members().then((p) => p.data));
  const invites = useLoad(() => api.team.invitations().then((p) => p.data));
  // custom roles (Settings → Roles) can be given to members too; a role without roles:read sees none
  const custom = useLoad(() =>
    api.roles
      .list()
      .then((p) => p.data.filter((r) => !r.builtIn).map((r) => [r.id as Role, r.name] as const))
      .catch(() => [] as (readonly [Role, string])[]),
  );
  const [email, setEmail] = useState("");
  const [role, setRole] = useState<Role>("agent");
  const [link, setLink] = useState<string | null>(null);
  const [mailed, setMailed] = useState<string | null>(null);
  const invite = useAction(async () => {
    const r = await api.team.invite(email, role);
    setMailed(r.email);
    setLink(r.token ? `${location.origin}/app/accept?token=${encodeURIComponent(r.token)}` : null);
    setEmail("");
    await invites.reload();
  });
  const change = useAction(async (userId: string, r: Role) => {
    await api.team.setRole(userId, r);
    await members.reload();
  });
  const remove = useAction(async (userId: string) => {
    await api.team.removeMember(userId);
    await members.reload();
  });
  const revoke = useAction(async (id: string) => {
    await api.team.revokeInvitation(id);
    await invites.reload();
  });
  const builtIn = ROLES.filter(([r]) => r !== "owner" || myRole.value === "owner");
  const grantable: (readonly [Role, string])[] = [...builtIn, ...(custom.data ?? [])];
  const allRoles: (readonly [Role, string])[] = [...ROLES, ...(custom.data ?? [])];
  const me = session.value?.user.id;
  const pending = (invites.data ?? []).filter((i) => !i.acceptedAt && !i.revokedAt);
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Team</h1>
      </header>
      {can("team:write") && (
        <form
          class="card"
          onSubmit={(e) => {
            e.preventDefault();
            void invite.run();
          }}
        >
          <h2>Invite someone</h2>
          <div class="row wrap end">
            <Field
              label="Email"
              type="email"
              required
              value={email}
              onValue={setEmail}
              error={fieldError(invite.fields, "email")}
            />
            <Select label="Role" value={role} onValue={setRole} options={builtIn} />
            <button class="btn primary" type="submit" disabled={invite.busy}>
              Send invitation
            </button>
          </div>
          <ErrorNote error={invite.summary(["email"])} />
          {mailed && !link && (
            <p class="once" role="status">
              Invitation mailed to {mailed}. The link in it works once and expires in 7 days.
            </p>
          )}
          {link && (
            <div class="once" role="status">
              <p>
                Invitation mailed to {mailed}. Development server: the link is also shown here, once; it expires in 7
                days.
              </p>
              <code class="mono break">{link}</code> <CopyButton text={link} label="Copy link" />
            </div>
          )}
        </form>
      )}
      <section class="card">
        <h2>Members</h2>
        <ErrorNote error={members.error ?? change.error ?? remove.error} />
        {members.loading && !members.data ? (
          <Loading />
        ) : (
          <table class="table reflow">
            <thead>
              <tr>
                <th scope="col">Name</th>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">
                  <span class="sr">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {(members.data ?? []).map((m) => (
                <tr key={m.userId}>
                  <td data-label="Name">{m.name ?? "—"}</td>
                  <td data-label="Email">{m.email}</td>
                  <td data-label="Role">
                    {can("team:write") && m.userId !== me ? (
                      <Select
                        hideLabel
                        label={`Role of ${m.email}`}
                        value={m.role}
                        onValue={(r) => void change.run(m.userId, r)}
                        options={m.role === "owner" && myRole.value !== "owner" ? allRoles : grantable}
                      />
                    ) : (
                      (allRoles.find(([r]) => r === m.role)?.[1] ?? m.role)
                    )}
                  </td>
                  <td>
                    {can("team:write") && m.userId !== me && (
                      <button
                        type="button"
                        class="btn ghost small"
                        aria-label={`Remove ${m.email}`}
                        onClick={() =>
                          void confirmDialog(`Remove ${m.email} from the team?`, "Remove").then(
                            (ok) => ok && remove.run(m.userId),
                          )
                        }
                      >
                        Remove
                      </button>
                    )}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section class="card">
        <h2>Pending invitations</h2>
        <ErrorNote error={invites.error ?? revoke.error} />
        {invites.loading && !invites.data ? (
          <Loading />
        ) : pending.length === 0 ? (
          <Empty title="No pending invitations" />
        ) : (
          <ul class="plain">
            {pending.map((i) => (
              <li key={i.id} class="row between">
                <span>
                  {i.email} · {i.role} · expires {new Date(i.expiresAt).toLocaleDateString()}
                </span>
                {can("team:write") && (
                  <button
                    type="button"
                    class="btn ghost small"
                    aria-label={`Revoke invitation for ${i.email}`}
                    onClick={() =>
                      void confirmDialog(
                        `Revoke the invitation for ${i.email}? The link in their mail stops working.`,
                        "Revoke",
                      ).then((ok) => ok && revoke.run(i.id))
                    }
                  >
                    Revoke
                  </button>
                )}
              </li>
            ))}
          </ul>
        )}
      </section>
    </main>
  );
}
