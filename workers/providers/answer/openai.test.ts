import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { requestCtx } from "../../compose";
import { answerOnce, streamAnswerWith } from "../../domain/knowledge/answer";
import type { AnswerCtx } from "../../domain/knowledge/answer-types";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";
import { chooseAnswerModel } from "..";
import { completeOnce, openAiAnswerModel } from "./openai";
import { pricingPrompt } from "./test-prompt";
import { workersAiAnswerModel } from "./workers-ai";

/**
 * A local OpenAI-compatible server, in process: workerd tests cannot listen on a port, so the
 * provider gets this handler as its `fetch`. It speaks the real wire format: JSON completions and
 * SSE `chat.completion.chunk` events ending with `data: [DONE]`, and can fail mid-stream.
 */
type Mode = "ok" | "midstream-error" | "http-500";
function fakeOpenAi(mode: Mode, pieces = ["Pro costs ", "$9.99 ", "per month [1]."]) {
  const requests: { url: string; auth: string | null; body: any }[] = [];
  const fetcher = async (input: RequestInfo | URL, init?: RequestInit) => {
    const req = new Request(input, init);
    const body = await req.json<any>();
    requests.push({ url: req.url, auth: req.headers.get("authorization"), body });
    if (mode === "http-500")
      return Response.json({ error: { message: "upstream exploded", type: "server_error" } }, { status: 500 });
    const base = { id: "chatcmpl-test", created: 1_700_000_000, model: body.model };
    if (!body.stream) {
      return Response.json({
        ...base,
        object: "chat.completion",
        choices: [{ index: 0, message: { role: "assistant", content: pieces.join("") }, finish_reason: "stop" }],
        usage: { prompt_tokens: 10, completion_tokens: 5, total_tokens: 15 },
      });
    }
    const enc = new TextEncoder();
    const event = (delta: Record<string, unknown>, finish: string | null = null) =>
      enc.encode(
        `data: ${JSON.stringify({ ...base, object: "chat.completion.chunk", choices: [{ index: 0, delta, finish_reason: finish }] })}\n\n`,
      );
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(event({ role: "assistant", content: "" }));
        controller.enqueue(event({ content: pieces[0] }));
        if (mode === "midstream-error") {
          // after the first pieces were read (error() discards still-queued chunks)
          setTimeout(() => controller.error(new TypeError("network connection lost")), 20);
          return;
        }
        for (const p of pieces.slice(1)) controller.enqueue(event({ content: p }));
        controller.enqueue(event({}, "stop"));
        controller.enqueue(enc.encode("data: [DONE]\n\n"));
        controller.close();
      },
    });
    return new Response(stream, { headers: { "content-type": "text/event-stream" } });
  };
  return { fetcher: fetcher as typeof fetch, requests };
}

const prompt = pricingPrompt();

async function collect(it: AsyncIterable<string>) {
  let s = "";
  for await (const p of it) s += p;
  return s;
}

describe("openAiAnswerModel (local OpenAI-compatible server)", () => {
  it("completes without streaming", async () => {
    const srv = fakeOpenAi("ok");
    const text = await completeOnce(
      { apiKey: "sk-local", baseURL: "http://127.0.0.1:9999/v1", model: "tiny", fetch: srv.fetcher },
      prompt,
    );
    expect(text).toBe("Pro costs $9.99 per month [1].");
    expect(srv.requests[0]!.url).toBe("http://127.0.0.1:9999/v1/chat/completions");
    expect(srv.requests[0]!.auth).toBe("Bearer sk-local");
    expect(srv.requests[0]!.body.stream).toBeFalsy();
  });

  it("streams pieces and sends a grounded prompt", async () => {
    const srv = fakeOpenAi("ok");
    const model = openAiAnswerModel({
      apiKey: "sk-local",
      baseURL: "http://127.0.0.1:9999/v1",
      model: "tiny",
      fetch: srv.fetcher,
    });
    const pieces: string[] = [];
    for await (const p of model.stream(prompt)) pieces.push(p);
    expect(pieces).toEqual(["Pro costs ", "$9.99 ", "per month [1]."]);
    const sent = srv.requests[0]!.body;
    expect(sent).toMatchObject({ model: "tiny", stream: true });
    expect(sent.messages[0].role).toBe("system");
    expect(sent.messages[0].content).toContain("[1] Pricing — Plans\nPro costs $9.99 per month.");
    expect(sent.messages[0].content).toContain("Be brief.");
    expect(sent.messages.at(-1)).toEqual({ role: "user", content: "How much is Pro?" });
    expect(sent.messages[1]).toEqual({ role: "user", content: "hi" });
  });

  it("throws when the stream breaks mid-answer", async () => {
    const srv = fakeOpenAi("midstream-error");
    const model = openAiAnswerModel({
      apiKey: "k-local-123",
      model: "tiny",
      baseURL: "http://127.0.0.1:9999/v1",
      fetch: srv.fetcher,
    });
    await expect(collect(model.stream(prompt))).rejects.toThrow();
  });

  it("is chosen when the tenant has settings", () => {
    expect(chooseAnswerModel({ config: { answerProvider: "offline" }, openai: { apiKey: "k", model: "m" } }).name).toBe(
      "openai:m",
    );
    expect(chooseAnswerModel({ config: { answerProvider: "workers-ai" } }).name).toBe("offline");
    expect(
      chooseAnswerModel({ config: { answerProvider: "workers-ai" }, ai: { run: async () => ({}) } as never }).name,
    ).toMatch(/^workers-ai:/);
  });
});

describe("streamAnswer with an OpenAI-compatible provider", () => {
  let t: TestTenant;
  let ctx: AnswerCtx;
  beforeAll(async () => {
    t = await makeTenant("OpenAI");
    const s = await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: t.token,
        json: { type: "text", title: "Pricing", text: "Pro costs $9.99 per month. Plus costs $4.99 per month." },
      }),
      202,
    );
    await eventually(
      () => expectJson(call(`/api/knowledge/sources/${s.id}`, { token: t.token }), 200),
      (x) => x.status === "ready",
      30_000,
    );
    ctx = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: t.tenantId };
  }, 60_000);

  it("streams the provider's deltas and cites the retrieved source", async () => {
    const srv = fakeOpenAi("ok");
    const events = [];
    for await (const e of streamAnswerWith(
      ctx,
      { botId: t.botId, question: "How much does Pro cost per month?" },
      {
        model: openAiAnswerModel({
          apiKey: "k-local-123",
          model: "tiny",
          baseURL: "http://127.0.0.1:9999/v1",
          fetch: srv.fetcher,
        }),
      },
    ))
      events.push(e);
    const done = events.at(-1)!;
    expect(done.type).toBe("done");
    if (done.type !== "done") return;
    expect(
      events
        .filter((e) => e.type === "delta")
        .map((e) => (e.type === "delta" ? e.text : ""))
        .join(""),
    ).toBe(done.answer);
    expect(done).toMatchObject({ answer: "Pro costs $9.99 per month [1].", handoff: false });
    expect(done.failure).toBeUndefined();
    expect(done.sources[0]!.title).toBe("Pricing");
  });

  it("ends cleanly with failure and a handoff when the stream breaks mid-answer", async () => {
    const srv = fakeOpenAi("midstream-error");
    const done = await answerOnce(
      streamAnswerWith(
        ctx,
        { botId: t.botId, question: "How much does Pro cost per month?" },
        {
          model: openAiAnswerModel({
            apiKey: "k-local-123",
            model: "tiny-midstream" /* its own model: the answer cache keys on it */,
            baseURL: "http://127.0.0.1:9999/v1",
            fetch: srv.fetcher,
          }),
        },
      ),
    );
    expect(done.handoff).toBe(true);
    expect(done.failure).toBeTruthy();
    expect(done.answer.startsWith("Pro costs ")).toBe(true);
    expect(done.answer).toMatch(/connect you with a person/);
  });

  it("hands off when the provider answers HTTP 500", async () => {
    const srv = fakeOpenAi("http-500");
    const done = await answerOnce(
      streamAnswerWith(
        ctx,
        { botId: t.botId, question: "How much does Pro cost per month?" },
        {
          model: openAiAnswerModel({
            apiKey: "k-local-123",
            model: "tiny-http500" /* its own model: the answer cache keys on it */,
            baseURL: "http://127.0.0.1:9999/v1",
            fetch: srv.fetcher,
          }),
        },
      ),
    );
    expect(done).toMatchObject({ handoff: true });
    expect(done.failure).toMatch(/500|exploded/);
    expect(done.answer).toMatch(/something went wrong/);
  });

  it("never calls the provider below the confidence threshold", async () => {
    const srv = fakeOpenAi("ok");
    const done = await answerOnce(
      streamAnswerWith(
        ctx,
        { botId: t.botId, question: "What is the capital of Australia?" },
        {
          model: openAiAnswerModel({
            apiKey: "k-local-123",
            model: "tiny",
            baseURL: "http://127.0.0.1:9999/v1",
            fetch: srv.fetcher,
          }),
        },
      ),
    );
    expect(done.handoff).toBe(true);
    expect(srv.requests).toHaveLength(0);
  });
});

describe("workersAiAnswerModel", () => {
  it("parses the binding's SSE stream and surfaces a mid-stream error", async () => {
    const enc = new TextEncoder();
    const sse = (lines: string[], fail = false) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const l of lines) c.enqueue(enc.encode(l));
          if (fail) c.error(new Error("boom"));
          else c.close();
        },
      });
    const seen: unknown[] = [];
    const ok = workersAiAnswerModel({
      run: (async (_m: string, input: unknown) => (
        seen.push(input),
        sse(['data: {"response":"Pro "}\n\ndata: {"res', 'ponse":"is $9.99."}\n\n', "data: [DONE]\n\n"])
      )) as never,
    });
    expect(await collect(ok.stream(prompt))).toBe("Pro is $9.99.");
    expect(seen[0]).toMatchObject({ stream: true });
    const bad = workersAiAnswerModel({ run: (async () => sse(['data: {"response":"Pro "}\n\n'], true)) as never });
    await expect(collect(bad.stream(prompt))).rejects.toThrow("boom");
  });

  it("reports the billed tokens of the stream's usage event once, after the text; none when the binding sends none", async () => {
    const enc = new TextEncoder();
    const sse = (lines: string[]) =>
      new ReadableStream<Uint8Array>({
        start(c) {
          for (const l of lines) c.enqueue(enc.encode(l));
          c.close();
        },
      });
    const reports: unknown[] = [];
    const withUsage = workersAiAnswerModel({
      run: (async () =>
        sse([
          'data: {"response":"Pro ","p":"abc"}\n\n',
          'data: {"response":"is $9.99."}\n\n',
          'data: {"response":"","usage":{"prompt_tokens":412,"completion_tokens":7,"total_tokens":419}}\n\n',
          "data: [DONE]\n\n",
        ])) as never,
    });
    let text = "";
    for await (const piece of withUsage.stream(prompt, undefined, (r) => reports.push(r))) {
      text += piece;
      expect(reports, "reported after the text, not before").toEqual([]);
    }
    expect(text).toBe("Pro is $9.99.");
    expect(reports).toEqual([
      { kind: "usage", model: "workers-ai:@cf/meta/llama-3.1-8b-instruct-fast", inputTokens: 412, outputTokens: 7 },
    ]);
    // a non-streamed answer object carries usage the same way
    const whole = workersAiAnswerModel(
      { run: (async () => ({ response: "Yes.", usage: { prompt_tokens: 30, completion_tokens: 2 } })) as never },
      "@cf/x",
    );
    const r2: unknown[] = [];
    expect(await collect(whole.stream(prompt, undefined, (r) => r2.push(r)))).toBe("Yes.");
    expect(r2).toEqual([{ kind: "usage", model: "workers-ai:@cf/x", inputTokens: 30, outputTokens: 2 }]);
    const none: unknown[] = [];
    const noUsage = workersAiAnswerModel({
      run: (async () => sse(['data: {"response":"Hi"}\n\n', "data: [DONE]\n\n"])) as never,
    });
    for await (const _ of noUsage.stream(prompt, undefined, (r) => none.push(r))) void _;
    expect(none).toEqual([]);
  });
});
