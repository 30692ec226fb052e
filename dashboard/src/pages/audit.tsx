/**
 * Audit log (issue 18): the workspace's security-relevant actions, newest first, with the filters
 * GET /api/audit accepts (one action, an actor id, a date range), paging by its cursor ("Load more"),
 * each entry's metadata (a diff where the action records one) behind a toggle, and the CSV/JSON
 * export of the current filters. The export route needs the bearer token, so it is fetched with the
 * API client and saved from a Blob: the token never goes into a URL.
 */
import { Fragment } from "preact";
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type AuditAction, type AuditEntry, type AuditQuery } from "../api";
import { can } from "../models/session";
import { saveBlob } from "../models/util";
import { Empty, ErrorNote, Field, Loading, Select, useAction, useLoad } from "../ui/kit";

/** GET /api/audit's closed action list, in the order the server declares it (workers/domain/audit). */
const ACTIONS = [
  "auth.sign_in",
  "auth.sign_in_failed",
  "auth.password_reset",
  "auth.password_changed",
  "auth.password_change_failed",
  "auth.session_revoked",
  "workspace.deletion_scheduled",
  "workspace.deletion_restored",
  "member.invited",
  "member.invitation_revoked",
  "member.joined",
  "member.role_changed",
  "member.removed",
  "role.created",
  "role.updated",
  "role.deleted",
  "key.created",
  "key.revoked",
  "bot.created",
  "bot.updated",
  "bot.deleted",
  "bot.secret_revealed",
  "voice.integration_created",
  "voice.integration_updated",
  "voice.integration_deleted",
  "voice.url_rotated",
  "channel.whatsapp_created",
  "channel.whatsapp_updated",
  "visitor.linked",
  "commerce.connected",
  "commerce.disconnected",
  "commerce.secret_rotated",
  "conversations.imported",
  "knowledge.imported",
  "settings.providers_changed",
  "settings.privacy_changed",
  "settings.escalation_changed",
  "settings.sla_changed",
  "settings.routing_changed",
  "settings.sso_changed",
  "settings.business_hours_changed",
  "sso.sign_in_refused",
  "privacy.exported",
  "privacy.erased",
  "privacy.retention_swept",
] as const satisfies readonly AuditAction[];
// the dashboard cannot import the server's list at run time (types only): a new server action that
// is missing here fails the typecheck instead of being unfilterable
type MissingAction = Exclude<AuditAction, (typeof ACTIONS)[number]>;
const allActionsListed: [MissingAction] extends [never] ? true : MissingAction = true;
void allActionsListed;

const ACTION_OPTIONS: readonly (readonly [string, string])[] = [
  ["", "Any action"],
  ...ACTIONS.map((a) => [a, a] as const),
];
const PAGE = 50;

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "medium" });

/** A date input's day as the ISO instant where that local day starts (`end`: its last millisecond). */
function dayBound(day: string, end: boolean): string | undefined {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(day);
  if (!m) return undefined;
  const start = new Date(Number(m[1]), Number(m[2]) - 1, Number(m[3]) + (end ? 1 : 0));
  return new Date(start.getTime() - (end ? 1 : 0)).toISOString();
}

/** A metadata value in words: `{ from, to }` as "a → b", lists comma-joined, objects as JSON. */
function show(v: unknown): string {
  if (v === null || v === undefined) return "—";
  if (typeof v === "string") return v;
  if (Array.isArray(v)) return v.length ? v.map(show).join(", ") : "(none)";
  if (typeof v === "object") {
    const o = v as Record<string, unknown>;
    if (Object.keys(o).length === 2 && "from" in o && "to" in o) return `${show(o.from)} → ${show(o.to)}`;
    return JSON.stringify(v);
  }
  return String(v);
}

/**
 * The lines of an entry's metadata. A `before`/`after` pair becomes one line per changed field
 * ("field: old → new"); every other key is one line.
 */
export function metadataLines(meta: Record<string, unknown>): [string, string][] {
  const out: [string, string][] = [];
  const { before, after, ...rest } = meta;
  const isObj = (x: unknown): x is Record<string, unknown> => !!x && typeof x === "object" && !Array.isArray(x);
  if (isObj(before) || isObj(after)) {
    const b = isObj(before) ? before : {};
    const a = isObj(after) ? after : {};
    for (const k of new Set([...Object.keys(b), ...Object.keys(a)]))
      if (JSON.stringify(b[k]) !== JSON.stringify(a[k])) out.push([k, `${show(b[k])} → ${show(a[k])}`]);
  } else {
    if (before !== undefined) out.push(["before", show(before)]);
    if (after !== undefined) out.push(["after", show(after)]);
  }
  for (const [k, v] of Object.entries(rest)) if (v !== undefined) out.push([k, show(v)]);
  return out;
}

type Filters = { action: string; actor: string; from: string; to: string };
const NO_FILTERS: Filters = { action: "", actor: "", from: "", to: "" };

function toQuery(f: Filters): AuditQuery {
  return {
    action: (f.action || undefined) as AuditAction | undefined,
    actor: f.actor.trim() || undefined,
    from: f.from ? dayBound(f.from, false) : undefined,
    to: f.to ? dayBound(f.to, true) : undefined,
  };
}

/** The loaded pages of the current filters; a reply for older filters is dropped. */
function useAuditPages(f: Filters) {
  const [entries, setEntries] = useState<AuditEntry[] | null>(null);
  const [cursor, setCursor] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const gen = useRef(0);
  const load = async (after: string | null, append: boolean) => {
    const n = ++gen.current;
    setBusy(true);
    setError(null);
    try {
      const page = await api.audit.list({ ...toQuery(f), cursor: after ?? undefined, limit: PAGE });
      if (n !== gen.current) return;
      setEntries((prev) => (append && prev ? [...prev, ...page.data] : page.data));
      setCursor(page.nextCursor);
    } catch (err) {
      if (n !== gen.current) return;
      setError(err && typeof err === "object" && "text" in err ? String(err.text) : String(err));
    } finally {
      if (n === gen.current) setBusy(false);
    }
  };
  const key = JSON.stringify(f);
  useEffect(() => {
    setEntries(null);
    void load(null, false);
  }, [key]);
  return { entries, cursor, error, busy, more: () => load(cursor, true), reload: () => load(null, false) };
}

export function Audit() {
  const [f, setF] = useState<Filters>(NO_FILTERS);
  const [actorDraft, setActorDraft] = useState("");
  const pages = useAuditPages(f);
  // names for user ids where the role may read the team; ids otherwise
  const members = useLoad(() => (can("team:read") ? api.team.members().then((p) => p.data) : Promise.resolve([])), []);
  const nameOf = (type: string, id: string) => {
    if (type === "system") return "System";
    const m = type === "user" ? members.data?.find((x) => x.userId === id) : undefined;
    return m ? (m.name ?? m.email) : id;
  };
  const exporting = useAction(async (format: "csv" | "json") => {
    const blob = await api.audit.export(toQuery(f), format);
    saveBlob(blob, `audit-${new Date().toISOString().slice(0, 10)}.${format}`);
  });
  const filtered = JSON.stringify(f) !== JSON.stringify(NO_FILTERS);
  const list = pages.entries;
  return (
    <main class="page" id="main">
      <header class="page-head row between wrap">
        <h1>Audit log</h1>
        {can("audit:export") && (
          <div class="row wrap">
            <button type="button" class="btn small" disabled={exporting.busy} onClick={() => void exporting.run("csv")}>
              Export CSV
            </button>
            <button
              type="button"
              class="btn small"
              disabled={exporting.busy}
              onClick={() => void exporting.run("json")}
            >
              Export JSON
            </button>
          </div>
        )}
      </header>
      <p class="muted">
        Sign-ins, member, role, key and settings changes, exports and erasures in this workspace, newest first. Entries
        cannot be changed or deleted.
      </p>
      <form
        class="ticket-filters"
        role="search"
        aria-label="Filter the audit log"
        onSubmit={(e) => {
          e.preventDefault();
          setF((x) => ({ ...x, actor: actorDraft.trim() }));
        }}
      >
        <Select
          label="Action"
          value={f.action}
          onValue={(v) => setF((x) => ({ ...x, action: v }))}
          options={ACTION_OPTIONS}
        />
        <Field
          label="Actor id"
          value={actorDraft}
          onValue={setActorDraft}
          maxLength={64}
          placeholder="usr_…, key_… or system"
        />
        <Field label="From" type="date" value={f.from} onValue={(v) => setF((x) => ({ ...x, from: v }))} />
        <Field label="To" type="date" value={f.to} onValue={(v) => setF((x) => ({ ...x, to: v }))} />
        <div class="row" style="align-self:end">
          <button type="submit" class="btn small">
            Apply
          </button>
          {filtered && (
            <button
              type="button"
              class="btn ghost small"
              onClick={() => {
                setActorDraft("");
                setF(NO_FILTERS);
              }}
            >
              Clear filters
            </button>
          )}
        </div>
      </form>
      <ErrorNote error={exporting.error && `The export failed: ${exporting.error}`} />
      {pages.error && (
        <p class="error" role="alert">
          The audit log could not be loaded: {pages.error}{" "}
          <button type="button" class="btn small" onClick={() => void pages.reload()}>
            Try again
          </button>
        </p>
      )}
      {list === null ? (
        !pages.error && <Loading />
      ) : list.length === 0 ? (
        <Empty title={filtered ? "No entries match these filters" : "No entries yet"}>
          {filtered
            ? "Try another action, actor or dates, or clear the filters."
            : "Sign-ins and changes to members, roles, keys and settings appear here as they happen."}
        </Empty>
      ) : (
        <AuditTable entries={list} nameOf={nameOf} />
      )}
      {list && list.length > 0 && (
        <p class="row" role="status">
          <span class="muted">
            {list.length} {list.length === 1 ? "entry" : "entries"} shown
            {pages.cursor ? "; older ones follow" : "; that is all"}.
          </span>
          {pages.cursor && (
            <button type="button" class="btn small" disabled={pages.busy} onClick={() => void pages.more()}>
              {pages.busy ? "Loading…" : "Load more"}
            </button>
          )}
        </p>
      )}
    </main>
  );
}

function AuditTable({ entries, nameOf }: { entries: AuditEntry[]; nameOf: (type: string, id: string) => string }) {
  const [open, setOpen] = useState<ReadonlySet<string>>(new Set());
  const toggle = (id: string) =>
    setOpen((s) => {
      const n = new Set(s);
      if (!n.delete(id)) n.add(id);
      return n;
    });
  return (
    <table class="table reflow audit">
      <caption class="sr">Audit log entries, newest first</caption>
      <thead>
        <tr>
          <th scope="col">Time</th>
          <th scope="col">Actor</th>
          <th scope="col">Action</th>
          <th scope="col">Target</th>
          <th scope="col">IP</th>
          <th scope="col">User agent</th>
          <th scope="col">Details</th>
        </tr>
      </thead>
      <tbody>
        {entries.map((e) => {
          const isOpen = open.has(e.id);
          const lines = metadataLines(e.metadata);
          return (
            <Fragment key={e.id}>
              <tr data-id={e.id} data-action={e.action}>
                <th scope="row">
                  <time dateTime={e.at}>{when(e.at)}</time>
                </th>
                <td data-label="Actor">
                  <span title={`${e.actor.type} ${e.actor.id}`}>{nameOf(e.actor.type, e.actor.id)}</span>
                  {e.actor.type === "key" && <span class="muted"> (API key)</span>}
                </td>
                <td data-label="Action">
                  <code>{e.action}</code>
                </td>
                <td data-label="Target" class="mono break">
                  {e.targets.length ? e.targets.map((t) => `${t.type} ${t.id}`).join(", ") : "—"}
                </td>
                <td data-label="IP" class="mono">
                  {e.ip ?? "—"}
                </td>
                <td data-label="User agent" class="small break">
                  {e.userAgent ?? "—"}
                </td>
                <td data-label="Details">
                  {lines.length || e.requestId ? (
                    <button
                      type="button"
                      class="btn ghost small"
                      aria-expanded={isOpen}
                      aria-controls={isOpen ? `audit-${e.id}` : undefined}
                      onClick={() => toggle(e.id)}
                    >
                      {isOpen ? "Hide" : "Show"}
                      <span class="sr"> details of {e.action}</span>
                    </button>
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
              </tr>
              {isOpen && (
                <tr id={`audit-${e.id}`} class="audit-detail">
                  <td colSpan={7} style="text-align:left">
                    <dl class="audit-meta" aria-label={`Details of ${e.action}`}>
                      {lines.map(([k, v]) => (
                        <Fragment key={k}>
                          <dt>{k}</dt>
                          <dd class="break">{v}</dd>
                        </Fragment>
                      ))}
                      {e.requestId && (
                        <>
                          <dt>request</dt>
                          <dd class="mono">{e.requestId}</dd>
                        </>
                      )}
                    </dl>
                  </td>
                </tr>
              )}
            </Fragment>
          );
        })}
      </tbody>
    </table>
  );
}
