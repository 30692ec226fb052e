import { describe, expect, it, vi } from "vitest";
import { NIMBUS_DOCS, parseSse, seedKnowledge } from "../domain/voice/test-support";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

// each test ingests knowledge through the real queue first; a loaded machine needs more than 5 s
vi.setConfig({ testTimeout: 30_000 });

async function keyFor(t: { token: string }, scopes: string[] = ["chat:completions"]) {
  const k = await expectJson(call("/api/keys", { method: "POST", token: t.token, json: { name: "llm", scopes } }), 201);
  return k.secret as string;
}

async function tenantWithDocs() {
  const t = await makeTenant("Nimbus");
  await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
  return { ...t, key: await keyFor(t) };
}

const question = (model: string, extra: Record<string, unknown> = {}) => ({
  model,
  messages: [
    { role: "system", content: "You are a helpful assistant." },
    { role: "user", content: "How do I reset my password?" },
  ],
  ...extra,
});

describe("POST /v1/chat/completions", () => {
  it("answers from the bot's knowledge as a chat.completion", async () => {
    const t = await tenantWithDocs();
    const body = await expectJson(
      call("/v1/chat/completions", { method: "POST", token: t.key, json: question(t.botId) }),
      200,
    );
    expect(body).toMatchObject({
      object: "chat.completion",
      model: t.botId,
      choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant" } }],
    });
    expect(body.id).toMatch(/^chatcmpl-/);
    expect(body.choices[0].message.content).toMatch(/Settings/);
    expect(body.echo.sources[0].title).toBe("Nimbus Notes help");
    expect(body.usage.total_tokens).toBe(body.usage.prompt_tokens + body.usage.completion_tokens);
  });

  it("streams chat.completion.chunk events ending with [DONE], and the deltas add up to the answer", async () => {
    const t = await tenantWithDocs();
    const res = await call("/v1/chat/completions", {
      method: "POST",
      token: t.key,
      json: question(t.botId, { stream: true, stream_options: { include_usage: true } }),
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/event-stream");
    const events = parseSse(await res.text());
    expect(events.at(-1)).toBe("[DONE]");
    const chunks = events.filter((e): e is Record<string, any> => e !== "[DONE]");
    expect(
      chunks.every((c) => c.object === "chat.completion.chunk" && c.id === chunks[0]!.id && c.model === t.botId),
    ).toBe(true);
    expect(chunks[0]!.choices[0].delta).toEqual({ role: "assistant", content: "" });
    const text = chunks.map((c) => c.choices[0]?.delta?.content ?? "").join("");
    expect(text).toMatch(/Settings/);
    const last = chunks.at(-2)!;
    expect(last.choices[0]).toMatchObject({ delta: {}, finish_reason: "stop" });
    expect(chunks.at(-1)!.choices).toEqual([]);
    expect(chunks.at(-1)!.usage.total_tokens).toBeGreaterThan(0);
  });

  it("uses earlier turns as history and accepts content parts", async () => {
    const t = await tenantWithDocs();
    const body = await expectJson(
      call("/v1/chat/completions", {
        method: "POST",
        token: t.key,
        json: {
          model: t.botId,
          messages: [
            { role: "user", content: "How much is the Pro plan?" },
            { role: "assistant", content: "8 dollars." },
            { role: "user", content: [{ type: "text", text: "What does the Pro plan include?" }] },
          ],
        },
      }),
      200,
    );
    expect(body.choices[0].message.content).toMatch(/notebooks|offline/i);
  });

  it("answers 401 in OpenAI's error shape for a wrong or missing key", async () => {
    const t = await tenantWithDocs();
    for (const token of ["sk_wrongwrongwrongwrongwrongwrongwrongwrong", undefined]) {
      const res = await call("/v1/chat/completions", { method: "POST", token, json: question(t.botId) });
      expect(res.status).toBe(401);
      const body = (await res.json()) as { error: Record<string, unknown> };
      expect(body.error).toMatchObject({ type: "invalid_request_error", code: "invalid_api_key" });
      expect(typeof body.error.message).toBe("string");
    }
  });

  it("answers 403 for a key without chat:completions", async () => {
    const t = await tenantWithDocs();
    const key = await keyFor(t, ["bots:read"]);
    const res = await call("/v1/chat/completions", { method: "POST", token: key, json: question(t.botId) });
    expect(res.status).toBe(403);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe("insufficient_scope");
  });

  it("answers 404 model_not_found for another tenant's bot and for an unknown one", async () => {
    const a = await tenantWithDocs();
    const b = await makeTenant("Other");
    for (const model of [b.botId, "bot_00000000000000000000000000", "gpt-4o"]) {
      const res = await call("/v1/chat/completions", {
        method: "POST",
        token: a.key,
        json: question(model, { stream: true }),
      });
      expect(res.status, model).toBe(404);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("model_not_found");
      expect(body.error.message).toContain(model);
    }
  });

  it("answers 400 with the failing parameter for invalid input", async () => {
    const t = await tenantWithDocs();
    for (const [json, param] of [
      [{ model: t.botId, messages: [] }, "messages"],
      [{ model: t.botId }, "messages"],
      [{ model: t.botId, messages: [{ role: "wizard", content: "hi" }] }, "messages.0.role"],
      [{ model: t.botId, messages: [{ role: "system", content: "only a system prompt" }] }, "messages"],
      [{ model: t.botId, messages: [{ role: "user", content: "hi" }], n: 3 }, "n"],
    ] as const) {
      const res = await call("/v1/chat/completions", { method: "POST", token: t.key, json });
      expect(res.status, JSON.stringify(json)).toBe(400);
      const body = (await res.json()) as { error: { type: string; param: string } };
      expect(body.error).toMatchObject({ type: "invalid_request_error", param });
    }
    const bad = await call("/v1/chat/completions", {
      method: "POST",
      token: t.key,
      body: "{not json",
      headers: { "content-type": "application/json" },
    });
    expect(bad.status).toBe(400);
  });
});

describe("GET /v1/models", () => {
  it("lists the tenant's bots and only those", async () => {
    const a = await tenantWithDocs();
    const b = await makeTenant("Other");
    const body = await expectJson(call("/v1/models", { token: a.key }), 200);
    expect(body.object).toBe("list");
    expect(body.data.map((m: { id: string }) => m.id)).toEqual([a.botId]);
    expect(body.data[0]).toMatchObject({ object: "model", owned_by: "echo" });
    await expectJson(call(`/v1/models/${a.botId}`, { token: a.key }), 200);
    expect((await call(`/v1/models/${b.botId}`, { token: a.key })).status).toBe(404);
    expect((await call("/v1/models")).status).toBe(401);
  });

  it("accepts a session token whose role holds chat:completions and refuses an agent's", async () => {
    const t = await tenantWithDocs();
    expect((await call("/v1/models", { token: t.token })).status).toBe(200);
    const agent = await addMember(t, "agent");
    expect((await call("/v1/models", { token: agent.token })).status).toBe(403);
  });
});

describe("OpenAPI document", () => {
  it("documents the OpenAI-compatible and the voice integration routes", async () => {
    const doc = await expectJson(call("/api/openapi.json"), 200);
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining([
        "/v1/chat/completions",
        "/v1/models",
        "/api/voice/integrations",
        "/api/voice/integrations/{id}",
      ]),
    );
    expect(doc.components.schemas.VoiceIntegrationInput).toBeDefined();
  });
});
