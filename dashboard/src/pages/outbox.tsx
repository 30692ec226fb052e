/** Settings → Outbox: the mail Echo sent through the local outbox (invitations, resets), newest first. */
import { api } from "../api";
import { ago } from "../models/util";
import { Empty, ErrorNote, Loading, useLoad } from "../ui/kit";

export function Outbox() {
  const mails = useLoad(() => api.outbox().then((p) => p.data));
  return (
    <section class="card" aria-labelledby="outbox-h">
      <h2 id="outbox-h">Outbox</h2>
      <p class="muted">Without a mail binding (local runs and tests) Echo delivers mail here instead of sending it.</p>
      <ErrorNote error={mails.error} />
      {mails.loading && !mails.data ? (
        <Loading />
      ) : !mails.data?.length ? (
        <Empty title="No mail yet" />
      ) : (
        <ul class="outbox">
          {mails.data.map((m) => (
            <li key={m.messageId}>
              <details>
                <summary>
                  <strong>{m.subject}</strong> to {m.to} · <span class="muted">{ago(m.sentAt)}</span>
                </summary>
                <pre class="mono break">{m.text}</pre>
              </details>
            </li>
          ))}
        </ul>
      )}
    </section>
  );
}
