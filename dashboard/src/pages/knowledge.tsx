/**
 * Knowledge: the sources a bot answers from, with live ingestion status; upload by drag and drop
 * or file picker, add Q&A pairs, text or a URL, delete; and a "Test your bot" panel.
 */
import { useEffect, useState } from "preact/hooks";
import type { KnowledgeSource, QaImportReport } from "../api";
import * as inbox from "../models/inbox";
import * as k from "../models/knowledge";
import { can } from "../models/session";
import { ago } from "../models/util";
import { Area, Done, Empty, ErrorNote, Field, fieldError, Loading, Select, useAction } from "../ui/kit";
import { markdown } from "../ui/markdown";
import { confirmDialog } from "../ui/confirm";

const STATUS: Record<string, string> = { queued: "Queued", processing: "Processing", ready: "Ready", failed: "Failed" };

function size(n?: number) {
  if (!n) return "";
  return n < 1024 ? `${n} B` : n < 1048576 ? `${(n / 1024).toFixed(1)} KiB` : `${(n / 1048576).toFixed(1)} MiB`;
}

/** What the upload picker offers: exactly the kinds the server extracts (workers/domain/knowledge/extract.ts). */
export const UPLOAD_ACCEPT =
  ".pdf,.docx,.md,.markdown,.txt,.html,.htm,.csv,text/plain,text/markdown,text/html,text/csv,application/pdf,application/vnd.openxmlformats-officedocument.wordprocessingml.document";

/** A failed source in plain words, with the way to try again: a URL is fetched anew, a file is chosen again. */
function FailedSource({ s }: { s: KnowledgeSource }) {
  const retry = useAction((file?: File) => k.retrySource(s, file));
  const what = sourceFailure(s);
  return (
    <div class="failed-source" role="alert">
      <p class="error small">{what}</p>
      {can("knowledge:write") &&
        (s.type === "url" && s.url ? (
          <button type="button" class="btn small" disabled={retry.busy} onClick={() => void retry.run()}>
            {retry.busy ? "Retrying…" : "Retry"}
          </button>
        ) : s.type === "file" ? (
          <label class="btn small">
            Upload again
            <input
              class="sr"
              type="file"
              aria-label={`Upload ${s.title} again`}
              accept={UPLOAD_ACCEPT}
              onChange={(e) => {
                const f = e.currentTarget.files?.[0];
                if (f) void retry.run(f);
              }}
            />
          </label>
        ) : null)}
      {retry.error && <ErrorNote error={retry.error} />}
    </div>
  );
}

/** The server's reason, said for a person: what happened and what to do. */
export function sourceFailure(s: KnowledgeSource): string {
  const e = s.error ?? "";
  if (/^internal error/i.test(e) || /indexing failed after/.test(e))
    return "Something went wrong on our side while reading this source. Try again; if it keeps failing, contact support.";
  if (s.type === "url")
    return `We couldn't read ${s.url ?? "the page"}: ${e || "the page did not answer"}. Check that it is public, then retry.`;
  if (/not a valid zip|no word\/document\.xml|DOCX file cannot be read|DOCX file has no/.test(e))
    return "This file is not a readable Word document (DOCX). Save it again as .docx or PDF and upload it.";
  if (/PDF could not be read/.test(e))
    return "This PDF could not be read (it may be scanned or protected). Try another copy.";
  if (/no text could be extracted/.test(e))
    return "No text was found in this file. Scanned pages need text recognition first.";
  if (/unsupported file type/.test(e))
    return "This kind of file is not supported. Use PDF, DOCX, Markdown, HTML, text or CSV.";
  return e ? `This source could not be used: ${e}.` : "This source could not be used.";
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
        {s.status === "failed" && <FailedSource s={s} />}
        {s.status === "processing" && (
          <progress max={100} value={pct ?? undefined} aria-label={`Ingesting ${s.title}`}>
            {pct ?? ""}
          </progress>
        )}
      </div>
      <span class={`status ${s.status}`} role="status">
        {STATUS[s.status] ?? s.status}
      </span>
      {can("knowledge:write") && (
        <button
          type="button"
          class="btn ghost small"
          aria-label={`Delete ${s.title}`}
          disabled={del.busy}
          onClick={() => void confirmDialog(`Delete “${s.title}”?`, "Delete").then((ok) => ok && del.run())}
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
        <strong>Drop files here</strong> — PDF, Word (DOCX), Markdown, HTML, text, CSV
      </p>
      <label class="btn">
        Choose files
        <input
          class="sr"
          type="file"
          multiple
          aria-label="Upload files"
          accept={UPLOAD_ACCEPT}
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
  const act = useAction(
    async () => {
      if (tab === "qa") await k.addQa(q, a);
      else if (tab === "text") await k.addText(title, text);
      else await k.addUrl(url);
      setQ("");
      setA("");
      setTitle("");
      setText("");
      setUrl("");
    },
    () =>
      tab === "url"
        ? "Page added: it is fetched and ready to answer within seconds (see Sources)."
        : "Added: ready to answer within seconds (see Sources).",
  );
  const err = (name: string) => fieldError(act.fields, name);
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
            onClick={() => {
              setTab(v);
              act.clearDone();
            }}
          >
            {l}
          </button>
        ))}
      </div>
      {tab === "qa" && (
        <>
          <Field label="Question" required value={q} onValue={setQ} error={err("question")} />
          <Area label="Answer" required rows={3} value={a} onValue={setA} error={err("answer")} />
        </>
      )}
      {tab === "text" && (
        <>
          <Field label="Title" required value={title} onValue={setTitle} error={err("title")} />
          <Area label="Text" required rows={5} value={text} onValue={setText} error={err("text")} />
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
          error={err("url")}
        />
      )}
      <ErrorNote error={act.summary(["question", "answer", "title", "text", "url"])} />
      <Done text={act.done} />
      <button class="btn primary" type="submit" disabled={act.busy}>
        {act.busy ? "Adding…" : tab === "qa" ? "Add Q&A" : tab === "text" ? "Add text" : "Add page"}
      </button>
      {tab === "qa" && <QaImport />}
    </form>
  );
}

/** Many pairs at once: a CSV with `question` and `answer` columns (and optionally `id`, `bot_id`). */
function QaImport() {
  const [report, setReport] = useState<QaImportReport | null>(null);
  const run = useAction(async (file: File) => setReport(await k.importQa(file)));
  const p = report?.pairs;
  return (
    <div class="qa-import">
      <label class="btn small">
        Import a CSV of Q&amp;A
        <input
          class="sr"
          type="file"
          accept=".csv,text/csv"
          aria-label="Import Q&amp;A pairs from a CSV file"
          onChange={(e) => {
            const f = e.currentTarget.files?.[0];
            e.currentTarget.value = "";
            if (f) void run.run(f);
          }}
        />
      </label>
      <span class="muted small">
        {" "}
        Columns: question, answer (optional: id, bot_id). Re-importing updates changed answers.
      </span>
      {run.busy && <p class="muted small">Importing…</p>}
      <ErrorNote error={run.error} />
      {report && p && (
        <div role="status" class="small">
          <p>
            {p.imported} added, {p.updated} updated, {p.skipped} unchanged
            {report.refusedRows ? `; ${report.refusedRows} row${report.refusedRows === 1 ? "" : "s"} left out:` : "."}
          </p>
          {report.errors.length > 0 && (
            <ul>
              {report.errors.map((e) => (
                <li key={`${e.row}-${e.column}`}>
                  Row {e.row}
                  {e.column ? ` (${e.column})` : ""}: {e.message}
                </li>
              ))}
            </ul>
          )}
        </div>
      )}
    </div>
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
          <div class="answer-text md">{markdown(r.answer)}</div>
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
          {can("knowledge:write") && <Drop />}
          {can("knowledge:write") && <AddForms />}
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
