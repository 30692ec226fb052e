/** Echo dashboard entry: boot the session, then route between the signed-out and signed-in screens. */
import { render } from "preact";
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { pageTitle, startAlerts } from "./models/alerts";
import { waitingCount } from "./models/inbox";
import { authState, boot, canAdmin, session, signOut } from "./models/session";
import { cycleTheme, themePick } from "./models/theme";
import { match, navigate, onLinkClick, route } from "./router";
import { Accept, Reset, SignIn, SignUp, Verify } from "./pages/auth";
import { Inbox } from "./pages/inbox";
import { ConfirmHost } from "./ui/confirm";
import { Loading } from "./ui/kit";

/**
 * A screen loaded on its first visit (its own chunk), so the inbox — the screen operators live in —
 * starts with less code. A failed load (say, a deploy replaced the chunk) offers a reload.
 */
function lazyScreen(load: () => Promise<Record<string, unknown>>, name: string): ComponentType {
  let loaded: ComponentType | undefined;
  let pending: Promise<void> | undefined;
  return function LazyScreen() {
    const [state, setState] = useState<"loading" | "ready" | "failed">(loaded ? "ready" : "loading");
    useEffect(() => {
      if (loaded) return;
      let live = true;
      pending ??= load().then((m) => {
        loaded = m[name] as ComponentType;
      });
      pending.then(
        () => live && setState("ready"),
        () => {
          pending = undefined;
          if (live) setState("failed");
        },
      );
      return () => {
        live = false;
      };
    }, []);
    const Screen = loaded;
    if (Screen && state === "ready") return <Screen />;
    if (state === "failed")
      return (
        <main class="page" id="main">
          <p role="alert">
            This screen could not be loaded.{" "}
            <button type="button" class="btn small" onClick={() => location.reload()}>
              Reload
            </button>
          </p>
        </main>
      );
    return <Loading />;
  };
}

const Analytics = lazyScreen(() => import("./pages/analytics"), "Analytics");
const Billing = lazyScreen(() => import("./pages/billing"), "Billing");
const Bots = lazyScreen(() => import("./pages/bots"), "Bots");
const Calls = lazyScreen(() => import("./pages/calls"), "Calls");
const Keys = lazyScreen(() => import("./pages/keys"), "Keys");
const Knowledge = lazyScreen(() => import("./pages/knowledge"), "Knowledge");
const Settings = lazyScreen(() => import("./pages/settings"), "Settings");
const RolesScreen = lazyScreen(() => import("./pages/access"), "Roles");
const SsoScreen = lazyScreen(() => import("./pages/access"), "Sso");
const Team = lazyScreen(() => import("./pages/team"), "Team");
const Tickets = lazyScreen(() => import("./pages/tickets"), "Tickets");
const Triage = lazyScreen(() => import("./pages/triage"), "Triage");
const Voice = lazyScreen(() => import("./pages/voice"), "Voice");

const PUBLIC = new Set(["/login", "/signup", "/accept", "/verify", "/reset"]);

const NAV = [
  ["/inbox", "Inbox"],
  ["/tickets", "Tickets"],
  ["/knowledge", "Knowledge"],
  ["/bots", "Bots"],
  ["/team", "Team"],
  ["/triage", "Triage"],
  ["/analytics", "Analytics"],
  ["/calls", "Calls"],
  ["/voice", "Voice", true],
  ["/keys", "API keys", true],
  ["/billing", "Billing", true],
  ["/settings", "Settings", true],
] as const;

function Shell({ children }: { children: preact.ComponentChildren }) {
  const path = route.value.path;
  const s = session.value;
  const themeLabel = { system: "Theme: system", dark: "Theme: dark", light: "Theme: light" }[themePick.value];
  // waiting count in the title and favicon, sound and desktop alerts on every screen
  useEffect(() => startAlerts(), []);
  // on a phone the nav is a menu behind one button; it closes when a screen is chosen
  const [menuOpen, setMenuOpen] = useState(false);
  useEffect(() => setMenuOpen(false), [path]);
  return (
    <div class="shell">
      <a class="skip" href="#main">
        Skip to content
      </a>
      <nav class={`nav${menuOpen ? " open" : ""}`} aria-label="Main">
        <a class="brand" href="/app/inbox" aria-label="Echo home">
          <span class="logo" aria-hidden="true">
            ◗
          </span>
          <span class="brand-name">Echo</span>
        </a>
        <button
          type="button"
          class="btn ghost small menu-toggle"
          aria-expanded={menuOpen}
          aria-controls="nav-menu"
          onClick={() => setMenuOpen(!menuOpen)}
        >
          Menu
          {waitingCount.value > 0 && (
            <span class="count" aria-label={`${waitingCount.value} waiting`}>
              {waitingCount.value}
            </span>
          )}
        </button>
        <div class="nav-menu" id="nav-menu">
          <ul>
            {NAV.filter((n) => !n[2] || canAdmin.value).map(([href, label]) => {
              const on = path === href || path.startsWith(`${href}/`) || (href === "/inbox" && path.startsWith("/c/"));
              return (
                <li key={href}>
                  <a
                    href={`/app${href}`}
                    aria-current={on ? "page" : undefined}
                    // choosing the screen already shown changes no path: close the menu here too
                    onClick={() => setMenuOpen(false)}
                  >
                    {label}
                    {href === "/inbox" && waitingCount.value > 0 && (
                      <span class="count" aria-label={`${waitingCount.value} waiting`}>
                        {waitingCount.value}
                      </span>
                    )}
                  </a>
                </li>
              );
            })}
          </ul>
          <div class="nav-foot">
            <span class="who" title={s?.user.email}>
              {s?.user.name ?? s?.user.email}
              <small>
                {s?.tenant.name} · {s?.role}
              </small>
            </span>
            <button
              type="button"
              class="btn ghost small"
              aria-label={`${themeLabel}. Change theme`}
              title={themeLabel}
              onClick={cycleTheme}
            >
              {themePick.value === "dark" ? "☾" : themePick.value === "light" ? "☀" : "◐"}
            </button>
            <button
              type="button"
              class="btn ghost small"
              onClick={() => void signOut().then(() => navigate("/login", true))}
            >
              Sign out
            </button>
          </div>
        </div>
      </nav>
      <div class="content">{children}</div>
      <ConfirmHost />
    </div>
  );
}

/** Navigation as an effect: changing the route signal while rendering would re-enter render. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Signed() {
  const path = route.value.path;
  if (path === "/" || path === "/login" || path === "/signup") return <Redirect to="/inbox" />;
  if (path === "/inbox" || match("/c/:id", path)) return <Inbox />;
  if (path === "/tickets" || match("/tickets/:id", path)) return <Tickets />;
  if (path === "/knowledge") return <Knowledge />;
  if (path === "/bots" || match("/bots/:id", path)) return <Bots />;
  if (path === "/team") return <Team />;
  if (path === "/keys") return <Keys />;
  if (path === "/settings") return <Settings />;
  if (path === "/settings/roles") return <RolesScreen />;
  if (path === "/settings/sso") return <SsoScreen />;
  if (path === "/voice") return <Voice />;
  if (path === "/triage") return <Triage />;
  if (path === "/analytics") return <Analytics />;
  if (path === "/calls" || match("/calls/:id", path)) return <Calls />;
  if (path === "/billing") return <Billing />;
  return (
    <main class="page" id="main">
      <h1>Not found</h1>
      <p>
        There is no page at {path}. <a href="/app/inbox">Go to the inbox</a>.
      </p>
    </main>
  );
}

function App() {
  const state = authState.value;
  const path = route.value.path;
  useEffect(() => {
    const title = path.startsWith("/c/") ? "Conversation" : (NAV.find(([h]) => path.startsWith(h))?.[1] ?? "Echo");
    pageTitle.value = `${title} · Echo`;
  }, [path]);
  if (state === "checking") return <Loading label="Signing you in…" />;
  if (state === "unreachable")
    return (
      <main class="auth" id="main">
        <div class="auth-card" role="alert">
          <h1>Can't reach Echo</h1>
          <p>Your session is kept. Retrying every few seconds…</p>
          <button type="button" class="btn primary" onClick={() => void boot()}>
            Retry now
          </button>
        </div>
      </main>
    );
  if (path === "/accept") return <Accept />;
  if (path === "/verify") return <Verify />;
  if (path === "/reset") return <Reset />;
  if (state === "out") {
    if (path === "/signup") return <SignUp />;
    if (!PUBLIC.has(path))
      return <Redirect to={`/login${path === "/" ? "" : `?next=${encodeURIComponent(path + location.search)}`}`} />;
    return <SignIn />;
  }
  return (
    <Shell>
      <Signed />
    </Shell>
  );
}

// start the silent session refresh before the first render: it gates every API call
void boot();
document.addEventListener("click", onLinkClick);
const root = document.getElementById("app");
if (root) {
  root.textContent = "";
  render(<App />, root);
}
