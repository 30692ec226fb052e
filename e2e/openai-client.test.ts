/**
 * The official `openai` npm client against a local Echo (`npm start`'s path, scripts/local-server.mjs)
 * with baseURL `<origin>/v1`: a grounded answer from the demo bot, streamed and not; a wrong key is
 * 401 (AuthenticationError); another tenant's bot id is 404 (NotFoundError).
 */
import OpenAI from "openai";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEcho, type LocalServer, e2ePort } from "./harness";
import { addDemoKnowledge } from "./voice-helpers";

const PORT = e2ePort(8860);
let server: LocalServer;
let key: string;

async function api(path: string, init: { method?: string; token?: string; json?: unknown } = {}) {
  const res = await fetch(`${server.origin}${path}`, {
    method: init.method ?? "GET",
    headers: {
      ...(init.json !== undefined && { "content-type": "application/json" }),
      ...(init.token && { authorization: `Bearer ${init.token}` }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${init.method ?? "GET"} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

beforeAll(async () => {
  server = await startEcho(PORT, "echo-voice-openai-");
  await addDemoKnowledge(server.origin, server.demo.token);
  key = (
    await api("/api/keys", {
      method: "POST",
      token: server.demo.token,
      json: { name: "openai client", scopes: ["chat:completions"] },
    })
  ).secret;
});
afterAll(async () => {
  await server?.stop();
});

describe("the official openai client against /v1", () => {
  it("gets a grounded answer from the demo bot, not streamed", async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${server.origin}/v1`, maxRetries: 0 });
    const r = await client.chat.completions.create({
      model: server.demo.botId,
      messages: [{ role: "user", content: "How do I reset my password?" }],
    });
    expect(r.object).toBe("chat.completion");
    expect(r.choices[0]!.finish_reason).toBe("stop");
    expect(r.choices[0]!.message.content).toMatch(/Forgot password\?/);
    expect(r.usage!.total_tokens).toBeGreaterThan(0);
  });

  it("gets the same grounded answer streamed, chunk by chunk", async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${server.origin}/v1`, maxRetries: 0 });
    const stream = await client.chat.completions.create({
      model: server.demo.botId,
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: "user", content: "How do I reset my password?" }],
    });
    let text = "";
    let chunks = 0;
    let finish: string | null = null;
    let usage = 0;
    for await (const chunk of stream) {
      chunks++;
      text += chunk.choices[0]?.delta?.content ?? "";
      finish = chunk.choices[0]?.finish_reason ?? finish;
      usage = chunk.usage?.total_tokens ?? usage;
    }
    expect(chunks).toBeGreaterThan(3);
    expect(text).toMatch(/Forgot password\?/);
    expect(finish).toBe("stop");
    expect(usage).toBeGreaterThan(0);
  });

  it("lists the demo bot as a model", async () => {
    const client = new OpenAI({ apiKey: key, baseURL: `${server.origin}/v1`, maxRetries: 0 });
    const ids: string[] = [];
    for await (const m of client.models.list()) ids.push(m.id);
    expect(ids).toContain(server.demo.botId);
  });

  it("gets 401 (AuthenticationError) with a wrong key", async () => {
    const client = new OpenAI({
      apiKey: "sk_thisisnotakeythisisnotakeythisisnotakey",
      baseURL: `${server.origin}/v1`,
      maxRetries: 0,
    });
    const err = await client.chat.completions
      .create({ model: server.demo.botId, messages: [{ role: "user", content: "hi" }] })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(OpenAI.AuthenticationError);
    expect((err as InstanceType<typeof OpenAI.AuthenticationError>).status).toBe(401);
  });

  it("gets 404 (NotFoundError) for another tenant's bot id, streamed or not", async () => {
    const pending = await api("/api/auth/signup", {
      method: "POST",
      json: { email: `other-${Date.now()}@example.test`, password: "another long password", company: "Other Co" },
    });
    // signup mails a confirmation link; the development server echoes its token
    const other = await api("/api/auth/verify-email", { method: "POST", json: { token: pending.devToken } });
    const bots = await api("/api/bots", { token: other.accessToken });
    const client = new OpenAI({ apiKey: key, baseURL: `${server.origin}/v1`, maxRetries: 0 });
    for (const stream of [false, true]) {
      const err = await client.chat.completions
        .create({
          model: bots.data[0].id,
          stream,
          messages: [{ role: "user", content: "How do I reset my password?" }],
        })
        .catch((e: unknown) => e);
      expect(err).toBeInstanceOf(OpenAI.NotFoundError);
      expect((err as InstanceType<typeof OpenAI.NotFoundError>).status).toBe(404);
    }
  });
});
