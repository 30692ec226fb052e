/**
 * The script a site pastes: `<script src="https://<echo>/widget.js" data-bot="pk_…" async>`.
 * It must stay under 1 KiB gzipped, so it only reads its data-* options, installs the queue-style
 * `Echo(...)` global (keeping commands queued by an earlier stub) and, when the page is idle, loads
 * the content-hashed bundle from the same origin as itself. The bundle replaces `Echo` and runs the
 * queue. `__BUNDLE__` is injected by widget/build.mjs.
 */
declare const __BUNDLE__: string;
type Stub = ((...a: unknown[]) => void) & { q?: ArrayLike<unknown>[]; c?: object };

((w: Window & { Echo?: Stub }, d) => {
  const s = (d.currentScript ?? d.querySelector("script[data-bot]")) as HTMLScriptElement | null;
  if (!s || w.Echo?.c) return;
  const prev = w.Echo;
  const e: Stub = (...a) => e.q!.push(a);
  e.q = prev?.q ?? [];
  e.c = { ...s.dataset, src: s.src };
  w.Echo = e;
  const go = () => {
    const m = d.createElement("script");
    m.type = "module";
    m.crossOrigin = "anonymous";
    m.src = new URL(__BUNDLE__, s.src).href;
    d.head.appendChild(m);
  };
  const idle = () => ("requestIdleCallback" in w ? requestIdleCallback(go, { timeout: 1500 }) : setTimeout(go, 1));
  d.readyState === "complete" ? idle() : w.addEventListener("load", idle);
})(window, document);
