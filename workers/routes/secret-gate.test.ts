import { createExecutionContext, env, waitOnExecutionContext } from "cloudflare:test";
import { describe, expect, it } from "vitest";
import worker from "../index";
import { signAccessToken } from "../domain/auth/tokens";
import { KNOWN_DEV_SECRETS, isLoopbackHost, secretWeakness, weakSecrets } from "../lib/secret-strength";
import { call, expectJson, makeTenant } from "../test/fixtures";

// The values wrangler.toml used to carry in its top-level [vars]: public, so anything they sign is forgeable.
const [OLD_APP_SECRET, OLD_MASTER_KEY] = KNOWN_DEV_SECRETS as [string, string];

/** The real Worker (its default export) with a replaced environment, as a deploy with other vars would run. */
async function callWith(vars: Record<string, string>, url: string, init: RequestInit = {}) {
  const ctx = createExecutionContext();
  const res = await worker.fetch(
    new Request(url, init) as Parameters<typeof worker.fetch>[0],
    { ...env, ...vars } as unknown as Env,
    ctx,
  );
  await waitOnExecutionContext(ctx);
  return res;
}

const DEV_SECRETS = { APP_SECRET: OLD_APP_SECRET, MASTER_KEY: OLD_MASTER_KEY };

describe("weak or published secrets", () => {
  it("the published development secrets are refused on a non-loopback host with a 503 problem, and nothing is stored", async () => {
    const email = `weak-${crypto.randomUUID().slice(0, 8)}@example.test`;
    const signup = await callWith(DEV_SECRETS, "https://echo.example.com/api/auth/signup", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ email, password: "correct horse battery staple", company: "Weak" }),
    });
    expect(signup.status).toBe(503);
    expect(signup.headers.get("content-type")).toContain("application/problem+json");
    expect(await signup.json()).toMatchObject({ status: 503, code: "CONFIG_INVALID" });
    // the refused signup created nothing: the address is still free under the real secrets
    const row = await env.DB.prepare("SELECT id FROM users WHERE email = ?").bind(email).first();
    expect(row).toBeNull();
    // /health too: a deployment with these secrets is visibly broken, not quietly forgeable
    expect((await callWith(DEV_SECRETS, "https://echo.example.com/health")).status).toBe(503);
  });

  it("short and low-entropy secrets are refused too, and a production environment refuses them even on loopback", async () => {
    const lowEntropy = { APP_SECRET: "ab".repeat(24), MASTER_KEY: "0123456789".repeat(4) };
    for (const vars of [lowEntropy, { APP_SECRET: "Q8z!kq-short-random" }]) {
      const r = await callWith(vars, "http://echo.test/health");
      expect(r.status, JSON.stringify(vars)).toBe(503);
      expect(await r.json()).toMatchObject({ code: "CONFIG_INVALID" });
    }
    const prod = await callWith({ ...DEV_SECRETS, ENVIRONMENT: "production" }, "http://127.0.0.1:8787/health");
    expect(prod.status).toBe(503);
  });

  it("development on loopback (npm start with an old .dev.vars) still serves", async () => {
    for (const host of ["127.0.0.1:8787", "localhost:8787", "[::1]:8787"]) {
      const r = await callWith(DEV_SECRETS, `http://${host}/health`);
      expect(r.status, host).toBe(200);
    }
    // the generated secrets serve on any host
    expect((await call("/health")).status).toBe(200);
  });

  it("tokens forged with the old committed APP_SECRET are rejected", async () => {
    const t = await makeTenant("Forged");
    const forged = await signAccessToken(
      OLD_APP_SECRET,
      { userId: t.userId, tenantId: t.tenantId, role: "owner" },
      Date.now(),
    );
    const r = await call("/api/bots", { token: forged });
    expect(r.status).toBe(401);
    expect(await r.json()).toMatchObject({ code: "UNAUTHORIZED" });
    // and a deployment that still had the old secret would not honour it off loopback either
    const dep = await callWith(DEV_SECRETS, "https://echo.example.com/api/bots", {
      headers: { authorization: `Bearer ${forged}` },
    });
    expect(dep.status).toBe(503);
    // the real token still works
    await expectJson(call("/api/bots", { token: t.token }), 200);
  });

  it("classifies secrets (pure)", () => {
    expect(secretWeakness(undefined)).toBe("missing");
    expect(secretWeakness(OLD_APP_SECRET)).toMatch(/published/);
    expect(secretWeakness("dev-only-anything-else-0123456789abcdefghij")).toMatch(/published/);
    expect(secretWeakness("Zx8!kq")).toMatch(/shorter/);
    expect(secretWeakness("a".repeat(64))).toMatch(/entropy/);
    expect(secretWeakness("passwordpasswordpasswordpassword")).toMatch(/entropy/);
    const strong = btoa(String.fromCharCode(...crypto.getRandomValues(new Uint8Array(32))));
    expect(secretWeakness(strong)).toBeNull();
    expect(weakSecrets({ APP_SECRET: strong, MASTER_KEY: strong })).toEqual(["APP_SECRET equals MASTER_KEY"]);
    expect(["127.0.0.1", "127.1.2.3", "localhost", "[::1]"].every(isLoopbackHost)).toBe(true);
    expect(["echo.test", "10.0.0.1", "127.0.0.1.nip.io", "localhost.example.com"].some(isLoopbackHost)).toBe(false);
  });
});
