import { h } from "preact";
import { useEffect, useRef } from "preact/hooks";
import { signal, useSignal } from "@preact/signals";
import type { Model } from "../model";
import { K, type Strings } from "../i18n";
import { Bubble } from "./bubble";
import { Composer } from "./composer";
import type { createExtras } from "./extras";
import type { Actions } from "./actions";

export type { Actions } from "./actions";

type Props = { m: Model; t: Strings; a: Actions; position?: string };

let extras: ReturnType<typeof createExtras> | null = null;
const extrasReady = signal(false);
/** The lazy email/rating chunk; the panel re-renders when it arrives. */
function useExtras() {
  if (!extras && !extrasReady.peek()) {
    extrasReady.value = true;
    void import("./extras").then((x) => {
      extras = x.createExtras(h, useSignal);
      extrasReady.value = false;
      extrasReady.value = true;
    });
  }
  return extrasReady.value ? extras : null;
}

const CHAT = "M4 4h16v12H7l-3 3z";
const X = "M6 6l12 12M18 6L6 18";

function Panel({ m, t, a, close }: Props & { close(): void }) {
  const input = useRef<HTMLTextAreaElement>(null);
  const log = useRef<HTMLDivElement>(null);
  const bot = m.bot.value!;
  const items = m.items.value;
  const mode = m.mode.value;
  const typing = m.typing.value;
  useEffect(() => input.current?.focus(), []);
  // Keep the newest message in view, and tell the server what the visitor has seen.
  useEffect(() => {
    const el = log.current!;
    el.scrollTop = el.scrollHeight;
    a.read();
  }, [items, typing]);
  const agentSpoke = items.some((i) => i.role === "agent");
  const x = mode !== "ai" ? useExtras() : null;
  const tail = (t as unknown as string[]).slice(K.extras);
  return (
    <div
      id="echo-panel"
      class="p"
      role="dialog"
      aria-label={bot.name}
      onKeyDown={(e) => {
        if (e.key === "Escape") {
          e.stopPropagation();
          close();
        }
      }}
    >
      <header class="h">
        {bot.theme?.logoUrl ? <img src={bot.theme.logoUrl} alt="" /> : <span class="av">{bot.name.slice(0, 1)}</span>}
        <div>
          <strong>{bot.name}</strong>
          <small role="status">
            {m.status.value === "offline"
              ? t[K.offline]
              : mode === "human"
                ? agentSpoke
                  ? t[K.agent]
                  : t[K.waiting]
                : mode === "closed"
                  ? t[K.ended]
                  : ""}
          </small>
        </div>
        <button type="button" class="ib" aria-label={t[K.close]} onClick={close}>
          <svg viewBox="0 0 24 24" aria-hidden="true">
            <path d={X} />
          </svg>
        </button>
      </header>
      <div class="m" ref={log} role="log" aria-live="polite" tabIndex={0}>
        {bot.greeting ? (
          <div class="g ai" data-role="greeting">
            <div class="tx">{bot.greeting}</div>
          </div>
        ) : null}
        {items.map((it) => (
          <Bubble key={it.k} it={it} t={t} />
        ))}
        {typing ? (
          <div class="ty" role="status" aria-label={`${typing === "agent" ? "" : bot.name + " "}${t[K.typing]}`}>
            <i />
            <i />
            <i />
          </div>
        ) : null}
      </div>
      {x && mode === "human" && !agentSpoke && m.agents.value === false ? (
        <x.EmailCapture s={tail} save={a.email} />
      ) : null}
      {mode === "closed" ? (
        x && <x.Rating s={tail} rate={a.rate} already={a.rated()} restart={a.restart} />
      ) : (
        <>
          {mode === "ai" ? (
            <button type="button" class="hu" onClick={a.human}>
              {t[K.human]}
            </button>
          ) : null}
          <Composer t={t} a={a} inputRef={input} />
        </>
      )}
      {bot.poweredBy ? (
        <a class="pb" href={bot.poweredBy} target="_blank" rel="noopener">
          Powered by Echo
        </a>
      ) : null}
    </div>
  );
}

/** Launcher plus panel. Dark mode: bot "dark", or "auto" following prefers-color-scheme in CSS. */
export function App(p: Props) {
  const { m, t } = p;
  const launcher = useRef<HTMLButtonElement>(null);
  const theme = m.bot.value?.theme ?? {};
  const open = m.open.value;
  const close = () => {
    m.open.value = false;
    launcher.current?.focus();
  };
  const style = `--p:${theme.primaryColor ?? "#4f46e5"};--pt:${theme.textColor ?? "#fff"}`;
  const pos = (p.position ?? theme.position) === "bottom-left" ? "left" : "right";
  return (
    <div class={`r ${pos} ${theme.mode === "dark" ? "dk" : theme.mode === "light" ? "" : "au"}`} style={style}>
      {open ? <Panel {...p} close={close} /> : null}
      <button
        ref={launcher}
        type="button"
        class="l"
        aria-label={open ? t[K.close] : t[K.open]}
        aria-expanded={open}
        aria-controls="echo-panel"
        onClick={() => (m.open.value = !open)}
      >
        <svg viewBox="0 0 24 24" aria-hidden="true">
          <path d={open ? X : CHAT} />
        </svg>
        {m.unread.value && !open ? (
          <span class="bd" aria-hidden="true">
            {m.unread}
          </span>
        ) : null}
      </button>
    </div>
  );
}
