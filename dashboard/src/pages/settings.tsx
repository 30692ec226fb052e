/**
 * Provider settings: the tenant's own OpenAI-compatible answer model. The key is write-only: the
 * server stores it encrypted and returns only a hint, so this form never shows a saved key.
 */
import { useState } from "preact/hooks";
import { api, ApiError, type ProviderSettings } from "../api";
import { can } from "../models/session";
import { ago } from "../models/util";
import { Done, ErrorNote, Field, fieldError, Loading, useAction, useLoad } from "../ui/kit";
import { Outbox } from "./outbox";
import { confirmDialog } from "../ui/confirm";
import { Channels } from "./channels";
import { BusinessHoursForm } from "./business-hours";
import { RetentionForm } from "./retention";
import { WorkspaceDeletion, WorkspaceDeletionBanner } from "./workspace-deletion";

export function Settings() {
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Settings</h1>
        <p class="muted">
          Answer generation runs on Echo's built-in extractive model until you connect your own provider.
        </p>
        <nav class="row" aria-label="Settings sections">
          <a href="/app/settings" aria-current="page">
            General
          </a>
          {can("roles:read") && <a href="/app/settings/roles">Roles</a>}
          {can("sso:read") && <a href="/app/settings/sso">SSO</a>}
        </nav>
      </header>
      <WorkspaceDeletionBanner />
      {can("settings:read") && <Provider />}
      {can("settings:write") && <BusinessHoursForm />}
      {can("settings:write") && <RetentionForm />}
      {can("channels:write") && <Channels />}
      {can("settings:read") && <Outbox />}
      <WorkspaceDeletion />
    </main>
  );
}

function Provider() {
  const current = useLoad<ProviderSettings | null>(() =>
    api.providers.openai().catch((err: unknown) => {
      if (err instanceof ApiError && err.status === 404) return null;
      throw err;
    }),
  );
  const [apiKey, setKey] = useState("");
  const [baseURL, setBase] = useState("");
  const [model, setModel] = useState("");
  const save = useAction(
    async () => {
      remove.clearDone();
      const s = await api.providers.saveOpenai({ apiKey, baseURL: baseURL || undefined, model: model || undefined });
      setKey("");
      current.set(s);
      return s;
    },
    (s) => `Provider saved: answers now come from ${s.model ?? "your model"}.`,
  );
  const remove = useAction(async () => {
    save.clearDone();
    await api.providers.removeOpenai();
    current.set(null);
  });
  const s = current.data;
  return (
    <section class="card">
      <h2>Answer provider (OpenAI-compatible)</h2>
      <ErrorNote error={current.error} />
      {current.loading && !current.data ? (
        <Loading />
      ) : s ? (
        <p role="status">
          Connected: <strong>{s.model}</strong> at {s.baseURL ?? "api.openai.com"} with key{" "}
          <code class="mono">{s.keyHint}</code>, updated {ago(s.updatedAt)}.
        </p>
      ) : (
        <p class="muted">Not connected: using the built-in model.</p>
      )}
      {can("settings:write") ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void save.run();
          }}
        >
          <Field
            label="API key"
            type="password"
            autoComplete="off"
            required
            minLength={8}
            placeholder={s ? "Enter a new key to replace the saved one" : "sk-…"}
            hint="Stored encrypted; never shown again."
            value={apiKey}
            onValue={setKey}
            error={fieldError(save.fields, "apiKey")}
          />
          <Field
            label="Base URL"
            type="url"
            placeholder="https://api.openai.com/v1 (or Groq, Together, Ollama…)"
            value={baseURL}
            onValue={setBase}
            error={fieldError(save.fields, "baseURL")}
          />
          <Field
            label="Model"
            placeholder={s?.model ?? "default"}
            value={model}
            onValue={setModel}
            error={fieldError(save.fields, "model")}
          />
          <ErrorNote error={save.summary(["apiKey", "baseURL", "model"]) ?? remove.error} />
          <Done text={save.done} />
          <div class="row">
            <button class="btn primary" type="submit" disabled={save.busy}>
              {save.busy ? "Saving…" : "Save provider"}
            </button>
            {s && (
              <button
                type="button"
                class="btn danger"
                disabled={remove.busy}
                onClick={() =>
                  void confirmDialog("Disconnect the provider and use the built-in model?", "Disconnect").then(
                    (ok) => ok && remove.run(),
                  )
                }
              >
                Disconnect
              </button>
            )}
          </div>
        </form>
      ) : (
        <p class="muted">Only admins can change providers.</p>
      )}
    </section>
  );
}
