/**
 * History routing under /app: `route` is the path after /app ("/inbox", "/c/conv_…"), `query` its
 * search params. Links use `navigate()`; the Worker serves the shell for every /app/* path so a
 * reload or a shared link lands on the same screen.
 */
import { signal } from "@preact/signals";

export const BASE = "/app";

function current() {
  const p = location.pathname.startsWith(BASE) ? location.pathname.slice(BASE.length) : "/";
  return { path: p === "" ? "/" : p, query: new URLSearchParams(location.search) };
}

export const route = signal(current());

export function navigate(to: string, replace = false) {
  const url = to.startsWith(BASE) ? to : `${BASE}${to}`;
  if (url === location.pathname + location.search) return;
  history[replace ? "replaceState" : "pushState"](null, "", url);
  route.value = current();
  window.scrollTo(0, 0);
}

window.addEventListener("popstate", () => (route.value = current()));

/** Intercepts same-origin clicks on <a href="/app/..."> so links stay plain anchors (middle-click works). */
export function onLinkClick(e: MouseEvent) {
  if (e.defaultPrevented || e.button !== 0 || e.metaKey || e.ctrlKey || e.shiftKey || e.altKey) return;
  const a = (e.target as Element | null)?.closest?.("a");
  const href = a?.getAttribute("href");
  if (!a || !href || a.target || (!href.startsWith(`${BASE}/`) && href !== BASE)) return;
  e.preventDefault();
  navigate(href);
}

/** Matches "/c/:id" style patterns; returns the params or null. */
export function match(pattern: string, path: string): Record<string, string> | null {
  const ps = pattern.split("/");
  const xs = path.split("/");
  if (ps.length !== xs.length) return null;
  const out: Record<string, string> = {};
  for (let i = 0; i < ps.length; i++) {
    const p = ps[i]!;
    const x = xs[i]!;
    if (p.startsWith(":")) out[p.slice(1)] = decodeURIComponent(x);
    else if (p !== x) return null;
  }
  return out;
}
