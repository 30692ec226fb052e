/**
 * Knowledge: the sources a bot answers from, with live ingestion status; upload by drag and drop
 * or file picker, add Q&A pairs, text or a URL, delete; and a "Test your bot" panel.
 */
import { useEffect, useState } from "preact/hooks";
import type { KnowledgeSource } from "../api";
import * as inbox from "../models/inbox";
import * as k from "../models/knowledge";
import { canAdmin } from "../models/session";
import { ago } from "../models/util";
import { Area, Empty, ErrorNote, Field, Loading, Select, useAction } from "../ui/kit";

const STATUS: Record<string, string> = { queued: "Queued", processing: "Processing", ready: "Ready", failed: "Failed" };

function size(n?: number) {
  if (!n) return "";
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

function SourceRow({ s }: { s: KnowledgeSource }) {
  const del = useAction(() => k.removeSource(s.id));
  const pct = typeof s.progress === "number" ? Math.round(s.progress * 100) : null;
  return (
    <li class="source" data-status={s.status}>
      <div class="grow">
        <strong>{s.title}</strong>
        <span class="muted small">
          {" "}
          {s.type.toUpperCase()} {size(s.bytes)}{" "}
          {s.chunkCount ? `· ${s.chunkCount} chunk${s.chunkCount === 1 ? "" : "s"}` : ""} · added {ago(s.createdAt)}
        </span>
        {s.status === "failed" && s.error && <p class="error small">{s.error}</p>}
        {s.status === "processing" && (
          <progress max={100} value={pct ?? undefined} aria-label={`Ingesting ${s.title}`}>
            {pct ?? ""}
          </progress>
        )}
      </div>
      <span class={`status ${s.status}`} role="status">
        {STATUS[s.status] ?? s.status}
      </span>
      {canAdmin.value && (
        <button
          type="button"
          class="btn ghost small"
          aria-label={`Delete ${s.title}`}
          disabled={del.busy}
          onClick={() => confirm(`Delete “${s.title}”?`) && void del.run()}
        >
          Delete
        </button>
      )}
      {del.error && <ErrorNote error={del.error} />}
    </li>
  );
}

function Drop() {
  const [over, setOver] = useState(false);
  const take = (list: FileList | null | undefined) => list && list.length && void k.uploadFiles([...list]);
  return (
    <div
      class={`drop${over ? " over" : ""}`}
      onDragOver={(e) => {
        e.preventDefault();
        setOver(true);
      }}
      onDragLeave={() => setOver(false)}
      onDrop={(e) => {
        e.preventDefault();
        setOver(false);
        take(e.dataTransfer?.files);
      }}
    >
      <p>
        <strong>Drop files here</strong> — PDF, Markdown, HTML, text, CSV, JSON
      </p>
      <label class="btn">
        Choose files
        <input
          class="sr"
          type="file"
          multiple
          aria-label="Upload files"
          accept=".pdf,.md,.markdown,.txt,.html,.htm,.csv,.json,text/*,application/pdf"
          onChange={(e) => take(e.currentTarget.files)}
        />
      </label>
      {k.uploads.value.map((u) => (
        <p key={u.name} class={u.state === "failed" ? "error small" : "muted small"} role="status">
          {u.name}: {u.state === "sending" ? "uploading…" : u.error}
        </p>
      ))}
    </div>
  );
}

function AddForms() {
  const [tab, setTab] = useState<"qa" | "text" | "url">("qa");
  const [q, setQ] = useState("");
  const [a, setA] = useState("");
  const [title, setTitle] = useState("");
  const [text, setText] = useState("");
  const [url, setUrl] = useState("");
  const act = useAction(async () => {
    if (tab === "qa") await k.addQa(q, a);
    else if (tab === "text") await k.addText(title, text);
    else await k.addUrl(url);
    setQ("");
    setA("");
    setTitle("");
    setText("");
    setUrl("");
  });
  return (
    <form
      class="card"
      onSubmit={(e) => {
        e.preventDefault();
        void act.run();
      }}
    >
      <div class="seg small" role="group" aria-label="Kind of source">
        {(
          [
            ["qa", "Q&A"],
            ["text", "Text"],
            ["url", "Web page"],
          ] as const
        ).map(([v, l]) => (
          <button
            key={v}
            type="button"
            aria-pressed={tab === v}
            class={`seg-btn${tab === v ? " on" : ""}`}
            onClick={() => setTab(v)}
          >
            {l}
          </button>
        ))}
      </div>
      {tab === "qa" && (
        <>
          <Field label="Question" required value={q} onValue={setQ} />
          <Area label="Answer" required rows={3} value={a} onValue={setA} />
        </>
      )}
      {tab === "text" && (
        <>
          <Field label="Title" required value={title} onValue={setTitle} />
          <Area label="Text" required rows={5} value={text} onValue={setText} />
        </>
      )}
      {tab === "url" && (
        <Field
          label="Page URL"
          type="url"
          required
          placeholder="https://example.com/help"
          value={url}
          onValue={setUrl}
        />
      )}
      <ErrorNote error={act.error} />
      <button class="btn primary" type="submit" disabled={act.busy}>
        {act.busy ? "Adding…" : tab === "qa" ? "Add Q&A" : tab === "text" ? "Add text" : "Add page"}
      </button>
    </form>
  );
}

function TestPanel() {
  const [question, setQuestion] = useState("");
  const [botId, setBotId] = useState("");
  const bots = inbox.bots.value;
  const bid = botId || bots[0]?.id || "";
  const r = k.askResult.value;
  return (
    <section class="card test" aria-labelledby="test-h">
      <h2 id="test-h">Test your bot</h2>
      <form
        onSubmit={(e) => {
          e.preventDefault();
          if (bid && question.trim()) void k.ask(bid, question.trim());
        }}
      >
        {bots.length > 1 && (
          <Select label="Bot" value={bid} onValue={setBotId} options={bots.map((b) => [b.id, b.name] as const)} />
        )}
        <Field label="Question" placeholder="Ask what a customer would ask" value={question} onValue={setQuestion} />
        <button class="btn primary" type="submit" disabled={!bid || !question.trim() || k.asking.value}>
          {k.asking.value ? "Asking…" : "Ask"}
        </button>
      </form>
      <ErrorNote error={k.askError.value} />
      {r && (
        <div class="answer" aria-live="polite">
          <h3>Answer</h3>
          <p class="answer-text">{r.answer}</p>
          <p class="row wrap small">
            <span class={`tag ${r.confidence >= 0.6 ? "ok" : r.confidence >= 0.35 ? "" : "warn"}`}>
              Confidence {Math.round(r.confidence * 100)}%
            </span>
            {r.handoff && <span class="tag warn">Would hand off to a person</span>}
            {r.timings && <span class="muted">{r.timings.totalMs} ms</span>}
          </p>
          <h3>Sources</h3>
          {r.sources.length === 0 ? (
            <p class="muted">No sources were used.</p>
          ) : (
            <ol class="answer-sources">
              {r.sources.map((s) => (
                <li key={s.sourceId + s.snippet}>
                  <strong>{s.title}</strong>
                  {s.snippet && <q>{s.snippet}</q>}
                </li>
              ))}
            </ol>
          )}
        </div>
      )}
    </section>
  );
}

export function Knowledge() {
  useEffect(() => {
    void inbox.loadBots();
    return k.watchSources();
  }, []);
  const list = k.sources.value;
  return (
    <main class="page" id="main">
      <header class="page-head">
        <h1>Knowledge</h1>
        <p class="muted">What your bots answer from. New sources are ready to answer within seconds.</p>
      </header>
      <div class="cols">
        <div class="col">
          {canAdmin.value && <Drop />}
          {canAdmin.value && <AddForms />}
          <section aria-labelledby="src-h" class="card">
            <h2 id="src-h" class="row between">
              Sources {k.busy.value && <span class="muted small">updating…</span>}
            </h2>
            <ErrorNote error={k.error.value} />
            {!k.loaded.value ? (
              <Loading />
            ) : list.length === 0 ? (
              <Empty title="No sources yet">Upload documents or add a Q&A pair to teach your bot.</Empty>
            ) : (
              <ul class="sources-list" aria-label="Sources">
                {list.map((s) => (
                  <SourceRow key={s.id} s={s} />
                ))}
              </ul>
            )}
          </section>
        </div>
        <div class="col narrow">
          <TestPanel />
        </div>
      </div>
    </main>
  );
}
