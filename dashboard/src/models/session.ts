/**
 * The signed-in operator. The access token lives in memory only; the rotating refresh token sits in
 * localStorage so a reload keeps the session. Refresh happens a minute before expiry and once on a
 * 401. Several tabs share one refresh token, and the server treats a reused refresh token as theft
 * (it revokes the whole family), so tabs refresh under a Web Lock and re-read storage first: a tab
 * that finds the token already rotated by another tab adopts the new one instead of replaying it.
 */
import { computed, signal } from "@preact/signals";
import { api, ApiError, installAuth, type Permission, type Role, type Session } from "../api";

const STORE = "echo.session";
const SKEW_MS = 60_000;

type Stored = {
  refreshToken: string;
  user: Session["user"];
  tenant: Session["tenant"];
  role: Role;
  permissions: string[];
};
type Live = Stored & { accessToken: string; expiresAt: number };

export const session = signal<Live | null>(null);
/**
 * "checking" until the stored refresh token has been tried on boot; "unreachable" when that try
 * failed for a reason other than the token (offline, 5xx, 429), so the token is kept and retried.
 */
export const authState = signal<"checking" | "in" | "out" | "unreachable">("checking");
export const role = computed(() => session.value?.role ?? "viewer");
/**
 * What the member may do in this workspace: the server's list from the last login, refresh or switch
 * (a built-in role's template or a custom role's permissions). Every control is gated through `can`,
 * never by role name; the server checks again on every route and socket frame.
 */
export const permissions = computed<ReadonlySet<string>>(() => new Set(session.value?.permissions ?? []));
/** Whether the signed-in member holds `p`. Reading it inside a component re-renders it on change. */
export const can = (p: Permission) => permissions.value.has(p);
/** Whether the member holds at least one of `ps`. */
export const canAny = (...ps: Permission[]) => ps.some(can);
/** Sends replies to visitors (replies:write). */
export const canReply = computed(() => can("replies:write"));
/** Plans, payment, caps and credits (billing:write); billing:read only shows them. */
export const canManageBilling = computed(() => can("billing:write"));
/**
 * Kept for screens not yet moved to a named permission: workspace settings (settings:write), which
 * only owners and admins hold among the built-in roles. Prefer `can(…)` with the specific permission.
 */
export const canAdmin = computed(() => can("settings:write"));

let timer: ReturnType<typeof setTimeout> | undefined;
/**
 * Set once a workspace switch has stored the new session, until the page reloads: this page must not
 * rotate the new refresh token (a rotation cut off by the reload would leave the stored token spent,
 * and the reloaded page's use of it would read as theft and revoke the new session).
 */
let leaving = false;
let inflight: Promise<boolean> | null = null;

function readStored(): Stored | null {
  try {
    const raw = localStorage.getItem(STORE);
    if (!raw) return null;
    const v: unknown = JSON.parse(raw);
    if (v && typeof v === "object" && typeof (v as Stored).refreshToken === "string") return v as Stored;
  } catch {}
  return null;
}

/** Keeps what a reload needs (never the access token) in localStorage. */
function persist(s: Session) {
  localStorage.setItem(
    STORE,
    JSON.stringify({
      refreshToken: s.refreshToken,
      user: s.user,
      tenant: s.tenant,
      role: s.role,
      permissions: s.permissions,
    } satisfies Stored),
  );
}

/** Adopts a fresh session from the API and schedules its renewal. */
export function adopt(s: Session) {
  const live: Live = {
    accessToken: s.accessToken,
    refreshToken: s.refreshToken,
    expiresAt: Date.now() + s.expiresIn * 1000,
    user: s.user,
    tenant: s.tenant,
    role: s.role,
    permissions: s.permissions,
  };
  persist(s);
  session.value = live;
  authState.value = "in";
  clearTimeout(timer);
  timer = setTimeout(() => void refresh(), Math.max(5_000, s.expiresIn * 1000 - SKEW_MS));
}

function signedOut() {
  clearTimeout(timer);
  localStorage.removeItem(STORE);
  session.value = null;
  authState.value = "out";
}

async function rotate(): Promise<boolean> {
  const stored = readStored();
  if (!stored) return false;
  const current = session.value;
  // another tab already rotated: its access token is not shared, so rotate from the newer token
  try {
    adopt(await api.auth.refresh(stored.refreshToken));
    return true;
  } catch (err) {
    if (err instanceof ApiError && err.status === 0 && current) return false; // offline: keep trying later
    if (err instanceof ApiError && (err.status === 401 || err.status === 400)) {
      // lost a race with another tab between read and use? it has written the newer token by now
      const again = readStored();
      if (again && again.refreshToken !== stored.refreshToken) {
        adopt(await api.auth.refresh(again.refreshToken));
        return true;
      }
      signedOut();
    }
    return false;
  }
}

/** Renews the access token; concurrent callers share one attempt. Resolves false when signed out. */
export function refresh(): Promise<boolean> {
  if (leaving) return Promise.resolve(false);
  inflight ??= (async () => {
    try {
      const locks = typeof navigator !== "undefined" ? navigator.locks : undefined;
      return locks ? await locks.request("echo.refresh", () => rotate()) : await rotate();
    } catch {
      return false;
    } finally {
      inflight = null;
    }
  })();
  return inflight;
}

installAuth({
  token: () => session.value?.accessToken ?? null,
  refresh,
  expired: () => {
    if (!leaving && !readStored()) signedOut();
  },
});

export async function boot() {
  if (readStored()) await refresh();
  if (session.value) return;
  if (readStored()) {
    // the token survived (not rejected): the server was unreachable, try again shortly
    authState.value = "unreachable";
    setTimeout(() => void boot(), 5_000);
  } else authState.value = "out";
}

export async function signIn(email: string, password: string) {
  adopt(await api.auth.login({ email, password }));
}
/**
 * Signup mails a confirmation link and answers "sent"; a development server also returns the
 * link's token, which is confirmed at once so local signup stays one step. Returns whether we are in.
 */
export async function signUp(input: { email: string; password: string; name?: string; company: string }) {
  const r = await api.auth.signup(input);
  if (!r.devToken) return false;
  adopt(await api.auth.verifyEmail(r.devToken));
  return true;
}
export async function verifyEmail(token: string) {
  adopt(await api.auth.verifyEmail(token));
}
/** Accepts as the signed-in account when there is one, else creates the invited account. */
export async function acceptInvite(input: { token: string; password?: string; name?: string }) {
  adopt(await api.auth.accept(input, session.value !== null));
}
/** The account's workspaces, for the switcher (shown only when there are two or more). */
export async function workspaces() {
  return (await api.auth.workspaces()).data;
}

/**
 * Switches to another of the account's workspaces: the session there is stored in place of this one
 * and the old refresh family is revoked. This page keeps showing the old workspace until the caller
 * reloads the app, which boots from the stored session so every model, cache and socket starts over
 * in the new tenant (nothing from the old workspace lingers on screen, nothing new mixes into it).
 */
export async function switchWorkspace(tenantId: string) {
  const old = readStored();
  const next = await api.auth.switch(tenantId);
  leaving = true;
  clearTimeout(timer);
  persist(next);
  if (old) await api.auth.logout(old.refreshToken).catch(() => {});
}

/** The account screen renamed the person: the nav shows it now, and a reload too. */
export function renamed(name: string) {
  const s = session.value;
  if (s) session.value = { ...s, user: { ...s.user, name } };
  const stored = readStored();
  if (stored)
    localStorage.setItem(STORE, JSON.stringify({ ...stored, user: { ...stored.user, name } } satisfies Stored));
}

export async function signOut() {
  const stored = readStored();
  signedOut();
  if (stored) await api.auth.logout(stored.refreshToken).catch(() => {});
}

// a sign-out in another tab signs this one out too
if (typeof window !== "undefined") {
  window.addEventListener("storage", (e) => {
    if (e.key !== STORE || !session.value) return;
    if (e.newValue === null) return signedOut();
    // another tab switched workspace: this one's screens and sockets belong to the old tenant
    try {
      const next = JSON.parse(e.newValue) as Partial<Stored>;
      if (next.tenant?.id && next.tenant.id !== session.value.tenant.id) location.reload();
    } catch {}
  });
}
