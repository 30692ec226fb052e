/** Echo dashboard entry: boot the session, then route between the signed-out and signed-in screens. */
import { render } from "preact";
import type { ComponentType } from "preact";
import { useEffect, useState } from "preact/hooks";
import "./styles.css";
import { pageTitle, startAlerts } from "./models/alerts";
import { waitingCount } from "./models/inbox";
import { authState, boot, can, canAny, session, signOut } from "./models/session";
import { cycleTheme, themePick } from "./models/theme";
import { loadWorkspace, workspace } from "./models/workspace";
import { match, navigate, onLinkClick, route } from "./router";
import { Accept, Reset, SignIn, SignUp, Verify } from "./pages/auth";
import { Inbox } from "./pages/inbox";
import { WorkspaceSwitcher } from "./ui/workspaces";
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

const Account = lazyScreen(() => import("./pages/account"), "Account");
const Analytics = lazyScreen(() => import("./pages/analytics"), "Analytics");
const Audit = lazyScreen(() => import("./pages/audit"), "Audit");
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

/**
 * Each screen with the permission that shows it (nav item and route alike). The built-in roles see
 * what they always saw: owner/admin everything, agent and viewer no Voice, API keys, Billing or
 * Settings; a custom role sees exactly the screens its permissions allow.
 */
const NAV: readonly (readonly [href: string, label: string, allowed: () => boolean])[] = [
  ["/inbox", "Inbox", () => can("conversations:read")],
  ["/tickets", "Tickets", () => can("tickets:read")],
  ["/knowledge", "Knowledge", () => can("knowledge:read")],
  ["/bots", "Bots", () => can("bots:read")],
  ["/team", "Team", () => can("team:read")],
  ["/triage", "Triage", () => can("tickets:read")],
  ["/analytics", "Analytics", () => can("analytics:read")],
  ["/calls", "Calls", () => can("voice:read")],
  ["/voice", "Voice", () => can("voice:write")],
  ["/keys", "API keys", () => can("keys:read")],
  ["/billing", "Billing", () => can("billing:read")],
  ["/audit", "Audit log", () => can("audit:read")],
  // General (providers, outbox), Channels, Roles and SSO live under Settings
  ["/settings", "Settings", () => canAny("settings:read", "channels:write", "roles:write", "sso:read")],
];
const SUB: readonly (readonly [href: string, allowed: () => boolean])[] = [
  ["/settings/roles", () => can("roles:read")],
  ["/settings/sso", () => can("sso:read")],
  ["/c/", () => can("conversations:read")],
];
/** Whether the member may open the screen at `path` (unknown paths: yes, they show "Not found"). */
function allowedAt(path: string): boolean {
  const sub = SUB.find(([h]) => path.startsWith(h));
  if (sub) return sub[1]();
  const n = NAV.find(([h]) => path === h || path.startsWith(`${h}/`));
  return n ? n[2]() : true;
}
/** Where a signed-in member lands: the inbox, or the first screen the role may open. */
const home = () => NAV.find((n) => n[2]())?.[0] ?? "/team";

function Shell({ children }: { children: preact.ComponentChildren }) {
  const path = route.value.path;
  const s = session.value;
  const themeLabel = { system: "Theme: system", dark: "Theme: dark", light: "Theme: light" }[themePick.value];
  // waiting count in the title and favicon, sound and desktop alerts on every screen
  // (a role without conversations:read has no inbox to watch)
  useEffect(() => (can("conversations:read") ? startAlerts() : undefined), []);
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
            {NAV.filter((n) => n[2]()).map(([href, label]) => {
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
            <a
              class="who"
              href="/app/account"
              title={`${s?.user.email ?? ""}: your account`}
              aria-current={path === "/account" ? "page" : undefined}
            >
              {s?.user.name ?? s?.user.email}
              <small>
                {s?.tenant.name} · {roleName(s?.role)}
              </small>
            </a>
            <WorkspaceSwitcher />
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
      <div class="content">
        <DeletionStrip path={path} />
        {children}
      </div>
      <ConfirmHost />
    </div>
  );
}

/**
 * A workspace scheduled for deletion says so on every screen (Settings has the full banner with
 * Restore, so the strip stays off there).
 */
function DeletionStrip({ path }: { path: string }) {
  useEffect(loadWorkspace, [session.value?.tenant.id]);
  const at = workspace.value?.deletionScheduledAt;
  if (!at || path === "/settings") return null;
  return (
    <p class="notice-strip" role="status">
      This workspace will be deleted on <strong>{new Date(at).toLocaleDateString()}</strong>.{" "}
      <a href="/app/settings">{can("workspace:delete") ? "Restore it in Settings" : "See Settings"}</a>
    </p>
  );
}

const ROLE_NAMES: Record<string, string> = { owner: "owner", admin: "admin", agent: "agent", viewer: "viewer" };
/** A built-in role by name; a custom role's id means nothing to a person. */
const roleName = (r: string | undefined) => (r ? (ROLE_NAMES[r] ?? "custom role") : "");

/** Navigation as an effect: changing the route signal while rendering would re-enter render. */
function Redirect({ to }: { to: string }) {
  useEffect(() => navigate(to, true), [to]);
  return null;
}

function Signed() {
  const path = route.value.path;
  if (path === "/" || path === "/login" || path === "/signup") return <Redirect to={home()} />;
  if (!allowedAt(path))
    return (
      <main class="page" id="main">
        <h1>Not available</h1>
        <p>
          Your role in this workspace cannot open this screen. <a href={`/app${home()}`}>Go back</a>.
        </p>
      </main>
    );
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
  if (path === "/audit") return <Audit />;
  if (path === "/account") return <Account />;
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
    const title = path.startsWith("/c/")
      ? "Conversation"
      : path === "/account"
        ? "Your account"
        : (NAV.find(([h]) => path.startsWith(h))?.[1] ?? "Echo");
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
