import { exports } from "cloudflare:workers";
import { expect } from "vitest";

/** Calls the real Worker (its default export) in this workerd. */
export function call(path: string, init: RequestInit & { json?: unknown; token?: string } = {}) {
  const headers = new Headers(init.headers);
  if (init.json !== undefined) headers.set("content-type", "application/json");
  if (init.token) headers.set("authorization", `Bearer ${init.token}`);
  const body = init.json !== undefined ? JSON.stringify(init.json) : init.body;
  return (exports as unknown as { default: Fetcher }).default.fetch(
    new Request(`http://echo.test${path}`, { ...init, headers, body }),
  );
}

/** Parses a JSON response after checking its status; failures print the body. */
export async function expectJson<T = any>(res: Response | Promise<Response>, status: number): Promise<T> {
  const r = await res;
  const text = await r.text();
  expect(r.status, `${r.status} ${text}`).toBe(status);
  return (text ? JSON.parse(text) : undefined) as T;
}

let counter = 0;
export type TestTenant = {
  tenantId: string;
  userId: string;
  email: string;
  password: string;
  token: string;
  refreshToken: string;
  botId: string;
  botKey: string;
};

/**
 * Signs up a fresh workspace through the public API; every test makes its own. Signup mails a
 * confirmation link (202); in development the response echoes its token, which we confirm. Each
 * tenant signs up from its own client address so the per-IP signup limit does not bite.
 */
export async function makeTenant(name = "Acme"): Promise<TestTenant> {
  const email = `owner${++counter}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const password = "correct horse battery staple";
  const pending = await expectJson(
    call("/api/auth/signup", {
      method: "POST",
      headers: { "cf-connecting-ip": `198.51.${Math.floor(counter / 250) % 250}.${counter % 250}` },
      json: { email, password, company: `${name} ${counter}` },
    }),
    202,
  );
  const s = await expectJson(
    call("/api/auth/verify-email", { method: "POST", json: { token: pending.devToken } }),
    201,
  );
  const bots = await expectJson(call("/api/bots", { token: s.accessToken }), 200);
  return {
    tenantId: s.tenant.id,
    userId: s.user.id,
    email,
    password,
    token: s.accessToken,
    refreshToken: s.refreshToken,
    botId: bots.data[0].id,
    botKey: bots.data[0].publishableKey,
  };
}

/** Adds a member with `role` to the tenant (invite + accept) and returns their access token. */
export async function addMember(owner: TestTenant, role: "owner" | "admin" | "agent" | "viewer") {
  const email = `${role}${++counter}-${crypto.randomUUID().slice(0, 8)}@example.test`;
  const inv = await expectJson(
    call("/api/team/invitations", { method: "POST", token: owner.token, json: { email, role } }),
    201,
  );
  const s = await expectJson(
    call("/api/auth/accept-invitation", {
      method: "POST",
      json: { token: inv.token, password: "another long password" },
    }),
    200,
  );
  return { token: s.accessToken as string, userId: s.user.id as string, email };
}

/** Waits for `predicate` by polling, never by a fixed sleep; throws with the last value after `timeoutMs`. */
export async function eventually<T>(
  fn: () => Promise<T>,
  predicate: (v: T) => boolean,
  timeoutMs = 10_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: T;
  for (;;) {
    last = await fn();
    if (predicate(last)) return last;
    if (Date.now() > deadline)
      throw new Error(`condition not met in ${timeoutMs} ms; last value: ${JSON.stringify(last)}`);
    await new Promise((r) => setTimeout(r, 25));
  }
}

/** Adds a text source through the API (optionally scoped to one bot) and waits until it is indexed; returns its id. */
export async function addTextSource(t: TestTenant, title: string, text: string, botId?: string): Promise<string> {
  const s = await expectJson(
    call("/api/knowledge/sources", { method: "POST", token: t.token, json: { type: "text", title, text, botId } }),
    202,
  );
  await eventually(
    () => expectJson(call(`/api/knowledge/sources/${s.id}`, { token: t.token }), 200),
    (r) => r.status === "ready",
    30_000,
  );
  return s.id as string;
}
