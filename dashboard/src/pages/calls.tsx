/**
 * Calls: the voice calls list with filters (status, provider, outcome, duration, dates, words in the
 * transcript), and one call: its figures, summary, hand-off, the recording (an <audio> element on a
 * short-lived signed URL the API mints, since the element cannot send the bearer token; the browser
 * seeks with Range requests) and the transcript in spoken order.
 */
import { useEffect, useRef, useState } from "preact/hooks";
import { api, type Call, type CallDetail, type CallQuery } from "../api";
import { connectInbox, onHubEvent } from "../models/inbox";
import { can } from "../models/session";
import { errorText } from "../models/util";
import { confirmDialog } from "../ui/confirm";
import { navigate, match, route } from "../router";
import { Empty, ErrorNote, Field, Loading, Select, useLoad } from "../ui/kit";

const when = (iso: string) => new Date(iso).toLocaleString([], { dateStyle: "medium", timeStyle: "short" });

/** 42 → "0:42", 3725 → "1:02:05". */
export function duration(s: number | null): string {
  if (s === null) return "—";
  const t = Math.round(s);
  const h = Math.floor(t / 3600);
  const m = Math.floor((t % 3600) / 60);
  const sec = String(t % 60).padStart(2, "0");
  return h ? `${h}:${String(m).padStart(2, "0")}:${sec}` : `${m}:${sec}`;
}

function cost(c: Pick<Call, "cost" | "costCurrency">): string {
  if (c.cost === null) return "—";
  if (c.costCurrency && /^[A-Z]{3}$/.test(c.costCurrency))
    return new Intl.NumberFormat([], { style: "currency", currency: c.costCurrency, maximumFractionDigits: 4 }).format(
      c.cost,
    );
  return `${c.cost} ${c.costCurrency ?? ""}`.trim();
}

const STATUS_LABEL: Record<Call["status"], string> = {
  ringing: "Ringing",
  in_progress: "In progress",
  transferred: "Handed off",
  ended: "Ended",
};
const STATUS_OPTIONS = [["", "Any status"], ...Object.entries(STATUS_LABEL)] as [string, string][];
const PROVIDER_OPTIONS: [string, string][] = [
  ["", "Any provider"],
  ["vapi", "Vapi"],
  ["elevenlabs", "ElevenLabs"],
  ["retell", "Retell"],
  ["twilio", "Twilio"],
];
const OUTCOME_OPTIONS: [string, string][] = [
  ["", "Any outcome"],
  ["handed_off", "Handed to a person"],
  ["customer-ended-call", "Caller hung up"],
  ["assistant-ended-call", "Assistant ended"],
];

function CallList() {
  const [f, setF] = useState<CallQuery>({});
  const [draft, setDraft] = useState("");
  const set = (patch: CallQuery) => setF((x) => ({ ...x, ...patch }));
  const list = useLoad(() => api.calls.list(f), [JSON.stringify(f)]);
  useLiveCalls(list.reload);
  return (
    <main class="page" id="main">
      <header class="page-head row between wrap">
        <h1>Calls</h1>
        <button type="button" class="btn small" onClick={() => void list.reload()} disabled={list.loading}>
          {list.loading ? "Refreshing…" : "Refresh"}
        </button>
      </header>
      <form
        class="ticket-filters"
        role="search"
        aria-label="Filter calls"
        onSubmit={(e) => {
          e.preventDefault();
          set({ q: draft.trim() || undefined });
        }}
      >
        <Field label="Search transcripts" type="search" value={draft} onValue={setDraft} />
        <Select
          label="Status"
          value={f.status ?? ""}
          onValue={(v) => set({ status: v || undefined })}
          options={STATUS_OPTIONS}
        />
        <Select
          label="Provider"
          value={f.provider ?? ""}
          onValue={(v) => set({ provider: v || undefined })}
          options={PROVIDER_OPTIONS}
        />
        <Select
          label="Outcome"
          value={f.outcome ?? ""}
          onValue={(v) => set({ outcome: v || undefined })}
          options={OUTCOME_OPTIONS}
        />
        <Field label="From" type="date" value={f.from ?? ""} onValue={(v) => set({ from: v || undefined })} />
        <Field label="To" type="date" value={f.to ?? ""} onValue={(v) => set({ to: v || undefined })} />
        <Field
          label="Longer than (s)"
          type="number"
          value={f.minDuration ?? ""}
          onValue={(v) => set({ minDuration: v || undefined })}
        />
      </form>
      <ErrorNote error={list.error} />
      {list.data && list.data.data.length === 0 && (
        <Empty title="No calls">Calls appear here once a voice line is connected and someone calls.</Empty>
      )}
      {list.data && list.data.data.length > 0 && (
        <table class="table calls">
          <caption class="sr">Calls, newest first</caption>
          <thead>
            <tr>
              <th scope="col">Started</th>
              <th scope="col">Caller</th>
              <th scope="col">Provider</th>
              <th scope="col">Duration</th>
              <th scope="col">Cost</th>
              <th scope="col">Status</th>
              <th scope="col">Recording</th>
            </tr>
          </thead>
          <tbody>
            {list.data.data.map((c) => (
              <tr key={c.id} data-id={c.id}>
                <td>
                  <a href={`/app/calls/${encodeURIComponent(c.id)}`}>
                    <time dateTime={c.startedAt}>{when(c.startedAt)}</time>
                  </a>
                </td>
                <td>{c.from ?? "Unknown"}</td>
                <td>{c.provider}</td>
                <td>{duration(c.durationS)}</td>
                <td>{cost(c)}</td>
                <td>
                  <span class={`tag status-${c.status}`}>{STATUS_LABEL[c.status]}</span>
                </td>
                <td>{c.hasRecording ? "Yes" : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {list.loading && !list.data && <Loading />}
    </main>
  );
}

const WHO: Record<string, string> = { visitor: "Caller", ai: "Assistant", agent: "Agent", system: "System" };

/**
 * Live calls: re-reads (once per burst of events) when the tenant hub reports a voice call's state
 * or, for one call's view, a new line of its conversation — so a ringing call appears, and its status,
 * duration and transcript move, without pressing Refresh.
 */
function useLiveCalls(reload: () => Promise<void>, conversationId?: string) {
  useEffect(() => {
    let soon: ReturnType<typeof setTimeout> | undefined;
    const disconnect = connectInbox();
    const off = onHubEvent((f) => {
      const mine = conversationId === undefined || f.conversationId === conversationId;
      const relevant =
        f.type === "call.state" ||
        (f.channel === "voice" && (f.type === "conversation.created" || f.type === "conversation.closed")) ||
        (conversationId !== undefined && f.type === "conversation.message");
      if (!mine || !relevant) return;
      clearTimeout(soon);
      soon = setTimeout(() => void reload(), 300);
    });
    return () => {
      clearTimeout(soon);
      off();
      disconnect();
    };
  }, [conversationId]);
}

/** Re-reads of a call whose transcript is still empty, one a second. */
const TRANSCRIPT_REREADS = 10;

function CallView({ id }: { id: string }) {
  const detail = useLoad(() => api.calls.get(id), [id]);
  const [error, setError] = useState<string | null>(null);
  const d: CallDetail | null = detail.data;
  useLiveCalls(detail.reload, d?.conversationId ?? "");
  // the call's lines reach D1 a moment after its room has them (the room copies about a second
  // late), and no live event follows for lines already said: read again a few times while empty
  const emptyReads = useRef(0);
  useEffect(() => {
    if (!d || d.transcript.length > 0 || emptyReads.current >= TRANSCRIPT_REREADS) return;
    emptyReads.current++;
    const t = setTimeout(() => void detail.reload(), 1000);
    return () => clearTimeout(t);
  }, [d]);
  const erase = async () => {
    if (!(await confirmDialog("Delete this call? Its transcript and recording are erased for good."))) return;
    try {
      await api.calls.remove(id);
      navigate("/calls");
    } catch (err) {
      setError(errorText(err));
    }
  };
  return (
    <main class="page" id="main">
      <p>
        <a href="/app/calls">← All calls</a>
      </p>
      <ErrorNote error={detail.error ?? error} />
      {detail.loading && !d && <Loading />}
      {d && (
        <>
          <header class="page-head row between wrap">
            <h1>Call from {d.from ?? "an unknown number"}</h1>
            {can("privacy:write") && (
              <button type="button" class="btn small danger" onClick={() => void erase()}>
                Delete call
              </button>
            )}
          </header>
          <dl class="facts">
            <dt>Started</dt>
            <dd>
              <time dateTime={d.startedAt}>{when(d.startedAt)}</time>
            </dd>
            <dt>Duration</dt>
            <dd class="call-duration">{duration(d.durationS)}</dd>
            <dt>Cost</dt>
            <dd class="call-cost">{cost(d)}</dd>
            <dt>Status</dt>
            <dd>{STATUS_LABEL[d.status]}</dd>
            <dt>Outcome</dt>
            <dd>{d.outcome === "handed_off" ? "Handed to a person" : (d.outcome ?? "—")}</dd>
            {d.handoff && (
              <>
                <dt>Hand-off</dt>
                <dd>
                  {d.handoff.reason ?? "asked for a person"}
                  {d.handoff.to ? ` → ${d.handoff.to}` : ""}
                </dd>
              </>
            )}
            <dt>Conversation</dt>
            <dd>
              <a href={`/app/c/${encodeURIComponent(d.conversationId)}`}>Open in the inbox</a>
            </dd>
          </dl>
          <section aria-labelledby="call-summary">
            <h2 id="call-summary">Summary</h2>
            <p>{d.summary ?? "No summary yet."}</p>
          </section>
          <section aria-labelledby="call-recording">
            <h2 id="call-recording">Recording</h2>
            {d.recordingUrl ? (
              <audio class="call-audio" controls preload="metadata" src={d.recordingUrl}>
                <a href={d.recordingUrl}>Download the recording</a>
              </audio>
            ) : (
              <p class="muted">No recording for this call.</p>
            )}
          </section>
          <section aria-labelledby="call-transcript">
            <h2 id="call-transcript">Transcript</h2>
            {d.transcript.length === 0 ? (
              <p class="muted">Nothing was said yet.</p>
            ) : (
              <ol class="transcript">
                {d.transcript.map((l) => (
                  <li key={l.id} class={`line role-${l.role}`}>
                    <strong>{WHO[l.role] ?? l.role}</strong>{" "}
                    <time class="muted small" dateTime={l.at}>
                      {new Date(l.at).toLocaleTimeString()}
                    </time>
                    {l.fromReport && <span class="muted small"> · from the provider's report</span>}
                    <p>{l.text}</p>
                  </li>
                ))}
              </ol>
            )}
          </section>
        </>
      )}
    </main>
  );
}

export function Calls() {
  const m = match("/calls/:id", route.value.path);
  return m ? <CallView id={m.id!} /> : <CallList />;
}
