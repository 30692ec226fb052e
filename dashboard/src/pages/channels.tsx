/**
 * Settings → Channels: the workspace's inbound email address (mail to it becomes conversations) and
 * connecting a WhatsApp Cloud API number. Access token and app secret are write-only: the API
 * answers with the webhook URL to paste into Meta's app dashboard, never with the secrets.
 */
import { useState } from "preact/hooks";
import { api } from "../api";
import { ErrorNote, Field, fieldError, Loading, useAction, useLoad } from "../ui/kit";

export function Channels() {
  const email = useLoad(() => api.channels.email());
  const bots = useLoad(() => api.bots.list().then((p) => p.data));
  const [botId, setBot] = useState("");
  const [phoneNumberId, setPhone] = useState("");
  const [accessToken, setToken] = useState("");
  const [appSecret, setSecret] = useState("");
  const [verifyToken, setVerify] = useState("");
  const [hook, setHook] = useState<string | null>(null);
  const connect = useAction(async () => {
    const bot = botId || bots.data?.[0]?.id || "";
    const r = await api.channels.connectWhatsApp({ botId: bot, phoneNumberId, accessToken, appSecret, verifyToken });
    setToken("");
    setSecret("");
    setHook(r.webhookUrl);
  });
  return (
    <section class="card" aria-labelledby="channels-h">
      <h2 id="channels-h">Channels</h2>
      <h3>Email</h3>
      <ErrorNote error={email.error} />
      {email.loading && !email.data ? (
        <Loading />
      ) : (
        email.data && (
          <p>
            Mail sent to{" "}
            <code class="mono" data-testid="inbound-address">
              {email.data.address}
            </code>{" "}
            becomes a conversation; answers go back by mail in the same thread.
          </p>
        )
      )}
      <h3>WhatsApp</h3>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          void connect.run();
        }}
      >
        {(bots.data?.length ?? 0) > 1 && (
          <label class="field">
            Bot
            <select value={botId} onChange={(e) => setBot((e.target as HTMLSelectElement).value)}>
              {bots.data!.map((b) => (
                <option key={b.id} value={b.id}>
                  {b.name}
                </option>
              ))}
            </select>
          </label>
        )}
        <Field
          label="Phone number id"
          required
          value={phoneNumberId}
          onValue={setPhone}
          error={fieldError(connect.fields, "phoneNumberId")}
        />
        <Field
          label="Access token"
          type="password"
          autoComplete="off"
          required
          value={accessToken}
          onValue={setToken}
          error={fieldError(connect.fields, "accessToken")}
        />
        <Field
          label="App secret"
          type="password"
          autoComplete="off"
          required
          value={appSecret}
          onValue={setSecret}
          error={fieldError(connect.fields, "appSecret")}
        />
        <Field
          label="Verify token"
          required
          minLength={8}
          hint="Any string; enter the same in Meta's webhook settings."
          value={verifyToken}
          onValue={setVerify}
          error={fieldError(connect.fields, "verifyToken")}
        />
        <ErrorNote error={connect.error} />
        <button class="btn primary" type="submit" disabled={connect.busy}>
          {connect.busy ? "Connecting…" : "Connect WhatsApp number"}
        </button>
      </form>
      {hook && (
        <p role="status">
          Connected. Webhook URL for Meta:{" "}
          <code class="mono break" data-testid="whatsapp-webhook">
            {hook}
          </code>
        </p>
      )}
    </section>
  );
}
