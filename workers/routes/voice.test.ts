import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

const twilioInput = (botId: string) => ({
  provider: "twilio",
  botId,
  secrets: { authToken: "twilio-auth-token-1234" },
  settings: { handoffNumber: "+14155550100" },
});

async function rowOf(id: string) {
  return env.DB.prepare("select * from voice_integrations where id = ?").bind(id).first<Record<string, string>>();
}

describe("POST /api/voice/integrations", () => {
  it("creates an integration, returns its webhook URL and never the secret", async () => {
    const t = await makeTenant();
    const res = await call("/api/voice/integrations", { method: "POST", token: t.token, json: twilioInput(t.botId) });
    const text = await res.clone().text();
    const body = await expectJson(res, 201);
    expect(body.id).toMatch(/^vint_/);
    expect(body.webhookUrl).toBe(`http://echo.test/hooks/voice/twilio/${body.id}`);
    expect(body.urls.statusCallback).toBe(`${body.webhookUrl}/status`);
    expect(body.secretHints).toEqual({ authToken: "••••1234" });
    expect(body.settings).toEqual({ handoffNumber: "+14155550100" });
    expect(text).not.toContain("twilio-auth-token");
    const row = await rowOf(body.id);
    expect(row?.secrets_ciphertext).toMatch(/^v1\./);
    expect(row?.secrets_ciphertext).not.toContain("twilio-auth-token");
  });

  it("gives Vapi and Retell their custom-LLM URLs with a capability token", async () => {
    const t = await makeTenant();
    const vapi = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "vapi", botId: t.botId, secrets: { secret: "vapi-secret-123456" } },
      }),
      201,
    );
    expect(vapi.urls.customLlm).toMatch(
      new RegExp(`^http://echo.test/hooks/voice/vapi/${vapi.id}/llm/vlt_[A-Za-z0-9_-]{43}$`),
    );
    const retell = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "retell", botId: t.botId, secrets: { apiKey: "key_retell_123456" } },
      }),
      201,
    );
    expect(retell.urls.llmWebsocket).toMatch(
      new RegExp(`^ws://echo.test/hooks/voice/retell/${retell.id}/llm/vlt_[A-Za-z0-9_-]{43}$`),
    );
  });

  it("answers 400 with errors for a wrong provider, secrets of another provider and a bad phone number", async () => {
    const t = await makeTenant();
    for (const json of [
      { ...twilioInput(t.botId), provider: "skype" },
      { ...twilioInput(t.botId), secrets: { apiKey: "something-long" } },
      { ...twilioInput(t.botId), settings: { handoffNumber: "555-0100" } },
      { ...twilioInput(t.botId), extra: 1 },
    ]) {
      const body = await expectJson(call("/api/voice/integrations", { method: "POST", token: t.token, json }), 400);
      expect(body.code).toBe("INVALID_REQUEST");
      expect(body.errors.length).toBeGreaterThan(0);
    }
  });

  it("answers 401 without credentials and 403 for roles without voice:write", async () => {
    const t = await makeTenant();
    expect((await call("/api/voice/integrations", { method: "POST", json: twilioInput(t.botId) })).status).toBe(401);
    const agent = await addMember(t, "agent");
    expect(
      (await call("/api/voice/integrations", { method: "POST", token: agent.token, json: twilioInput(t.botId) }))
        .status,
    ).toBe(403);
    const viewer = await addMember(t, "viewer");
    expect((await call("/api/voice/integrations", { token: viewer.token })).status).toBe(200);
  });

  it("answers 404 for another tenant's bot and stores nothing", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    await expectJson(
      call("/api/voice/integrations", { method: "POST", token: a.token, json: twilioInput(b.botId) }),
      404,
    );
    const list = await expectJson(call("/api/voice/integrations", { token: a.token }), 200);
    expect(list.data).toEqual([]);
  });
});

describe("GET, PATCH, DELETE /api/voice/integrations/:id", () => {
  it("lists, reads, patches (merging secrets) and deletes", async () => {
    const t = await makeTenant();
    const created = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "elevenlabs", botId: t.botId, secrets: { webhookSecret: "wsec_abcdefgh1111" } },
      }),
      201,
    );
    const list = await expectJson(call("/api/voice/integrations", { token: t.token }), 200);
    expect(list.data.map((i: { id: string }) => i.id)).toEqual([created.id]);
    const patched = await expectJson(
      call(`/api/voice/integrations/${created.id}`, {
        method: "PATCH",
        token: t.token,
        json: {
          name: "Support line",
          secrets: { initiationSecret: "init_secret_2222" },
          settings: { handoffNumber: "+442071838750" },
        },
      }),
      200,
    );
    expect(patched).toMatchObject({
      name: "Support line",
      secretHints: { webhookSecret: "••••1111", initiationSecret: "••••2222" },
      settings: { handoffNumber: "+442071838750" },
    });
    const got = await expectJson(call(`/api/voice/integrations/${created.id}`, { token: t.token }), 200);
    expect(got).toEqual(patched);
    // null removes a setting; a bad value is refused and changes nothing
    const firstMessage = await expectJson(
      call(`/api/voice/integrations/${created.id}`, {
        method: "PATCH",
        token: t.token,
        json: { settings: { firstMessage: "Hello from Support" } },
      }),
      200,
    );
    expect(firstMessage.settings).toEqual({ handoffNumber: "+442071838750", firstMessage: "Hello from Support" });
    const cleared = await expectJson(
      call(`/api/voice/integrations/${created.id}`, {
        method: "PATCH",
        token: t.token,
        json: { settings: { handoffNumber: null } },
      }),
      200,
    );
    expect(cleared.settings).toEqual({ firstMessage: "Hello from Support" });
    await expectJson(
      call(`/api/voice/integrations/${created.id}`, {
        method: "PATCH",
        token: t.token,
        json: { settings: { handoffNumber: "not a number" } },
      }),
      400,
    );
    expect((await expectJson(call(`/api/voice/integrations/${created.id}`, { token: t.token }), 200)).settings).toEqual(
      { firstMessage: "Hello from Support" },
    );
    expect((await call(`/api/voice/integrations/${created.id}`, { method: "DELETE", token: t.token })).status).toBe(
      204,
    );
    expect((await call(`/api/voice/integrations/${created.id}`, { token: t.token })).status).toBe(404);
  });

  it("refuses a PATCH with secrets the provider does not have", async () => {
    const t = await makeTenant();
    const created = await expectJson(
      call("/api/voice/integrations", { method: "POST", token: t.token, json: twilioInput(t.botId) }),
      201,
    );
    const body = await expectJson(
      call(`/api/voice/integrations/${created.id}`, {
        method: "PATCH",
        token: t.token,
        json: { secrets: { apiKey: "not-a-twilio-secret" } },
      }),
      400,
    );
    expect(body.errors[0].path).toContain("secrets");
  });

  it("answers 404 for another tenant's integration and changes nothing", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const created = await expectJson(
      call("/api/voice/integrations", { method: "POST", token: a.token, json: twilioInput(a.botId) }),
      201,
    );
    const before = await rowOf(created.id);
    expect((await call(`/api/voice/integrations/${created.id}`, { token: b.token })).status).toBe(404);
    expect(
      (
        await call(`/api/voice/integrations/${created.id}`, {
          method: "PATCH",
          token: b.token,
          json: { name: "hijack" },
        })
      ).status,
    ).toBe(404);
    expect((await call(`/api/voice/integrations/${created.id}`, { method: "DELETE", token: b.token })).status).toBe(
      404,
    );
    expect(await rowOf(created.id)).toEqual(before);
  });

  it("answers 403 to an agent patching and 401 without a token", async () => {
    const t = await makeTenant();
    const created = await expectJson(
      call("/api/voice/integrations", { method: "POST", token: t.token, json: twilioInput(t.botId) }),
      201,
    );
    const agent = await addMember(t, "agent");
    expect(
      (
        await call(`/api/voice/integrations/${created.id}`, {
          method: "PATCH",
          token: agent.token,
          json: { name: "x" },
        })
      ).status,
    ).toBe(403);
    expect((await call(`/api/voice/integrations/${created.id}`, { method: "DELETE" })).status).toBe(401);
  });
});
