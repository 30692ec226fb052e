import { env, exports } from "cloudflare:workers";
import { afterEach, describe, expect, it, vi } from "vitest";
import { hmac, sha256Hex, toHex } from "../lib/crypto";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Issue 13, item 2: voice custom-LLM URLs are random per integration, stored hashed, rotatable,
 * shown only to `voice:write` roles, throttled per integration, redacted from logs, and Retell's
 * socket attaches only to calls announced by a signed webhook. Each test performs the attack.
 */
vi.setConfig({ testTimeout: 60_000 });
afterEach(() => vi.restoreAllMocks());

async function integration(t: TestTenant, provider: "vapi" | "retell" | "twilio", secrets: Record<string, string>) {
  return expectJson(
    call("/api/voice/integrations", { method: "POST", token: t.token, json: { provider, botId: t.botId, secrets } }),
    201,
  );
}

const vapi = (t: TestTenant) => integration(t, "vapi", { secret: "vapi-secret-sec-123456" });
const pathOf = (url: string) => new URL(url.replace(/^ws/, "http")).pathname;
const tokenOf = (url: string) => pathOf(url).split("/").at(-1)!;
const completion = (
  llmUrl: string,
  body: unknown = { model: "gpt-4o", messages: [{ role: "user", content: "hello" }] },
) => call(`${pathOf(llmUrl)}/chat/completions`, { method: "POST", json: body });

async function count(sql: string, ...args: string[]) {
  return (
    (
      await env.DB.prepare(sql)
        .bind(...args)
        .first<{ n: number }>()
    )?.n ?? 0
  );
}

describe("voice capability tokens", () => {
  it("are random per integration and stored only as a SHA-256 digest (plus a sealed copy), never in the clear", async () => {
    const t = await makeTenant();
    const a = await vapi(t);
    const b = await vapi(t);
    const ta = tokenOf(a.urls.customLlm);
    expect(ta).toMatch(/^vlt_[A-Za-z0-9_-]{43}$/);
    expect(tokenOf(b.urls.customLlm)).not.toBe(ta);
    // not the old derivation from the integration id
    const derived = toHex(await hmac("SHA-256", String(env.APP_SECRET), `voice-llm:${a.id}`)).slice(0, 40);
    expect(ta).not.toBe(derived);
    const row = await env.DB.prepare("select * from voice_integrations where id = ?")
      .bind(a.id)
      .first<Record<string, unknown>>();
    expect(row!.llm_token_hash).toBe(await sha256Hex(ta));
    expect(JSON.stringify(row)).not.toContain(ta);
    expect(String(row!.llm_token_ciphertext)).toMatch(/^v1\./);
  });

  it("rotation answers the new URLs; 60 parallel unauthenticated completions on the old URL are all refused, nothing stored", async () => {
    const t = await makeTenant();
    const v = await vapi(t);
    const old = v.urls.customLlm as string;
    expect((await completion(old)).status, "the URL works before rotation").toBe(200);

    const rotated = await expectJson(
      call(`/api/voice/integrations/${v.id}/rotate`, { method: "POST", token: t.token }),
      200,
    );
    expect(rotated).toMatchObject({ id: v.id, provider: "vapi", webhookUrl: v.webhookUrl });
    expect(rotated.urls.customLlm).toMatch(/\/llm\/vlt_/);
    expect(rotated.urls.customLlm).not.toBe(old);
    expect(Date.parse(rotated.llmTokenIssuedAt)).toBeGreaterThanOrEqual(Date.parse(v.llmTokenIssuedAt));

    const before = await count("select count(*) n from conversations where tenant_id = ?", t.tenantId);
    const attempts = await Promise.all(Array.from({ length: 60 }, () => completion(old)));
    const statuses = attempts.map((r) => r.status);
    expect(
      statuses.filter((s) => s === 404),
      JSON.stringify(statuses),
    ).toHaveLength(60);
    expect(await count("select count(*) n from conversations where tenant_id = ?", t.tenantId)).toBe(before);
    expect(await count("select count(*) n from voice_calls where integration_id = ?", v.id)).toBe(0);

    expect((await completion(rotated.urls.customLlm)).status, "the new URL works").toBe(200);
    // a read by a writer shows the current URL, not the old one
    const read = await expectJson(call(`/api/voice/integrations/${v.id}`, { token: t.token }), 200);
    expect(read.urls.customLlm).toBe(rotated.urls.customLlm);
  });

  it("rotates Retell's socket URL: the old one is refused before any call is touched", async () => {
    const t = await makeTenant();
    const r = await integration(t, "retell", { apiKey: "retell-api-key-rot" });
    const rotated = await expectJson(
      call(`/api/voice/integrations/${r.id}/rotate`, { method: "POST", token: t.token }),
      200,
    );
    expect(rotated.urls.llmWebsocket).toMatch(/^ws:\/\/echo\.test\/hooks\/voice\/retell\/.+\/llm\/vlt_/);
    const res = await exports.default.fetch(
      new Request(`http://echo.test${pathOf(r.urls.llmWebsocket)}/call-1`, { headers: { upgrade: "websocket" } }),
    );
    expect(res.status).toBe(404);
  });

  it("shows URLs only to roles that may write voice settings; agents and viewers cannot read or rotate them", async () => {
    const t = await makeTenant();
    const v = await vapi(t);
    const token = tokenOf(v.urls.customLlm);
    for (const role of ["viewer", "agent"] as const) {
      const m = await addMember(t, role);
      const listRes = await call("/api/voice/integrations", { token: m.token });
      const listText = await listRes.clone().text();
      const list = await expectJson(listRes, 200);
      expect(list.data.map((x: any) => x.id)).toEqual([v.id]);
      expect(list.data[0].urls, role).toBeUndefined();
      expect(list.data[0].webhookUrl, role).toBeUndefined();
      expect(listText, role).not.toContain(token);
      expect(listText, role).not.toContain("/llm/");
      const oneRes = await call(`/api/voice/integrations/${v.id}`, { token: m.token });
      const oneText = await oneRes.clone().text();
      expect((await expectJson(oneRes, 200)).urls, role).toBeUndefined();
      expect(oneText, role).not.toContain(token);
      await expectJson(call(`/api/voice/integrations/${v.id}/rotate`, { method: "POST", token: m.token }), 403);
    }
    expect((await completion(v.urls.customLlm)).status, "refused rotations changed nothing").toBe(200);
    const admin = await addMember(t, "admin");
    const seen = await expectJson(call(`/api/voice/integrations/${v.id}`, { token: admin.token }), 200);
    expect(seen.urls.customLlm).toBe(v.urls.customLlm);
  });

  it("rotate answers 404 for another tenant's integration, 401 without a token, 400 for Twilio; nothing changes", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const v = await vapi(a);
    await expectJson(call(`/api/voice/integrations/${v.id}/rotate`, { method: "POST", token: b.token }), 404);
    await expectJson(call(`/api/voice/integrations/${v.id}/rotate`, { method: "POST" }), 401);
    const tw = await integration(a, "twilio", { authToken: "twilio-auth-token-sec" });
    expect(
      (await expectJson(call(`/api/voice/integrations/${tw.id}/rotate`, { method: "POST", token: a.token }), 400)).code,
    ).toBe("INVALID_REQUEST");
    expect((await completion(v.urls.customLlm)).status).toBe(200);
  });

  it("throttles a capability URL per integration (429), while another integration is unaffected", async () => {
    const t = await makeTenant();
    const v = await vapi(t);
    const other = await vapi(t);
    // invalid bodies keep each request cheap: the limit is checked before the body is read. The
    // limiter counts 100 per 10 s window, and 120 requests can straddle two windows (60 + 60) on a
    // busy machine, so keep sending until the limit answers (at most 400: some window then holds
    // more than 100 unless the requests are slower than 10 a second)
    const statuses: number[] = [];
    for (let i = 0; i < 40 && !statuses.includes(429); i++)
      statuses.push(
        ...(await Promise.all(Array.from({ length: 10 }, () => completion(v.urls.customLlm, { nope: 1 })))).map(
          (r) => r.status,
        ),
      );
    // the limit is 100: nothing is refused before the 101st request
    expect(
      statuses.slice(0, 100).filter((s) => s === 429),
      JSON.stringify(statuses),
    ).toEqual([]);
    expect(statuses.filter((s) => s === 429).length, JSON.stringify(statuses)).toBeGreaterThan(0);
    expect(
      statuses.filter((s) => s !== 429 && s !== 400),
      JSON.stringify(statuses),
    ).toEqual([]);
    expect((await completion(other.urls.customLlm, { nope: 1 })).status).toBe(400);
  });

  it("refuses the old id-derived URLs of integrations from before the migration; a writer's read issues a fresh one", async () => {
    const t = await makeTenant();
    const v = await vapi(t);
    await env.DB.prepare(
      "update voice_integrations set llm_token_hash = null, llm_token_ciphertext = null, llm_token_issued_at = null where id = ?",
    )
      .bind(v.id)
      .run();
    const derived = toHex(await hmac("SHA-256", String(env.APP_SECRET), `voice-llm:${v.id}`)).slice(0, 40);
    const legacyUrl = `http://echo.test/hooks/voice/vapi/${v.id}/llm/${derived}`;
    expect((await completion(legacyUrl)).status).toBe(404);
    expect((await completion(v.urls.customLlm)).status).toBe(404);
    const viewer = await addMember(t, "viewer");
    await expectJson(call(`/api/voice/integrations/${v.id}`, { token: viewer.token }), 200);
    expect(
      (await env.DB.prepare("select llm_token_hash h from voice_integrations where id = ?").bind(v.id).first())!.h,
      "a viewer's read issues nothing",
    ).toBeNull();
    const read = await expectJson(call(`/api/voice/integrations/${v.id}`, { token: t.token }), 200);
    expect(read.urls.customLlm).toMatch(/\/llm\/vlt_/);
    expect((await completion(read.urls.customLlm)).status).toBe(200);
    const again = await expectJson(call(`/api/voice/integrations/${v.id}`, { token: t.token }), 200);
    expect(again.urls.customLlm, "issued once, then kept").toBe(read.urls.customLlm);
  });

  it("never prints a capability token whole in the request log", async () => {
    const t = await makeTenant();
    const v = await vapi(t);
    const token = tokenOf(v.urls.customLlm);
    const lines: string[] = [];
    for (const level of ["log", "warn", "error", "info"] as const)
      vi.spyOn(console, level).mockImplementation((...a: unknown[]) => void lines.push(a.map(String).join(" ")));
    expect((await completion(v.urls.customLlm)).status).toBe(200);
    await completion(`http://echo.test/hooks/voice/vapi/${v.id}/llm/vlt_wrong-token-that-is-not-current/`);
    const requests = lines.filter((l) => l.includes('"msg":"request"'));
    expect(requests.length, lines.join("\n")).toBeGreaterThanOrEqual(2);
    expect(requests.some((l) => l.includes(`/hooks/voice/vapi/${v.id}/llm/vlt_`))).toBe(true);
    expect(lines.join("\n")).not.toContain(token);
    expect(lines.join("\n")).not.toContain("wrong-token-that-is-not-current");
  });
});

describe("Retell custom-LLM socket", () => {
  it("refuses a call id no signed webhook announced (close 1008), storing no call, conversation or ticket", async () => {
    const t = await makeTenant();
    const r = await integration(t, "retell", { apiKey: "retell-api-key-fake" });
    const before = {
      conversations: await count("select count(*) n from conversations where tenant_id = ?", t.tenantId),
      tickets: await count("select count(*) n from tickets where tenant_id = ?", t.tenantId),
    };
    const res = await exports.default.fetch(
      new Request(`http://echo.test${pathOf(r.urls.llmWebsocket)}/fake-call-1`, { headers: { upgrade: "websocket" } }),
    );
    expect(res.status).toBe(101);
    const ws = res.webSocket!;
    const frames: string[] = [];
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.addEventListener("message", (e) => void frames.push(String(e.data)));
    ws.accept();
    expect(await closed).toBe(1008);
    expect(frames.map((f) => JSON.parse(f).code)).toEqual(["UNKNOWN_CALL"]);
    // the attacker's transcript has nowhere to go
    try {
      ws.send(JSON.stringify({ interaction_type: "response_required", response_id: 1, transcript: [] }));
    } catch {
      // the socket is closed: that is the point
    }
    expect(await count("select count(*) n from voice_calls where integration_id = ?", r.id)).toBe(0);
    expect(await count("select count(*) n from conversations where tenant_id = ?", t.tenantId)).toBe(
      before.conversations,
    );
    expect(await count("select count(*) n from tickets where tenant_id = ?", t.tenantId)).toBe(before.tickets);
  });

  it("refuses a call that has ended, so a captured URL cannot reattach", async () => {
    const t = await makeTenant();
    const r = await integration(t, "retell", { apiKey: "retell-api-key-ended" });
    const { announceRetellCall } = await import("../domain/voice/test-support");
    await announceRetellCall(r.webhookUrl, "retell-api-key-ended", "ended-call-1");
    await env.DB.prepare("update voice_calls set state = 'ended' where integration_id = ?").bind(r.id).run();
    const res = await exports.default.fetch(
      new Request(`http://echo.test${pathOf(r.urls.llmWebsocket)}/ended-call-1`, { headers: { upgrade: "websocket" } }),
    );
    const ws = res.webSocket!;
    const closed = new Promise<number>((resolve) => ws.addEventListener("close", (e) => resolve(e.code)));
    ws.accept();
    expect(await closed).toBe(1008);
    await eventually(
      async () => count("select count(*) n from voice_calls where integration_id = ?", r.id),
      (n) => n === 1,
    );
  });
});
