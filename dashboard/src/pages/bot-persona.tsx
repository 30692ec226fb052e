/**
 * A bot's persona and avatar (issue 19): `PATCH /api/bots/:id {persona}` and `{avatar}`. The persona
 * is replaced as a whole (all fields empty: no persona), so the form always sends every field. The
 * server's refusals are shown in plain words under the field they concern, and nothing is saved.
 */
import { useEffect, useState } from "preact/hooks";
import { api, type Bot } from "../api";
import { can } from "../models/session";
import { Area, Done, ErrorNote, Field, fieldError, Select, useAction } from "../ui/kit";

type Persona = NonNullable<Bot["persona"]>;
type Tone = NonNullable<Persona["tone"]> | "";

type Form = {
  name: string;
  role: string;
  tone: Tone;
  language: string;
  languages: string;
  greeting: string;
  instructions: string;
  styleRules: string;
  never: string;
  avatar: boolean;
};

const lines = (s: string) =>
  s
    .split("\n")
    .map((l) => l.trim())
    .filter(Boolean);
const tags = (s: string) => s.split(/[\s,]+/).filter(Boolean);

export const toPersonaForm = (b: Bot): Form => ({
  name: b.persona?.name ?? "",
  role: b.persona?.role ?? "",
  tone: b.persona?.tone ?? "",
  language: b.persona?.language ?? "",
  languages: (b.persona?.languages ?? []).join(", "),
  greeting: b.persona?.greeting ?? "",
  instructions: b.persona?.instructions ?? "",
  styleRules: (b.persona?.styleRules ?? []).join("\n"),
  never: (b.persona?.never ?? []).join("\n"),
  avatar: b.avatar.enabled,
});

/** The PATCH body: only the fields filled in; none at all removes the persona (`null`). */
export function personaOf(f: Form): Persona | null {
  const p: Persona = {
    ...(f.name.trim() ? { name: f.name.trim() } : {}),
    ...(f.role.trim() ? { role: f.role.trim() } : {}),
    ...(f.tone ? { tone: f.tone } : {}),
    ...(f.language.trim() ? { language: f.language.trim() } : {}),
    ...(tags(f.languages).length ? { languages: tags(f.languages) } : {}),
    ...(f.greeting.trim() ? { greeting: f.greeting.trim() } : {}),
    ...(f.instructions.trim() ? { instructions: f.instructions } : {}),
    ...(lines(f.styleRules).length ? { styleRules: lines(f.styleRules) } : {}),
    ...(lines(f.never).length ? { never: lines(f.never) } : {}),
  };
  return Object.keys(p).length ? p : null;
}

export function BotPersona({ bot, onSaved }: { bot: Bot; onSaved: (b: Bot) => void }) {
  const [f, setF] = useState(toPersonaForm(bot));
  const [saved, setSaved] = useState(false);
  useEffect(() => setF(toPersonaForm(bot)), [bot.id]);
  const set =
    <K extends keyof Form>(key: K) =>
    (v: Form[K]) => {
      setSaved(false);
      setF({ ...f, [key]: v });
    };
  const save = useAction(async () => {
    const b = await api.bots.update(bot.id, { persona: personaOf(f), avatar: { enabled: f.avatar } });
    onSaved(b);
    setF(toPersonaForm(b));
    setSaved(true);
  });
  const err = (path: string) => fieldError(save.fields, `persona.${path}`);
  const ro = !can("bots:write");
  return (
    <form
      class="card bot-persona"
      aria-labelledby="persona-h"
      onSubmit={(e) => {
        e.preventDefault();
        void save.run();
      }}
    >
      <h2 id="persona-h">Persona</h2>
      <p class="muted small">
        Who the bot is in every channel (chat, voice, email, WhatsApp, the API). Leave every field empty for no persona.
      </p>
      <fieldset disabled={ro}>
        <div class="row wrap">
          <Field label="Persona name" maxLength={80} value={f.name} onValue={set("name")} error={err("name")} />
          <Field
            label="Role"
            maxLength={200}
            placeholder="Billing specialist"
            value={f.role}
            onValue={set("role")}
            error={err("role")}
          />
          <Select
            label="Tone"
            value={f.tone}
            onValue={set("tone")}
            options={[
              ["", "Not set"],
              ["neutral", "Neutral"],
              ["friendly", "Friendly"],
              ["formal", "Formal"],
            ]}
          />
        </div>
        <div class="row wrap">
          <Field
            label="Persona language"
            placeholder="fr"
            hint='A language tag like "fr" or "pt-BR"; empty: the bot setting.'
            value={f.language}
            onValue={set("language")}
            error={err("language")}
          />
          <Field
            label="Other languages it speaks"
            placeholder="en, es"
            hint="Tags separated by commas."
            value={f.languages}
            onValue={set("languages")}
            error={err("languages")?.replace(/^Line (\d+)/, "Tag $1")}
          />
        </div>
        <Field
          label="Persona greeting"
          maxLength={500}
          hint="Empty: a greeting in the persona's tone and language."
          value={f.greeting}
          onValue={set("greeting")}
          error={err("greeting")}
        />
        <Area
          label="Persona instructions"
          rows={3}
          maxLength={4000}
          value={f.instructions}
          onValue={set("instructions")}
          error={err("instructions")}
        />
        <Area
          label="Style rules"
          rows={3}
          hint="One per line, e.g. “Keep answers under three sentences”."
          value={f.styleRules}
          onValue={set("styleRules")}
          error={err("styleRules")}
        />
        <Area
          label="It must never"
          rows={3}
          hint="One per line, e.g. “Promise refunds”."
          value={f.never}
          onValue={set("never")}
          error={err("never")}
        />
        <label class="check block">
          <input type="checkbox" checked={f.avatar} onChange={(e) => set("avatar")(e.currentTarget.checked)} />
          Show an animated avatar in the widget
        </label>
      </fieldset>
      <ErrorNote error={save.error} />
      {!ro && (
        <div class="row wrap">
          <button class="btn primary" type="submit" disabled={save.busy}>
            {save.busy ? "Saving…" : "Save persona"}
          </button>
          {saved && <span role="status">Persona saved.</span>}
        </div>
      )}
    </form>
  );
}

const kb = (n: number) => (n < 1024 * 1024 ? `${Math.ceil(n / 1024)} KB` : `${(n / 1024 / 1024).toFixed(1)} MB`);

/**
 * The bot's 3D avatar (issue 19): a self-contained binary glTF uploaded with
 * `PUT /api/bots/:id/avatar/model`. The widget draws it with three.js (loaded only for such bots) in
 * place of the 2D face; what the model offers (its clips and morph targets) is shown, so the tenant
 * sees which moods it animates by itself.
 */
export function BotAvatarModel({ bot, onSaved }: { bot: Bot; onSaved: (b: Bot) => void }) {
  const model = bot.avatar.model;
  const upload = useAction(
    async (file: File) => {
      const b = await api.bots.uploadAvatarModel(bot.id, file);
      onSaved(b);
      return b;
    },
    (b) =>
      `Model uploaded (${kb(b.avatar.model?.bytes ?? 0)}).${b.avatar.enabled ? "" : " Turn the avatar on above to show it."}`,
  );
  const remove = useAction(
    async () => onSaved(await api.bots.removeAvatarModel(bot.id)),
    "Model removed: the widget shows the 2D face.",
  );
  const ro = !can("bots:write");
  return (
    <section class="card bot-avatar-model" aria-labelledby="avatar3d-h">
      <h2 id="avatar3d-h">3D avatar</h2>
      <p class="muted small">
        Upload a binary glTF (.glb, up to 8 MB) to show a 3D avatar instead of the drawn face. Animation clips named
        after a mood (happy, thinking, concerned, apologetic, handing-over, speaking) play for it; morph targets such as
        mouthOpen or jawOpen move with speech. Visitors download it only for this bot, after the chat is ready.
      </p>
      {model ? (
        <p class="small" data-testid="avatar-model">
          <strong>{model.name}</strong> · {kb(model.bytes)} · clips: {model.clips.join(", ") || "none"} · face shapes:{" "}
          {model.morphs.join(", ") || "none"}
        </p>
      ) : (
        <p class="small muted">No model: the widget shows the 2D face.</p>
      )}
      {!ro && (
        <div class="row wrap">
          <label class="btn small">
            {model ? "Replace the model" : "Upload a model"}
            <input
              class="sr"
              type="file"
              accept=".glb,model/gltf-binary"
              aria-label="Upload a 3D avatar model (.glb)"
              disabled={upload.busy}
              onChange={(e) => {
                const f = e.currentTarget.files?.[0];
                e.currentTarget.value = "";
                remove.clearDone();
                if (f) void upload.run(f);
              }}
            />
          </label>
          {model && (
            <button
              class="btn small"
              type="button"
              disabled={remove.busy}
              onClick={() => {
                upload.clearDone();
                void remove.run();
              }}
            >
              Remove the model
            </button>
          )}
        </div>
      )}
      <ErrorNote error={upload.errorAt("file") ?? upload.error} />
      <ErrorNote error={remove.error} />
      <Done text={upload.done ?? remove.done} />
    </section>
  );
}
