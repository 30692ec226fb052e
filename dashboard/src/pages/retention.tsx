/**
 * Data retention (issue 18): how long conversations (idle) and call recordings are kept before the
 * hourly sweep erases them (PUT /api/privacy/settings). Blank keeps them.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { Done, ErrorNote, Field, fieldError, Loading, useAction, useLoad } from "../ui/kit";

type Retention = { conversationRetentionDays: number | null; recordingRetentionDays: number | null };

/** Blank: keep (null); anything else goes as typed, so the server names what is wrong with it. */
const days = (v: string): number | string | null => {
  const t = v.trim();
  if (t === "") return null;
  return Number.isFinite(Number(t)) ? Number(t) : t;
};
const text = (n: number | null) => (n === null ? "" : String(n));
const said = (n: number | null, what: string) => (n === null ? `${what} are kept` : `${what} go after ${n} days`);

export function RetentionForm() {
  const current = useLoad(async () => {
    const r = await api.raw.get<Retention>("/api/privacy/settings");
    setConversations(text(r.conversationRetentionDays));
    setRecordings(text(r.recordingRetentionDays));
    return r;
  });
  const [conversations, setConversations] = useState("");
  const [recordings, setRecordings] = useState("");
  const save = useAction(async () => {
    const r = await api.raw.put<Retention>("/api/privacy/settings", {
      conversationRetentionDays: days(conversations),
      recordingRetentionDays: days(recordings),
    });
    current.set(r);
  }, "Retention saved.");
  return (
    <section class="card" aria-labelledby="ret-title">
      <h2 id="ret-title">Data retention</h2>
      {current.data && (
        <p class="muted" role="status">
          {said(current.data.conversationRetentionDays, "Idle conversations")};{" "}
          {said(current.data.recordingRetentionDays, "call recordings")}. Erasures are checked every hour and recorded
          in the audit log.
        </p>
      )}
      {current.loading && !current.data ? (
        <Loading />
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <Field
            label="Erase conversations idle for (days)"
            hint="Blank keeps them. The conversation, its messages, files, tickets and call go together."
            error={fieldError(save.fields, "conversationRetentionDays")}
            value={conversations}
            onValue={setConversations}
          />
          <Field
            label="Delete call recordings older than (days)"
            hint="Blank keeps them. The call, its transcript and summary stay."
            error={fieldError(save.fields, "recordingRetentionDays")}
            value={recordings}
            onValue={setRecordings}
          />
          <ErrorNote error={save.error ?? current.error} />
          <Done text={save.done} />
          <button type="submit" class="btn primary" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save retention"}
          </button>
        </form>
      )}
    </section>
  );
}
