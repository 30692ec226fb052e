/**
 * Voice: the tenant's phone lines through Vapi, ElevenLabs, Retell or Twilio. Each line shows the
 * URLs to paste into the provider's console. Secrets are write-only: the API stores them encrypted and
 * answers with hints ("••••abcd"); an empty secret field on edit keeps the stored one.
 */
import type { InputHTMLAttributes } from "preact";
import { useId, useLayoutEffect, useRef, useState } from "preact/hooks";
import { api, settingsApi, type Bot, type VoiceIntegration } from "../api";
import { can } from "../models/session";
import {
  createBody,
  emptyVoiceForm,
  patchBody,
  PROVIDER_OPTIONS,
  PROVIDERS,
  urlRows,
  voiceFormOf,
  type VoiceForm,
} from "../models/voice";
import { ago } from "../models/util";
import { CopyButton, Empty, ErrorNote, Loading, Select, useAction, useLoad } from "../ui/kit";
import { confirmDialog } from "../ui/confirm";

type InputProps = Omit<InputHTMLAttributes<HTMLInputElement>, "value" | "onInput" | "label"> & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  /** The API's message for this field, shown under it and linked with aria-describedby. */
  error?: string;
  hideLabel?: boolean;
};

/** A labelled input with its hint and the API's error for it (shared with the triage screen). */
export function Input({ label, value, onValue, hint, error, hideLabel, class: cls, ...rest }: InputProps) {
  const id = useId();
  const described = [hint && `${id}-h`, error && `${id}-e`].filter(Boolean).join(" ") || undefined;
  return (
    <div class={`field${error ? " invalid" : ""}${cls ? ` ${String(cls)}` : ""}`}>
      <label for={id} class={hideLabel ? "sr" : undefined}>
        {label}
      </label>
      <input
        {...(rest as InputHTMLAttributes<HTMLInputElement>)}
        id={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-invalid={error ? true : undefined}
        aria-describedby={described}
      />
      {hint && <small id={`${id}-h`}>{hint}</small>}
      {error && (
        <small class="field-error" id={`${id}-e`}>
          {error}
        </small>
      )}
    </div>
  );
}

function IntegrationForm({
  bots,
  current,
  onDone,
  onCancel,
}: {
  bots: Bot[];
  current?: VoiceIntegration;
  onDone: (v: VoiceIntegration) => void;
  onCancel?: () => void;
}) {
  const [f, setF] = useState<VoiceForm>(() => (current ? voiceFormOf(current) : emptyVoiceForm(bots[0]?.id)));
  const set =
    <K extends keyof VoiceForm>(k: K) =>
    (v: VoiceForm[K]) =>
      setF((x) => ({ ...x, [k]: v }));
  const info = PROVIDERS[f.provider];
  const ref = useRef<HTMLFormElement>(null);
  // opening the editor replaces the Edit button: keep the keyboard user's place. A layout effect,
  // so focus moves in the same task as the editor appears: an effect after paint could move it
  // between a quick user's (or test's) click into a field and the typing that follows, sending the
  // keys to the first field (a save without the change: the dashboard-settings e2e flake)
  useLayoutEffect(() => {
    if (current) ref.current?.querySelector<HTMLElement>("input, select")?.focus();
  }, []);
  const save = useAction(async () => {
    const v = current
      ? await settingsApi.voice.update(current.id, patchBody(current, f))
      : await settingsApi.voice.create(createBody(f));
    if (!current) setF(emptyVoiceForm(f.botId));
    onDone(v);
  });
  const claimed = [
    "name",
    "botId",
    "settings.handoffNumber",
    "settings.firstMessage",
    "settings.vapiAuth",
    "settings.streamUrl",
    ...info.secrets.map((s) => `secrets.${s.key}`),
  ];
  return (
    <form
      ref={ref}
      class="voice-form"
      aria-label={current ? `Edit ${current.name}` : "Connect a voice provider"}
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <div class="row wrap">
        {current ? (
          <p class="field">
            <span class="muted small">Provider</span> <strong>{info.label}</strong>
          </p>
        ) : (
          <Select
            label="Provider"
            value={f.provider}
            onValue={(p) => setF((x) => ({ ...x, provider: p, secrets: {} }))}
            options={PROVIDER_OPTIONS}
          />
        )}
        <Select label="Bot" value={f.botId} onValue={set("botId")} options={bots.map((b) => [b.id, b.name] as const)} />
      </div>
      <Input
        label="Name"
        placeholder={`${f.provider} line`}
        maxLength={80}
        value={f.name}
        onValue={set("name")}
        error={save.errorAt("name")}
      />
      {info.secrets.map((s) => {
        const hint = current?.secretHints[s.key];
        return (
          <Input
            key={`${f.provider}-${s.key}`}
            label={s.label}
            type="password"
            autoComplete="new-password"
            required={!current && !s.optional}
            placeholder={hint ? `Saved (${hint}); leave empty to keep it` : undefined}
            hint={s.hint}
            value={f.secrets[s.key] ?? ""}
            onValue={(v) => setF((x) => ({ ...x, secrets: { ...x.secrets, [s.key]: v } }))}
            error={save.errorAt(`secrets.${s.key}`)}
          />
        );
      })}
      <div class="row wrap">
        <Input
          label="Hand-off number"
          type="tel"
          autoComplete="off"
          placeholder="+14155550100"
          hint="In E.164 form. Callers who need a person are transferred here."
          value={f.handoffNumber}
          onValue={set("handoffNumber")}
          error={save.errorAt("settings.handoffNumber")}
        />
        {f.provider === "vapi" && (
          <Select
            label="How Vapi authenticates"
            value={f.vapiAuth}
            onValue={set("vapiAuth")}
            options={[
              ["", "Default (X-Vapi-Secret header)"],
              ["secret", "X-Vapi-Secret header"],
              ["bearer", "Authorization: Bearer"],
              ["hmac", "HMAC credential"],
            ]}
          />
        )}
      </div>
      <Input
        label="First message"
        placeholder="Defaults to the bot's greeting"
        maxLength={500}
        value={f.firstMessage}
        onValue={set("firstMessage")}
        error={save.errorAt("settings.firstMessage")}
      />
      {f.provider === "twilio" && (
        <Input
          label="Stream URL"
          type="url"
          placeholder="wss://… (optional)"
          hint="Bridge calls to your own voice agent; without it Twilio's speech recognition talks to Echo."
          value={f.streamUrl}
          onValue={set("streamUrl")}
          error={save.errorAt("settings.streamUrl")}
        />
      )}
      <ErrorNote error={save.summary(claimed)} />
      <div class="row">
        <button class="btn primary" type="submit" disabled={save.busy || !f.botId}>
          {save.busy ? "Saving…" : current ? "Save changes" : "Connect"}
        </button>
        {onCancel && (
          <button type="button" class="btn ghost" onClick={onCancel}>
            Cancel
          </button>
        )}
      </div>
    </form>
  );
}

function UrlList({ v }: { v: VoiceIntegration }) {
  const id = useId();
  if (!v.urls) return <p class="muted small">Only admins see this line's URLs: some of them work as a password.</p>;
  return (
    <div>
      <h4 id={id} class="label">
        Paste into {PROVIDERS[v.provider].label}
      </h4>
      <ul class="plain url-list" aria-labelledby={id}>
        {urlRows(v).map(([label, url]) => (
          <li key={label}>
            <span class="small muted">{label}</span>
            <div class="row">
              <code class="mono break grow">{url}</code>
              <CopyButton text={url} label={`Copy ${label}`} />
            </div>
          </li>
        ))}
      </ul>
    </div>
  );
}

function IntegrationCard({
  v,
  bots,
  onChanged,
  onDeleted,
}: {
  v: VoiceIntegration;
  bots: Bot[];
  onChanged: (v: VoiceIntegration) => void;
  onDeleted: () => void;
}) {
  const [editing, setEditing] = useState(false);
  const editButton = useRef<HTMLButtonElement>(null);
  const wasEditing = useRef(false);
  useLayoutEffect(() => {
    if (!editing && wasEditing.current) editButton.current?.focus();
    wasEditing.current = editing;
  }, [editing]);
  const del = useAction(async () => {
    await settingsApi.voice.remove(v.id);
    onDeleted();
  });
  const rotate = useAction(async () => onChanged(await settingsApi.voice.rotate(v.id)));
  const rotatable = v.provider !== "twilio";
  const hints = Object.entries(v.secretHints);
  const secretLabel = (k: string) => PROVIDERS[v.provider].secrets.find((s) => s.key === k)?.label ?? k;
  return (
    <li class="card voice-item" aria-labelledby={`${v.id}-h`}>
      <header class="row between wrap">
        <h3 id={`${v.id}-h`}>{v.name}</h3>
        <span class="tag">{PROVIDERS[v.provider].label}</span>
      </header>
      {editing ? (
        <IntegrationForm
          bots={bots}
          current={v}
          onCancel={() => setEditing(false)}
          onDone={(x) => {
            setEditing(false);
            onChanged(x);
          }}
        />
      ) : (
        <>
          <dl class="facts">
            <div>
              <dt>Bot</dt>
              <dd>{bots.find((b) => b.id === v.botId)?.name ?? v.botId}</dd>
            </div>
            <div>
              <dt>Hand-off number</dt>
              <dd data-field="handoff">
                {v.settings.handoffNumber ?? <span class="muted">None: callers stay with the bot</span>}
              </dd>
            </div>
            <div>
              <dt>Secrets</dt>
              <dd>
                {hints.length
                  ? hints.map(([k, h]) => <span key={k} class="secret-hint">{`${secretLabel(k)} ${h}`}</span>)
                  : "None"}
              </dd>
            </div>
            <div>
              <dt>Updated</dt>
              <dd>{ago(v.updatedAt)}</dd>
            </div>
          </dl>
          <UrlList v={v} />
          <ErrorNote error={del.error ?? rotate.error} />
          {can("voice:write") && (
            <div class="row">
              <button
                ref={editButton}
                type="button"
                class="btn small"
                aria-label={`Edit ${v.name}`}
                onClick={() => setEditing(true)}
              >
                Edit
              </button>
              {rotatable && (
                <button
                  type="button"
                  class="btn small"
                  aria-label={`Rotate URLs of ${v.name}`}
                  title="Issue new custom-LLM URLs; the current ones stop working at once"
                  disabled={rotate.busy}
                  onClick={() =>
                    void confirmDialog(
                      `Issue new URLs for “${v.name}”? The current custom-LLM URL stops working at once: paste the new one into ${PROVIDERS[v.provider].label}.`,
                      "Rotate URLs",
                    ).then((ok) => ok && rotate.run())
                  }
                >
                  Rotate URLs
                </button>
              )}
              <button
                type="button"
                class="btn small danger"
                aria-label={`Delete ${v.name}`}
                disabled={del.busy}
                onClick={() =>
                  void confirmDialog(
                    `Delete “${v.name}”? Calls through ${PROVIDERS[v.provider].label} stop reaching Echo.`,
                    "Delete",
                  ).then((ok) => ok && del.run())
                }
              >
                Delete
              </button>
            </div>
          )}
        </>
      )}
    </li>
  );
}

export function Voice() {
  const list = useLoad(() => settingsApi.voice.list().then((p) => p.data));
  const bots = useLoad(() => api.bots.list().then((p) => p.data));
  const items = list.data ?? [];
  const botList = bots.data ?? [];
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Voice</h1>
        <p class="muted">
          Answer phone calls with your bot through Vapi, ElevenLabs, Retell or Twilio. Callers who need a person are
          transferred to your hand-off number.
        </p>
      </header>
      <section class="card" aria-labelledby="voice-lines">
        <h2 id="voice-lines">Phone lines</h2>
        <ErrorNote error={list.error ?? bots.error} />
        {list.loading && !list.data ? (
          <Loading />
        ) : !items.length ? (
          <Empty title="No voice provider connected">
            Connect one below, then paste its URLs into the provider's console.
          </Empty>
        ) : (
          <ul class="voice-list">
            {items.map((v) => (
              <IntegrationCard
                key={v.id}
                v={v}
                bots={botList}
                onChanged={(x) => list.set(items.map((y) => (y.id === x.id ? x : y)))}
                onDeleted={() => list.set(items.filter((y) => y.id !== v.id))}
              />
            ))}
          </ul>
        )}
      </section>
      {can("voice:write") ? (
        <section class="card" aria-labelledby="voice-new">
          <h2 id="voice-new">Connect a provider</h2>
          {bots.loading && !bots.data ? (
            <Loading />
          ) : botList.length ? (
            <IntegrationForm bots={botList} onDone={(v) => list.set([...items, v])} />
          ) : (
            <p class="muted">Create a bot first: a phone line answers with a bot's knowledge.</p>
          )}
        </section>
      ) : (
        <p class="muted">Only admins can connect or change voice providers.</p>
      )}
    </main>
  );
}
