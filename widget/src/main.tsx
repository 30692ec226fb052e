import { render } from "preact";
import { effect } from "@preact/signals";
import { createModel, type Listener } from "./model";
import { createTransport, type Identity } from "./transport";
import { pickLang, stringsFor } from "./i18n";
import { App, type Actions } from "./ui/app";
import type { Attachment } from "./protocol";
import css from "./ui/styles.css";

/** Options the loader read from its script tag's data-* attributes, plus its own URL. */
type Config = { bot?: string; lang?: string; position?: string; open?: string; src: string };
type Queued = ArrayLike<unknown>;
/** `q` holds commands queued before load, `c` the loader's config, `l2` marks the bundle as booted. */
type EchoGlobal = ((...args: unknown[]) => void) & { q?: Queued[]; c?: Config; l2?: number };

const w = window as unknown as { Echo?: EchoGlobal };
const g = w.Echo;
if (g?.c && !g.l2) boot(g.c, Array.from(g.q ?? []));

function rid(): string {
  return Date.now().toString(36) + Math.random().toString(36).slice(2, 10);
}

function boot(cfg: Config, queue: Queued[]) {
  const err = (why: string) => console.error(`Echo widget: ${why}`);
  if (!cfg.bot) return err("the script tag has no data-bot key");
  const api = new URL(cfg.src).origin;
  const m = createModel();
  const listeners: Listener[] = [];
  let host: HTMLElement | null = null;
  let lastTyping = 0;
  let readSeq = 0;
  /** "Talk to a person" pressed while the socket was still connecting: sent once it is up. */
  let wantHuman = false;
  let speak: ((text: string) => void) | null = null;

  const tr = createTransport({
    api,
    botKey: cfg.bot,
    lastSeq: m.lastSeq,
    onFrame: (f) => {
      if (f.type === "msg") f.attachments?.forEach(link);
      m.apply(f);
    },
    onStatus: (s) => {
      m.status.value = s;
      if (s === "online" && wantHuman) wantHuman = !tr.send({ type: "human" });
    },
    onFatal: (d) => {
      tr.stop();
      if (host) {
        render(null, host.shadowRoot!.lastChild as HTMLElement);
        host.remove();
      }
      err(`bot key "${cfg.bot}" refused (${d}): check data-bot and allowed origins`);
    },
    onSession: (s, resumed) => {
      if (!resumed) m.reset();
      m.bot.value = s.bot;
      if (!host) void mount();
    },
  });

  m.on((msg) => {
    for (const fn of listeners) fn(msg);
    if (speak && msg.role !== "visitor") speak(msg.text);
  });

  /** Files are fetched from the Worker with the visitor token (they are private to the conversation). */
  const link = (x: Attachment) =>
    void (x.url = `${api}/api/widget/attachments/${x.id}?token=${encodeURIComponent(tr.session?.token ?? "")}`);

  const a: Actions = {
    send(text) {
      const cid = rid();
      m.addLocal(cid, text);
      tr.sendMessage({ cid, text });
    },
    human: () => void (wantHuman = !tr.send({ type: "human" })),
    rate(score, comment) {
      tr.send({ type: "rate", score, ...(comment ? { comment } : {}) });
      tr.markRated();
    },
    // The session call records the email on the conversation when the server accepts visitor
    // updates on resume; the message puts it in the transcript the team sees either way.
    email: (email) => tr.identify({ email }).finally(() => a.send("✉ " + email)),
    typing() {
      const now = Date.now();
      if (now - lastTyping > 3000 && tr.send({ type: "typing" })) lastTyping = now;
    },
    read() {
      const seq = m.lastSeq();
      if (seq > readSeq && tr.send({ type: "read", seq })) readSeq = seq;
    },
    rated: tr.rated,
    restart: () => tr.restart(),
    // loaded on first use: nobody needs it before their first message
    upload: (file) =>
      void import("./upload").then((u) =>
        u.sendFile(api, tr.session?.token, m, file).then(
          (att) => {
            link(att);
            const cid = rid();
            m.addLocal(cid, "", [att]);
            tr.sendMessage({ cid, text: "", attachments: [att.id] });
          },
          () => {},
        ),
      ),
    async voice(o) {
      const v = await import("./voice");
      const h = v.startVoice({ lang: lang(), onFinal: a.send, ...o });
      speak = h.speak;
      return {
        stop() {
          speak = null;
          h.stop();
        },
      };
    },
  };

  // the session's settings carry the bot's (persona) language
  const lang = () => pickLang(cfg.lang, m.bot.peek()?.settings?.language, navigator.language);

  async function mount() {
    for (const o of tr.outbox) if (o.text) m.addLocal(o.cid, o.text);
    // A custom element name, not a div, so host rules like `div { … }` never match the host.
    host = document.createElement("echo-widget");
    const t = await stringsFor(lang()).catch(() => stringsFor("en"));
    const root = host.attachShadow({ mode: "open" });
    const style = document.createElement("style");
    style.textContent = css;
    const box = document.createElement("div");
    root.append(style, box);
    document.body.appendChild(host);
    effect(() => {
      if (m.open.value) m.unread.value = 0;
    });
    render(<App m={m} t={t} a={a} position={cfg.position} />, box);
    // the avatar: its own chunk, only for bots that enable it, once the widget is interactive
    // (through the extras chunk, whose URL the bundle already holds: the first load stays the same size)
    if (m.bot.peek()!.avatar?.enabled) void import("./ui/extras").then((x) => x.avatar(root, m));
  }

  // The public API. Commands queued before the bundle arrived run now, in order.
  const api2: EchoGlobal = (cmd: unknown, arg?: unknown, fn?: unknown) => {
    if (cmd === "open" || cmd === "close") m.open.value = cmd === "open";
    else if (cmd === "identify" && arg && typeof arg === "object")
      void tr.identify(arg as Identity).catch((e: unknown) => err(`identify refused (${e})`));
    else if (cmd === "on" && arg === "message" && typeof fn === "function") listeners.push(fn as Listener);
  };
  api2.l2 = 1;
  w.Echo = api2;
  for (const q of queue) api2(...Array.from(q));
  if (cfg.open === "true" || cfg.open === "") m.open.value = true;
  void tr.start();
}
