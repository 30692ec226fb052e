/**
 * One conversation, live: messages (AI answers stream in token by token with their sources),
 * visitor details, take over / release / close, a reply box (Enter sends, Shift+Enter is a new
 * line) with AI drafts, private notes, who else is viewing, and triage: the category (correctable),
 * the live ticket (or "Open ticket") and a hand-off summary.
 */
import { signal } from "@preact/signals";
import { useEffect, useLayoutEffect, useMemo, useRef, useState } from "preact/hooks";
import {
  api,
  type AnswerSource,
  type Attachment,
  type Message,
  type Receipt,
  type WhatsAppConversation,
  type WhatsAppTemplate,
} from "../api";
import { openConversation, type ConversationModel, type Draft } from "../models/conversation";
import { can, session } from "../models/session";
import { categories, categoryName, loadLookups, PRIORITY_LABEL, reasonText, STATUS_LABEL } from "../models/tickets";
import { clock, errorText, saveBlob, visitorName } from "../models/util";
import type { OrderDto } from "../../../workers/contracts/dto";
import { navigate } from "../router";
import { ErrorNote, Loading } from "../ui/kit";
import { markdown } from "../ui/markdown";
import { closeWithUndo, flushClose, pendingClose, undoClose } from "../models/undo-close";

/** Inbox-level shortcuts that act on the open conversation ("t" take over, "r" reply). */
export const shortcutBus = signal<{ key: string; at: number } | null>(null);

const ROLE_LABEL: Record<string, string> = {
  visitor: "Visitor",
  ai: "AI",
  agent: "Agent",
  system: "System",
  note: "Private note",
};

function Sources({ sources }: { sources: AnswerSource[] }) {
  if (!sources.length) return null;
  return (
    <details class="sources">
      <summary>
        {sources.length} source{sources.length > 1 ? "s" : ""}
      </summary>
      <ol>
        {sources.map((s) => (
          <li key={s.sourceId + s.snippet}>
            {s.url ? (
              <a href={s.url} target="_blank" rel="noreferrer noopener">
                {s.title}
              </a>
            ) : (
              <strong>{s.title}</strong>
            )}
            {s.snippet && <q>{s.snippet}</q>}
          </li>
        ))}
      </ol>
    </details>
  );
}

const RECEIPT_TEXT: Record<Receipt, { mark: string; words: string }> = {
  sent: { mark: "✓", words: "Sent" },
  delivered: { mark: "✓✓", words: "Delivered" },
  read: { mark: "✓✓", words: "Read" },
  failed: { mark: "!", words: "Failed" },
};

/** A WhatsApp message's delivery receipt, in words (the ticks are decoration). */
function ReceiptLine({ r }: { r: Receipt }) {
  const t = RECEIPT_TEXT[r];
  return (
    <span class={`msg-receipt ${r}`} data-receipt={r}>
      <span aria-hidden="true">{t.mark}</span> {t.words}
    </span>
  );
}

function Bubble({ m, conversationId, receipt }: { m: Message; conversationId: string; receipt?: Receipt }) {
  return (
    <li class={`msg ${m.role}`} data-seq={m.seq}>
      <span class="msg-meta">
        {m.role === "note"
          ? `Private note${m.authorName ? ` · ${m.authorName}` : ""}`
          : (m.authorName ?? ROLE_LABEL[m.role] ?? m.role)}{" "}
        · <time dateTime={m.at}>{clock(m.at)}</time>
      </span>
      {/* the widget's safe Markdown subset: what the visitor sees, never markup from the text */}
      <div class="msg-text md">{markdown(m.text)}</div>
      {m.sources && <Sources sources={m.sources} />}
      {m.attachments && <Files conversationId={conversationId} files={m.attachments} />}
      {receipt && <ReceiptLine r={receipt} />}
    </li>
  );
}

const sizeText = (n: number) =>
  n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MB` : n >= 1024 ? `${Math.round(n / 1024)} KB` : `${n} B`;

/** A message's files: each downloads with the operator's token (the route is not public). */
function Files({ conversationId, files }: { conversationId: string; files: Attachment[] }) {
  const [failed, setFailed] = useState<string | null>(null);
  const download = async (f: Attachment) => {
    setFailed(null);
    try {
      saveBlob(await api.conversations.attachment(conversationId, f.id), f.name);
    } catch (err) {
      setFailed(`${f.name}: ${errorText(err)}`);
    }
  };
  return (
    <ul class="msg-files" aria-label="Attachments">
      {files.map((f) => (
        <li key={f.id}>
          <button type="button" class="link" onClick={() => void download(f)}>
            {f.name}
          </button>{" "}
          <span class="muted">
            {f.type} · {sizeText(f.size)}
          </span>
        </li>
      ))}
      {failed && <li role="alert">Could not download {failed}</li>}
    </ul>
  );
}

function Streaming({ d }: { d: Draft }) {
  return (
    <li class="msg ai streaming" aria-busy="true">
      <span class="msg-meta">AI · answering…</span>
      {/* the signal goes straight into JSX: each delta updates this text node only */}
      <p class="msg-text">{d.text}</p>
    </li>
  );
}

function Composer({ m }: { m: ConversationModel }) {
  // reply (replies:write) and private note (notes:write) are separate permissions: show what the role has
  const mayReply = can("replies:write");
  const mayNote = can("notes:write");
  const [picked, setTab] = useState<"reply" | "note">("reply");
  const tab = mayReply && mayNote ? picked : mayReply ? "reply" : "note";
  const [text, setText] = useState("");
  const [draftNote, setDraftNote] = useState<string | null>(null);
  const area = useRef<HTMLTextAreaElement>(null);
  const lastTyping = useRef(0);
  const born = useRef(Date.now());
  const human = m.mode.value === "human";
  const closed = m.mode.value === "closed";

  useEffect(() => {
    const s = shortcutBus.value;
    if (s?.key === "r" && s.at > born.current) area.current?.focus();
  }, [shortcutBus.value]);

  const submit = () => {
    const ok = tab === "reply" ? m.reply(text) : m.note(text);
    if (ok) {
      setText("");
      setDraftNote(null);
    }
  };
  // the draft goes into the box for editing, never straight to the visitor; typed text is kept
  const draft = async () => {
    const d = await m.draftReply();
    if (!d) return;
    setTab("reply");
    setText((cur) => (cur.trim() ? `${cur.trimEnd()}\n\n${d.draft}` : d.draft));
    setDraftNote(
      d.grounded
        ? `AI draft from ${d.sources.length} source${d.sources.length === 1 ? "" : "s"}: check it, edit, then send.`
        : "AI draft without a confident source: check it carefully before sending.",
    );
    area.current?.focus();
  };
  if (!mayReply && !mayNote) return <p class="muted pad">Viewers can read conversations but not reply.</p>;
  const wa = m.whatsapp.value;
  if (wa && !wa.windowOpen && tab === "reply" && !closed)
    return <TemplateComposer m={m} wa={wa} onNote={() => setTab("note")} />;
  return (
    <form
      class="composer"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      <div class="seg small" role="tablist" aria-label="Message type">
        {mayReply && (
          <button
            type="button"
            role="tab"
            aria-selected={tab === "reply"}
            class={`seg-btn${tab === "reply" ? " on" : ""}`}
            onClick={() => setTab("reply")}
          >
            Reply
          </button>
        )}
        {mayNote && (
          <button
            type="button"
            role="tab"
            aria-selected={tab === "note"}
            class={`seg-btn${tab === "note" ? " on" : ""}`}
            onClick={() => setTab("note")}
          >
            Private note
          </button>
        )}
      </div>
      <label for="composer-text" class="sr">
        {tab === "reply" ? "Reply" : "Private note"}
      </label>
      {wa && tab === "reply" && <WindowLine m={m} wa={wa} />}
      <textarea
        id="composer-text"
        ref={area}
        class={tab === "note" ? "note-input" : undefined}
        rows={3}
        disabled={closed}
        placeholder={
          closed
            ? "This conversation is closed."
            : tab === "note"
              ? "Only your team sees notes"
              : human
                ? "Type a reply — Enter sends, Shift+Enter for a new line"
                : "Replying takes the conversation over from the AI"
        }
        value={text}
        onInput={(e) => {
          setText(e.currentTarget.value);
          if (tab === "reply" && Date.now() - lastTyping.current > 2000) {
            lastTyping.current = Date.now();
            m.typingPing();
          }
        }}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      <div class="row between">
        <small class="muted" role="status">
          {tab === "note"
            ? "Private: never sent to the visitor."
            : m.state.value !== "open"
              ? "Reconnecting… your message will be sent when back online."
              : m.drafting.value
                ? "Drafting a reply…"
                : (draftNote ?? "Enter to send")}
        </small>
        <span class="row">
          {tab === "reply" && (
            <button
              type="button"
              class="btn"
              onClick={() => void draft()}
              disabled={closed || m.drafting.value}
              aria-busy={m.drafting.value}
              title="Draft a reply to the visitor's latest message with AI"
            >
              Draft reply
            </button>
          )}
          <button class="btn primary" type="submit" disabled={closed || !text.trim()}>
            {tab === "reply" ? "Send" : "Add note"}
          </button>
        </span>
      </div>
    </form>
  );
}

/** "Window closes in 3 h 12 min": WhatsApp allows free-form replies until then. */
export function windowLeft(closesAt: string, now: number): string | null {
  const ms = Date.parse(closesAt) - now;
  if (!(ms > 0)) return null;
  const min = Math.max(1, Math.floor(ms / 60_000));
  const h = Math.floor(min / 60);
  return h ? `${h} h ${min % 60} min` : `${min} min`;
}

function WindowLine({ m, wa }: { m: ConversationModel; wa: WhatsAppConversation }) {
  const [now, setNow] = useState(Date.now());
  useEffect(() => {
    const t = setInterval(() => setNow(Date.now()), 30_000);
    return () => clearInterval(t);
  }, []);
  const left = windowLeft(wa.windowClosesAt, now);
  // the window closed while the view was open: re-read it, the composer switches to templates
  useEffect(() => {
    if (!left) void m.refreshWhatsApp();
  }, [left]);
  return (
    <p class="wa-window muted" data-testid="wa-window">
      {left ? `Window closes in ${left}` : "The 24-hour window is closing…"}
    </p>
  );
}

/**
 * Outside WhatsApp's 24-hour window only an approved template may be sent: the operator picks one
 * of the number's synced templates and fills its body placeholders.
 */
function TemplateComposer({ m, wa, onNote }: { m: ConversationModel; wa: WhatsAppConversation; onNote: () => void }) {
  const [list, setList] = useState<WhatsAppTemplate[] | null>(null);
  const [err, setErr] = useState<string | null>(null);
  const [pick, setPick] = useState("");
  const [params, setParams] = useState<string[]>([]);
  const [busy, setBusy] = useState(false);
  const [sent, setSent] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    api.channels
      .templates(wa.channelId)
      .then((r) => live && setList(r.data))
      .catch((e: unknown) => live && setErr(`Could not load the templates: ${errorText(e)}`));
    return () => void (live = false);
  }, [wa.channelId]);
  const chosen = list?.find((t) => `${t.name}|${t.language}` === pick);
  const ready = !!chosen && params.slice(0, chosen.bodyParameters).every((p) => p.trim()) && !busy;
  const send = async () => {
    if (!chosen) return;
    setBusy(true);
    setErr(null);
    setSent(null);
    try {
      const values = params.slice(0, chosen.bodyParameters).map((p) => p.trim());
      await api.channels.sendTemplate(m.id, {
        name: chosen.name,
        language: chosen.language,
        ...(values.length
          ? {
              components: [
                { type: "body" as const, parameters: values.map((text) => ({ type: "text" as const, text })) },
              ],
            }
          : {}),
      });
      setSent(`Template ${chosen.name} sent.`);
      setPick("");
      setParams([]);
    } catch (e) {
      setErr(errorText(e));
    } finally {
      setBusy(false);
    }
  };
  return (
    <form
      class="composer"
      aria-label="Send a WhatsApp template"
      onSubmit={(e) => {
        e.preventDefault();
        void send();
      }}
    >
      <p class="wa-window" role="status" data-testid="wa-window">
        The 24-hour window is closed: WhatsApp only allows an approved template until the contact writes again.{" "}
        <button type="button" class="btn small ghost" onClick={onNote}>
          Write a private note instead
        </button>
      </p>
      {!list && !err && <Loading label="Loading approved templates…" />}
      {list && list.length === 0 && <p class="muted">This number has no approved templates.</p>}
      {list && list.length > 0 && (
        <>
          <label for="wa-template">Template</label>
          <select
            id="wa-template"
            value={pick}
            onChange={(e) => {
              setPick(e.currentTarget.value);
              setParams([]);
            }}
          >
            <option value="">Choose an approved template…</option>
            {list.map((t) => (
              <option key={`${t.name}|${t.language}`} value={`${t.name}|${t.language}`}>
                {t.name} ({t.language})
              </option>
            ))}
          </select>
          {chosen?.body && <p class="tpl-body muted">{chosen.body}</p>}
          {chosen &&
            Array.from({ length: chosen.bodyParameters }, (_, i) => (
              <span key={i} class="row">
                <label for={`wa-param-${i}`}>{`{{${i + 1}}}`}</label>
                <input
                  id={`wa-param-${i}`}
                  value={params[i] ?? ""}
                  onInput={(e) => {
                    const next = [...params];
                    next[i] = e.currentTarget.value;
                    setParams(next);
                  }}
                />
              </span>
            ))}
        </>
      )}
      {err && <p role="alert">{err}</p>}
      <div class="row between">
        <small class="muted" role="status">
          {sent ?? ""}
        </small>
        <button class="btn primary" type="submit" disabled={!ready} aria-busy={busy}>
          Send template
        </button>
      </div>
    </form>
  );
}

function categoryHow(source: string | null | undefined, confidence: number | null | undefined) {
  if (source === "operator" || source === "correction") return "set by an operator";
  if (typeof confidence === "number") return `AI guess, ${Math.round(confidence * 100)}% sure`;
  return "";
}

function TriageBar({ m }: { m: ConversationModel }) {
  const t = m.triage;
  const tri = t.triage.value;
  const cats = categories.value ?? [];
  const ticket = t.ticket.value;
  const catId = tri?.categoryId ?? "";
  const how = catId ? categoryHow(tri?.categorySource, tri?.categoryConfidence) : "";
  const selectId = `conv-category-${m.id}`;
  return (
    <>
      <section class="triage-bar" aria-label="Triage">
        <span class="row">
          <label for={selectId} class="small">
            Category
          </label>
          <select
            id={selectId}
            value={catId}
            disabled={!can("conversations:write") || cats.length === 0}
            aria-describedby={how ? `${selectId}-how` : undefined}
            onChange={(e) => {
              const v = e.currentTarget.value;
              if (v && v !== catId) void t.setCategory(v);
            }}
          >
            {!catId && (
              <option value="" disabled>
                {cats.length ? "Uncategorised" : "No categories yet"}
              </option>
            )}
            {cats.map((c) => (
              <option key={c.id} value={c.id}>
                {c.name}
              </option>
            ))}
            {catId && !cats.some((c) => c.id === catId) && <option value={catId}>{categoryName(catId)}</option>}
          </select>
          {how && (
            <small class="muted" id={`${selectId}-how`}>
              {t.busy.value === "category" ? "saving…" : how}
            </small>
          )}
        </span>
        <span class="row wrap">
          {ticket ? (
            <a class="btn small" href={`/app/tickets/${encodeURIComponent(ticket.id)}`}>
              Ticket · {PRIORITY_LABEL[ticket.priority]} · {STATUS_LABEL[ticket.status]}
            </a>
          ) : (
            ticket === null &&
            can("tickets:write") && (
              <button
                type="button"
                class="btn small"
                onClick={() => void t.openTicket()}
                disabled={t.busy.value === "ticket"}
              >
                Open ticket
              </button>
            )
          )}
          <button
            type="button"
            class="btn small"
            onClick={() => void t.summarise()}
            disabled={t.busy.value === "summary"}
            aria-busy={t.busy.value === "summary"}
          >
            Summary
          </button>
        </span>
      </section>
      <ErrorNote error={t.error.value} />
      {t.summary.value && (
        <section class="summary-box" aria-label="Conversation summary">
          <p class="summary-text">{t.summary.value}</p>
          <button type="button" class="btn ghost small" aria-label="Hide summary" onClick={t.hideSummary}>
            ✕
          </button>
        </section>
      )}
    </>
  );
}

function Details({ m }: { m: ConversationModel }) {
  const c = m.conv.value;
  if (!c) return null;
  const v = c.visitor ?? {};
  const entries = Object.entries(v).filter(
    ([, x]) => x !== null && x !== undefined && x !== "" && typeof x !== "object",
  );
  return (
    <aside class="details" aria-label="Visitor details">
      <h2>Visitor</h2>
      <dl>
        {entries.length === 0 && <dd class="muted">Anonymous visitor</dd>}
        {entries.map(([k, x]) => (
          <div key={k}>
            <dt>{k}</dt>
            <dd>{String(x)}</dd>
          </div>
        ))}
        <div>
          <dt>Started</dt>
          <dd>{new Date(c.createdAt).toLocaleString()}</dd>
        </div>
        {c.channel && (
          <div>
            <dt>Channel</dt>
            <dd>{c.channel}</dd>
          </div>
        )}
        {c.priority && (
          <div>
            <dt>Priority</dt>
            <dd>{c.priority}</dd>
          </div>
        )}
        {c.sentiment !== undefined && c.sentiment !== null && (
          <div>
            <dt>Sentiment</dt>
            <dd>{String(c.sentiment)}</dd>
          </div>
        )}
        <div>
          <dt>ID</dt>
          <dd class="mono">{c.id}</dd>
        </div>
      </dl>
      <ContactConversations id={c.id} />
      <RecentOrders id={c.id} />
    </aside>
  );
}

const REFUND_LABEL = { none: "", partial: "partly refunded", full: "refunded" } as const;

/**
 * The visitor's recent orders in the connected stores (GET /api/conversations/:id/orders), by the
 * email the visitor gave; "unverified" unless the widget's signed identity proved that email.
 * Nothing shows when there is no email or no order.
 */
function RecentOrders({ id }: { id: string }) {
  const [r, setR] = useState<{ email: string | null; verified: boolean; orders: OrderDto[] } | null>(null);
  useEffect(() => {
    let live = true;
    api.raw
      .get<{ email: string | null; verified: boolean; orders: OrderDto[] }>(
        `/api/conversations/${encodeURIComponent(id)}/orders`,
      )
      .then((x) => live && setR(x))
      .catch(() => live && setR(null));
    return () => void (live = false);
  }, [id]);
  if (!r?.orders.length) return null;
  return (
    <section aria-labelledby={`orders-${id}`}>
      <h3 id={`orders-${id}`}>Recent orders</h3>
      <p class="muted">
        {r.email} {r.verified ? <span class="tag">verified</span> : <span class="tag">unverified</span>}
      </p>
      <ul class="plain orders">
        {r.orders.map((o) => (
          <li key={`${o.connectionId}:${o.id}`}>
            <strong>#{o.number.replace(/^#/, "")}</strong> · {o.status}
            {o.refund !== "none" ? ` · ${REFUND_LABEL[o.refund]}` : ""} · {o.total} {o.currency}
            <br />
            <small class="muted">
              {new Date(o.createdAt).toLocaleDateString()} ·{" "}
              {o.items.map((i) => `${i.quantity} × ${i.title}`).join(", ")}
            </small>
            {o.tracking
              .filter((t) => t.number)
              .map((t) => (
                <div key={t.number!}>
                  <small>
                    {t.company ?? "Tracking"}:{" "}
                    {t.url && /^https?:\/\//.test(t.url) ? (
                      <a href={t.url} target="_blank" rel="noopener noreferrer">
                        {t.number}
                      </a>
                    ) : (
                      t.number
                    )}
                  </small>
                </div>
              ))}
          </li>
        ))}
      </ul>
    </section>
  );
}

/** The linked contact's conversations on other channels (POST /api/visitors/:id/link links them). */
function ContactConversations({ id }: { id: string }) {
  const [list, setList] = useState<{ id: string; channel?: string; lastMessagePreview?: string | null }[]>([]);
  useEffect(() => {
    let live = true;
    api.raw
      .get<{ data: { id: string; channel?: string; lastMessagePreview?: string | null }[] }>(
        `/api/visitors/${encodeURIComponent(id)}/conversations`,
      )
      .then((r) => live && setList(r.data))
      .catch(() => live && setList([]));
    return () => void (live = false);
  }, [id]);
  if (!list.length) return null;
  return (
    <section aria-labelledby={`contact-${id}`}>
      <h3 id={`contact-${id}`}>Other conversations of this contact</h3>
      <ul class="plain">
        {list.map((x) => (
          <li key={x.id}>
            <a href={`/app/c/${encodeURIComponent(x.id)}`}>
              <span class="tag">{x.channel ?? "chat"}</span> {x.lastMessagePreview ?? x.id}
            </a>
          </li>
        ))}
      </ul>
    </section>
  );
}

export function ConversationView({ id }: { id: string }) {
  const m = useMemo(() => openConversation(id, session.value?.user.id), [id]);
  const list = useRef<HTMLOListElement>(null);
  const born = useRef(Date.now());
  // a close still waiting for its Undo window goes out before the socket closes
  useEffect(() => () => flushClose(id), [id]);
  useEffect(() => () => m.dispose(), [m]);
  useEffect(() => void loadLookups(), []);

  useEffect(() => {
    const s = shortcutBus.value;
    if (
      s?.key === "t" &&
      s.at > born.current &&
      can("takeover:write") &&
      m.mode.value !== "closed" &&
      m.assignee.value?.userId !== session.value?.user.id
    )
      m.takeOver();
  }, [shortcutBus.value]);

  // stick to the bottom while new messages and streamed tokens arrive
  const count = m.messages.value.length + m.drafts.value.length;
  useLayoutEffect(() => {
    const el = list.current;
    if (el) el.scrollTop = el.scrollHeight;
  }, [count]);

  const c = m.conv.value;
  const mode = m.mode.value;
  const name = c ? visitorName(c) : "Conversation";
  const me = session.value?.user.id;
  const owner = m.assignee.value;
  const mine = owner?.userId === me;
  // the room accepts a takeover in any open state, also from another operator
  const canTake = mode !== "closed" && !mine;
  const waiting = m.status.value === "waiting";
  const closing = pendingClose.value?.id === id;
  return (
    <div class="conversation">
      <header class="conv-head">
        <button
          type="button"
          class="btn ghost small back"
          aria-label="Back to inbox"
          onClick={() => navigate("/inbox")}
        >
          ←
        </button>
        <div class="grow">
          <h2>{name}</h2>
          <p class="muted small conv-state">
            {/* while it waits, "Waiting for a person" is the state: nobody is answering yet */}
            {!waiting && (
              <span class={`tag mode-${mode}`}>
                {mode === "ai" ? "AI answering" : mode === "human" ? "Human" : "Closed"}
              </span>
            )}
            {waiting && (
              <span class="tag warn">
                Waiting for a person{m.reason.value ? ` · ${reasonText(m.reason.value)}` : ""}
              </span>
            )}
            {owner && <span class="tag ok">{mine ? "Assigned to you" : `Assigned to ${owner.name}`}</span>}
            {m.visitorOnline.value && <span class="tag">Visitor online</span>}
            {m.state.value !== "open" && (
              <span class="tag warn">{m.state.value === "connecting" ? "Connecting…" : "Offline"}</span>
            )}
            {m.viewers.value.length > 0 && (
              <span class="viewers" aria-label="Also viewing">
                Also viewing: {m.viewers.value.map((v) => v.name).join(", ")}
              </span>
            )}
          </p>
        </div>
        {can("takeover:write") && (
          <div class="row wrap actions">
            {canTake && (
              <button type="button" class="btn primary" onClick={m.takeOver} title="Take over (t)">
                Take over
              </button>
            )}
            {/* waiting for a person: take it over first; release is for a conversation someone holds */}
            {mode === "human" && !waiting && (
              <button type="button" class="btn" onClick={m.release}>
                Release to AI
              </button>
            )}
            {mode !== "closed" && !closing && (
              <button type="button" class="btn ghost" onClick={() => closeWithUndo(id, m.close)}>
                Close
              </button>
            )}
          </div>
        )}
        {closing && (
          <p class="undo-bar" role="status">
            Closing this conversation…{" "}
            <button type="button" class="btn small" onClick={undoClose}>
              Undo
            </button>
          </p>
        )}
      </header>
      <TriageBar m={m} />
      <ErrorNote error={m.error.value} />
      <div class="conv-body">
        <div class="thread">
          {!m.loaded.value && <Loading label="Loading messages…" />}
          <ol class="messages" ref={list} aria-label="Messages" aria-live="polite">
            {m.messages.value.map((x) => (
              <Bubble key={x.id} m={x} conversationId={m.id} receipt={m.whatsapp.value?.receipts[x.id]} />
            ))}
            {m.drafts.value.map((d) => (
              <Streaming key={d.id} d={d} />
            ))}
            {m.loaded.value && count === 0 && <li class="muted pad">No messages yet.</li>}
          </ol>
          {m.typing.value && (
            <p class="typing muted small">{ROLE_LABEL[m.typing.value] ?? m.typing.value} is typing…</p>
          )}
          <Composer m={m} />
        </div>
        <Details m={m} />
      </div>
    </div>
  );
}
