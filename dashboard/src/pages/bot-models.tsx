/**
 * A bot's own model chain (issue 19): `GET/PUT/DELETE /api/bots/:id/answer-providers`. Links are
 * tried in order, then the embedded answerer. Keys are write-only: the server keeps them sealed and
 * answers with a hint ("…abcd"), so a saved key is never in this page, and saving the chain again
 * (a reorder, a new model) needs each link's key again. Reset goes back to the deployment default.
 */
import { useState } from "preact/hooks";
import { api, ApiError } from "../api";
import type { AnswerProvidersDto } from "../../../workers/contracts/dto";
import { can } from "../models/session";
import { ago } from "../models/util";
import { Empty, ErrorNote, Field, fieldError, Loading, Select, useAction, useLoad } from "../ui/kit";
import { confirmDialog } from "../ui/confirm";
import { withoutLine } from "./bot-words";

type Provider = AnswerProvidersDto["chain"][number]["provider"];
type Link = { provider: Provider; model: string; baseURL: string; apiKey: string; keyHint: string | null };

/** The server's limit (domain/bots/answer-providers.ts MAX_CHAIN): a primary and a secondary. */
const MAX_LINKS = 2;
const PROVIDERS: readonly (readonly [Provider, string])[] = [
  ["openai", "OpenAI-compatible"],
  ["anthropic", "Anthropic"],
  ["gemini", "Google Gemini"],
];
const MODEL_HINT: Record<Provider, string> = {
  openai: "gpt-4o-mini",
  anthropic: "claude-3-5-haiku-latest",
  gemini: "gemini-1.5-flash",
};

const fromDto = (d: AnswerProvidersDto): Link[] =>
  d.chain.map((l) => ({
    provider: l.provider,
    model: l.model,
    baseURL: l.baseURL ?? "",
    apiKey: "",
    keyHint: l.keyHint,
  }));
const blank = (): Link => ({ provider: "openai", model: "", baseURL: "", apiKey: "", keyHint: null });

/**
 * The saved key a link keeps when its key field is left empty: the server keeps the key saved for
 * this bot with the same provider and endpoint (a key never follows a link to another endpoint).
 */
const keptHint = (l: Link, saved: AnswerProvidersDto | null) =>
  saved?.chain.find((s) => s.provider === l.provider && (s.baseURL ?? "") === l.baseURL.trim())?.keyHint ?? null;

/** What the form checks before asking the server: empty model, or no key and none saved to keep. */
function localErrors(links: Link[], saved: AnswerProvidersDto | null): Record<string, string> {
  const out: Record<string, string> = {};
  links.forEach((l, i) => {
    if (!l.model.trim()) out[`chain.${i}.model`] = "Enter the model name.";
    if (!l.apiKey.trim() && !keptHint(l, saved))
      out[`chain.${i}.apiKey`] = "Enter the API key: none is saved for this provider and endpoint.";
  });
  return out;
}

export function BotModels({ botId }: { botId: string }) {
  const chain = useLoad<AnswerProvidersDto | "forbidden">(
    () =>
      api.raw.get<AnswerProvidersDto>(`/api/bots/${encodeURIComponent(botId)}/answer-providers`).catch((e: unknown) => {
        if (e instanceof ApiError && e.status === 403) return "forbidden" as const;
        throw e;
      }),
    [botId],
  );
  const [links, setLinks] = useState<Link[] | null>(null);
  const [local, setLocal] = useState<Record<string, string>>({});
  const [status, setStatus] = useState("");
  const dto = chain.data && chain.data !== "forbidden" ? chain.data : null;
  const shown = links ?? (dto ? fromDto(dto) : []);
  const edit = (next: Link[] | null) => {
    setStatus("");
    setLocal({});
    setLinks(next);
  };
  const put = (i: number, patch: Partial<Link>) => edit(shown.map((l, j) => (j === i ? { ...l, ...patch } : l)));
  const move = (i: number, by: -1 | 1) => {
    const next = [...shown];
    [next[i], next[i + by]] = [next[i + by]!, next[i]!];
    edit(next);
  };
  const save = useAction(async () => {
    const body = {
      chain: shown.map((l) => ({
        provider: l.provider,
        model: l.model.trim(),
        ...(l.apiKey.trim() ? { apiKey: l.apiKey.trim() } : {}),
        ...(l.provider === "openai" && l.baseURL.trim() ? { baseURL: l.baseURL.trim() } : {}),
      })),
    };
    const d = await api.raw.put<AnswerProvidersDto>(`/api/bots/${encodeURIComponent(botId)}/answer-providers`, body);
    chain.set(d);
    setLinks(null);
    setStatus("Model chain saved.");
  });
  const reset = useAction(async () => {
    await api.raw.del(`/api/bots/${encodeURIComponent(botId)}/answer-providers`);
    chain.set({ botId, chain: [] });
    setLinks(null);
    setStatus("Back to the deployment default.");
  });
  const submit = () => {
    const errs = localErrors(shown, dto);
    setLocal(errs);
    if (Object.keys(errs).length) {
      requestAnimationFrame(() => document.querySelector<HTMLElement>(".bot-models [aria-invalid='true']")?.focus());
      save.setError(
        Object.keys(errs).length === 1
          ? "One field needs a change: it is marked."
          : "Some fields need a change: they are marked.",
      );
      return;
    }
    void save.run();
  };
  const err = (i: number, field: string) =>
    local[`chain.${i}.${field}`] ?? withoutLine(fieldError(save.fields, `chain.${i}.${field}`));
  const ro = !can("settings:write");

  if (chain.data === "forbidden")
    return (
      <section class="card" aria-labelledby="models-h">
        <h2 id="models-h">Answer models</h2>
        <p class="muted">Your role cannot see this bot's model settings.</p>
      </section>
    );
  return (
    <form
      class="card bot-models"
      aria-labelledby="models-h"
      noValidate
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <h2 id="models-h">Answer models</h2>
      <p class="muted small">
        Tried in order; if one fails or times out the next answers, and after the last the built-in answerer does.
      </p>
      <ErrorNote error={chain.error} />
      {chain.loading && !chain.data ? (
        <Loading />
      ) : (
        <>
          {dto && dto.chain.length > 0 && !links && (
            <p role="status" class="small">
              Using this bot's own models, saved {ago(dto.chain[0]!.updatedAt)}.
            </p>
          )}
          {shown.length === 0 && !links && (
            <Empty title="Deployment default">
              This bot answers with the workspace's model. Add a link to choose its own.
            </Empty>
          )}
          <fieldset disabled={ro}>
            <ol class="chain">
              {shown.map((l, i) => (
                <li key={i} class="chain-link" aria-label={`Link ${i + 1} of ${shown.length}`}>
                  <div class="row between wrap">
                    <strong>{i === 0 ? "Primary" : "Fallback"}</strong>
                    <div class="row">
                      <button
                        type="button"
                        class="btn small"
                        disabled={i === 0}
                        aria-label={`Move link ${i + 1} up`}
                        onClick={() => move(i, -1)}
                      >
                        ↑
                      </button>
                      <button
                        type="button"
                        class="btn small"
                        disabled={i === shown.length - 1}
                        aria-label={`Move link ${i + 1} down`}
                        onClick={() => move(i, 1)}
                      >
                        ↓
                      </button>
                      <button
                        type="button"
                        class="btn small danger"
                        aria-label={`Remove link ${i + 1}`}
                        onClick={() => edit(shown.filter((_, j) => j !== i))}
                      >
                        Remove
                      </button>
                    </div>
                  </div>
                  <div class="row wrap">
                    <Select
                      label={`Provider (link ${i + 1})`}
                      value={l.provider}
                      onValue={(provider) => put(i, { provider, ...(provider === "openai" ? {} : { baseURL: "" }) })}
                      options={PROVIDERS}
                    />
                    <Field
                      label={`Model (link ${i + 1})`}
                      placeholder={MODEL_HINT[l.provider]}
                      maxLength={100}
                      value={l.model}
                      onValue={(model) => put(i, { model })}
                      error={err(i, "model")}
                    />
                  </div>
                  {l.provider === "openai" && (
                    <Field
                      label={`API base URL (link ${i + 1})`}
                      type="url"
                      placeholder="https://api.openai.com/v1"
                      hint="Empty: OpenAI. Any OpenAI-compatible endpoint the deployment allows."
                      value={l.baseURL}
                      onValue={(baseURL) => put(i, { baseURL })}
                      error={err(i, "baseURL")}
                    />
                  )}
                  <Field
                    label={`API key (link ${i + 1})`}
                    type="password"
                    autoComplete="off"
                    placeholder={keptHint(l, dto) ? "Leave empty to keep the saved key" : ""}
                    hint={
                      keptHint(l, dto)
                        ? `Key set (${keptHint(l, dto)}). Stored encrypted and never shown again.`
                        : "Stored encrypted and never shown again."
                    }
                    value={l.apiKey}
                    onValue={(apiKey) => put(i, { apiKey })}
                    error={err(i, "apiKey")}
                  />
                </li>
              ))}
            </ol>
          </fieldset>
          <ErrorNote error={save.error ?? reset.error ?? save.fields.chain ?? null} />
          {links && shown.length === 0 && (
            <p class="muted small">No links left: use “Reset to default” to answer with the workspace's model.</p>
          )}
          {!ro && (
            <div class="row wrap">
              <button
                type="button"
                class="btn"
                disabled={shown.length >= MAX_LINKS}
                onClick={() => edit([...shown, blank()])}
              >
                Add model
              </button>
              {links && (
                <button class="btn primary" type="submit" disabled={save.busy || shown.length === 0}>
                  {save.busy ? "Saving…" : "Save model chain"}
                </button>
              )}
              {links && (
                <button type="button" class="btn ghost" onClick={() => edit(null)}>
                  Discard changes
                </button>
              )}
              {dto && dto.chain.length > 0 && (
                <button
                  type="button"
                  class="btn danger"
                  disabled={reset.busy}
                  onClick={() =>
                    void confirmDialog(
                      "Remove this bot's own models and their keys? It answers with the deployment default.",
                      "Reset to default",
                    ).then((ok) => ok && reset.run())
                  }
                >
                  Reset to default
                </button>
              )}
              {status && <span role="status">{status}</span>}
            </div>
          )}
        </>
      )}
    </form>
  );
}
