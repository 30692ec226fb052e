/** Bots: settings, instructions, theme with a live preview of the widget, origins, embed snippet. */
import { useEffect, useState } from "preact/hooks";
import { api, type Bot } from "../api";
import { can } from "../models/session";
import { embedSnippet } from "../models/embed";
import { navigate, route } from "../router";
import { Area, CopyButton, Empty, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad } from "../ui/kit";
import { confirmDialog } from "../ui/confirm";
import { BotAvatarModel, BotPersona } from "./bot-persona";
import { BotModels } from "./bot-models";

type Form = {
  name: string;
  greeting: string;
  instructions: string;
  primaryColor: string;
  textColor: string;
  position: Bot["theme"]["position"];
  mode: Bot["theme"]["mode"];
  logoUrl: string;
  confidenceThreshold: number;
  answerLength: Bot["settings"]["answerLength"];
  language: string;
  origins: string;
};

const toForm = (b: Bot): Form => ({
  name: b.name,
  greeting: b.greeting,
  instructions: b.instructions,
  primaryColor: b.theme.primaryColor,
  textColor: b.theme.textColor,
  position: b.theme.position,
  mode: b.theme.mode,
  logoUrl: b.theme.logoUrl ?? "",
  confidenceThreshold: b.settings.confidenceThreshold,
  answerLength: b.settings.answerLength,
  language: b.settings.language,
  origins: b.allowedOrigins.join("\n"),
});

/** A static look-alike of the widget: updates as the theme fields change, before saving. */
function Preview({ f }: { f: Form }) {
  const dark = f.mode === "dark";
  return (
    <div class={`preview ${dark ? "pv-dark" : ""} ${f.position}`} aria-label="Widget preview" role="img">
      <div class="pv-panel">
        <div class="pv-head" style={{ background: f.primaryColor, color: f.textColor }}>
          {f.logoUrl ? <img src={f.logoUrl} alt="" width={20} height={20} /> : <span class="pv-logo">◗</span>}
          <strong>{f.name || "Your bot"}</strong>
        </div>
        <div class="pv-body">
          <p class="pv-msg bot">{f.greeting || "Hi! How can I help?"}</p>
          <p class="pv-msg me" style={{ background: f.primaryColor, color: f.textColor }}>
            How do I reset my password?
          </p>
        </div>
        <div class="pv-input">Type a message…</div>
      </div>
      <span class="pv-bubble" style={{ background: f.primaryColor, color: f.textColor }}>
        <svg viewBox="0 0 24 24" width="22" height="22" fill="currentColor" aria-hidden="true">
          <path d="M4 4h16a2 2 0 0 1 2 2v10a2 2 0 0 1-2 2H9l-5 4v-4a2 2 0 0 1-2-2V6a2 2 0 0 1 2-2z" />
        </svg>
      </span>
    </div>
  );
}

function Editor({ bot, onSaved, onDeleted }: { bot: Bot; onSaved: (b: Bot) => void; onDeleted: () => void }) {
  const [f, setF] = useState(toForm(bot));
  const [saved, setSaved] = useState(false);
  useEffect(() => setF(toForm(bot)), [bot.id]);
  const set =
    <K extends keyof Form>(key: K) =>
    (v: Form[K]) => {
      setSaved(false);
      setF({ ...f, [key]: v });
    };
  const save = useAction(async () => {
    const b = await api.bots.update(bot.id, {
      name: f.name,
      greeting: f.greeting,
      instructions: f.instructions,
      theme: {
        primaryColor: f.primaryColor,
        textColor: f.textColor,
        position: f.position,
        mode: f.mode,
        logoUrl: f.logoUrl || null,
      },
      settings: { confidenceThreshold: f.confidenceThreshold, answerLength: f.answerLength, language: f.language },
      allowedOrigins: f.origins.split(/[\s,]+/).filter(Boolean),
    });
    onSaved(b);
    setSaved(true);
  });
  const del = useAction(async () => {
    await api.bots.remove(bot.id);
    onDeleted();
  });
  const ro = !can("bots:write");
  return (
    <form
      class="bot-editor"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <fieldset disabled={ro} class="cols">
        <div class="col">
          <section class="card">
            <h2>Settings</h2>
            <Field label="Name" required value={f.name} onValue={set("name")} error={fieldError(save.fields, "name")} />
            <Field
              label="Greeting"
              value={f.greeting}
              onValue={set("greeting")}
              error={fieldError(save.fields, "greeting")}
            />
            <Area
              label="Instructions"
              rows={5}
              maxLength={4000}
              hint="Tone, scope and rules the bot follows."
              value={f.instructions}
              onValue={set("instructions")}
              error={fieldError(save.fields, "instructions")}
            />
            <div class="row wrap">
              <Select
                label="Answer length"
                value={f.answerLength}
                onValue={set("answerLength")}
                options={[
                  ["short", "Short"],
                  ["medium", "Medium"],
                  ["long", "Long"],
                ]}
              />
              <Field label="Language" value={f.language} onValue={set("language")} hint='"auto" follows the visitor' />
            </div>
            <div class="field">
              <label for="conf">Hand off below confidence: {Math.round(f.confidenceThreshold * 100)}%</label>
              <input
                id="conf"
                type="range"
                min={0}
                max={1}
                step={0.05}
                value={f.confidenceThreshold}
                onInput={(e) => set("confidenceThreshold")(Number(e.currentTarget.value))}
              />
            </div>
            <Area
              label="Allowed origins"
              rows={3}
              placeholder="https://www.example.com"
              hint="One per line. Leave empty to allow any site."
              error={fieldError(save.fields, "allowedOrigins")}
              value={f.origins}
              onValue={set("origins")}
            />
          </section>
        </div>
        <div class="col narrow">
          <section class="card">
            <h2>Theme</h2>
            <div class="row wrap">
              <div class="field">
                <label for="pc">Primary colour</label>
                <input
                  id="pc"
                  type="color"
                  value={f.primaryColor}
                  onInput={(e) => set("primaryColor")(e.currentTarget.value)}
                />
              </div>
              <div class="field">
                <label for="tc">Text colour</label>
                <input
                  id="tc"
                  type="color"
                  value={f.textColor}
                  onInput={(e) => set("textColor")(e.currentTarget.value)}
                />
              </div>
              <Select
                label="Position"
                value={f.position}
                onValue={set("position")}
                options={[
                  ["bottom-right", "Bottom right"],
                  ["bottom-left", "Bottom left"],
                ]}
              />
              <Select
                label="Mode"
                value={f.mode}
                onValue={set("mode")}
                options={[
                  ["auto", "Auto"],
                  ["light", "Light"],
                  ["dark", "Dark"],
                ]}
              />
            </div>
            <Field
              label="Logo URL"
              type="url"
              value={f.logoUrl}
              onValue={set("logoUrl")}
              error={fieldError(save.fields, "theme.logoUrl")}
            />
            <Preview f={f} />
          </section>
          <section class="card">
            <h2>Embed</h2>
            <p class="muted small">Paste this before &lt;/body&gt; on your site.</p>
            <pre class="snippet" aria-label="Embed snippet">
              <code>{embedSnippet(bot.publishableKey)}</code>
            </pre>
            <CopyButton text={embedSnippet(bot.publishableKey)} label="Copy snippet" />
          </section>
        </div>
      </fieldset>
      <ErrorNote error={save.error ?? del.error} />
      {!ro && (
        <div class="row sticky-actions">
          <button class="btn primary" type="submit" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save changes"}
          </button>
          {saved && <span role="status">Saved.</span>}
          <span class="grow" />
          <button
            type="button"
            class="btn danger"
            disabled={del.busy}
            onClick={() =>
              void confirmDialog(`Delete bot “${bot.name}”? Its widget stops working.`, "Delete bot").then(
                (ok) => ok && del.run(),
              )
            }
          >
            Delete bot
          </button>
        </div>
      )}
    </form>
  );
}

export function Bots() {
  const bots = useLoad(() => api.bots.list().then((p) => p.data));
  const id = route.value.path.split("/")[2];
  const list = bots.data ?? [];
  const current = list.find((b) => b.id === id) ?? list[0];
  const create = useAction(async () => {
    const b = await api.bots.create({ name: `Bot ${list.length + 1}` });
    bots.set([...list, b]);
    navigate(`/bots/${b.id}`);
  });
  return (
    <main class="page" id="main">
      <header class="page-head row between wrap">
        <h1>Bots</h1>
        <div class="row wrap">
          {list.length > 1 && (
            <Select
              hideLabel
              label="Bot"
              value={current?.id ?? ""}
              onValue={(v) => navigate(`/bots/${v}`)}
              options={list.map((b) => [b.id, b.name] as const)}
            />
          )}
          {can("bots:write") && (
            <button type="button" class="btn" disabled={create.busy} onClick={() => void create.run()}>
              New bot
            </button>
          )}
        </div>
      </header>
      <ErrorNote error={bots.error ?? create.error} />
      {bots.loading && !bots.data ? (
        <Loading />
      ) : !current ? (
        <Empty title="No bots yet">Create one to get an embed snippet.</Empty>
      ) : (
        <Editor
          key={current.id}
          bot={current}
          onSaved={(b) => bots.set(list.map((x) => (x.id === b.id ? b : x)))}
          onDeleted={() => {
            bots.set(list.filter((x) => x.id !== current.id));
            navigate("/bots", true);
          }}
        />
      )}
      {current && (
        <BotPersona
          key={`p-${current.id}`}
          bot={current}
          onSaved={(b) => bots.set(list.map((x) => (x.id === b.id ? b : x)))}
        />
      )}
      {current && (
        <BotAvatarModel
          key={`a-${current.id}`}
          bot={current}
          onSaved={(b) => bots.set(list.map((x) => (x.id === b.id ? b : x)))}
        />
      )}
      {current && <BotModels key={`m-${current.id}`} botId={current.id} />}
    </main>
  );
}
