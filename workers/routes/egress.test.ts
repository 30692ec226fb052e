/**
 * Attack tests for the egress policy (issue 13, item 5), through the public API with the policy in
 * its default state: neither wrangler.toml nor vitest.config.ts sets ALLOW_PRIVATE_EGRESS, so every
 * request here runs with private egress OFF. The network underneath is an in-process server
 * (setEgressTransport); a refused destination must never reach it.
 */
import { env } from "cloudflare:test";
import { afterEach, beforeAll, describe, expect, it } from "vitest";
import { requestCtx } from "../compose";
import { copyRecording, MAX_RECORDING_BYTES } from "../domain/voice/finish";
import type { VoiceCtx } from "../domain/voice/ports";
import { setEgressTransport, type Transport } from "../lib/egress";
import type { VoiceCallRow } from "../storage/schema";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

const SLOW = { timeout: 60_000 };
let restore: (() => void) | undefined;
afterEach(() => {
  restore?.();
  restore = undefined;
});

/** Installs an in-process server as the network and records every URL it was asked for. */
function serve(handler: (req: Request) => Response | Promise<Response>) {
  const seen: string[] = [];
  restore = setEgressTransport(async (req) => {
    seen.push(req.url);
    return handler(req);
  });
  return seen;
}

const addUrl = (t: TestTenant, url: string) =>
  call("/api/knowledge/sources", { method: "POST", token: t.token, json: { type: "url", url } });
const sources = async (t: TestTenant) =>
  (await expectJson<{ data: { id: string }[] }>(call("/api/knowledge/sources", { token: t.token }), 200)).data;
const settled = (t: TestTenant, id: string) =>
  eventually(
    () => expectJson(call(`/api/knowledge/sources/${id}`, { token: t.token }), 200),
    (s) => s.status === "ready" || s.status === "failed",
    45_000,
  );
const chunkCount = async (sourceId: string) =>
  (await env.DB.prepare("SELECT count(*) AS n FROM knowledge_chunks WHERE source_id = ?").bind(sourceId).first<{
    n: number;
  }>())!.n;

describe("URL import under the egress policy", () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Egress");
  });

  it("refuses loopback, private and metadata destinations in any notation, storing nothing", async () => {
    const seen = serve(() => new Response("<p>internal admin page</p>", { headers: { "content-type": "text/html" } }));
    for (const url of [
      "http://127.0.0.1:8787/api/admin",
      "http://[::1]/",
      "http://2130706433/",
      "http://0x7f.1/",
      "http://[::ffff:127.0.0.1]/",
      "http://localhost:8787/",
      "http://foo.localhost/",
      "http://169.254.169.254/latest/meta-data/iam/security-credentials/",
      "http://10.0.0.5/",
    ]) {
      const problem = await expectJson(addUrl(t, url), 400);
      expect(problem, url).toMatchObject({ code: "INVALID_REQUEST" });
    }
    expect(seen).toEqual([]);
    expect(await sources(t)).toEqual([]);
  });

  it(
    "follows a redirect from an allowed server only after re-checking it: a hop to 127.0.0.1 fails the source",
    SLOW,
    async () => {
      const seen = serve((req) =>
        new URL(req.url).hostname === "docs.egress.example"
          ? Response.redirect("http://127.0.0.1:8787/internal", 302)
          : new Response("<h1>Internal</h1><p>the loopback service answered</p>", {
              headers: { "content-type": "text/html" },
            }),
      );
      const s = await expectJson(addUrl(t, "https://docs.egress.example/start"), 202);
      const done = await settled(t, s.id);
      expect(done).toMatchObject({ status: "failed", chunkCount: 0 });
      expect(done.error).toMatch(/refusing to fetch 127\.0\.0\.1:8787: a private address/);
      expect(seen).toEqual(["https://docs.egress.example/start"]);
      expect(await chunkCount(s.id)).toBe(0);
    },
  );

  it("aborts a page whose body streams past the byte cap", SLOW, async () => {
    let sent = 0;
    serve(
      () =>
        new Response(
          new ReadableStream({
            pull(c) {
              sent += 64 * 1024;
              c.enqueue(new TextEncoder().encode(`<p>${"x".repeat(64 * 1024 - 7)}</p>`));
            },
          }),
          { headers: { "content-type": "text/html" } },
        ),
    );
    const s = await expectJson(addUrl(t, "https://huge.egress.example/"), 202);
    const done = await settled(t, s.id);
    expect(done).toMatchObject({ status: "failed", chunkCount: 0 });
    expect(done.error).toMatch(/over the 5242880 byte limit/);
    expect(sent).toBeLessThan(6 * 1024 * 1024);
  });
});

describe("a tenant's OpenAI-compatible baseURL", () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Model");
    const s = await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: t.token,
        json: { type: "text", title: "Pricing", text: "The Osprey plan costs 12 euros per month." },
      }),
      202,
    );
    await settled(t, s.id);
  }, 60_000);

  const put = (baseURL: string) =>
    call("/api/settings/providers/openai", {
      method: "PUT",
      token: t.token,
      json: { apiKey: "sk-tenant-secret-key-0001", baseURL, model: "tiny" },
    });
  const ask = () =>
    expectJson(
      call(`/api/bots/${t.botId}/ask`, {
        method: "POST",
        token: t.token,
        json: { question: "How much does the Osprey plan cost?" },
      }),
      200,
    );

  it("refuses a loopback or private baseURL when it is saved, storing nothing", async () => {
    for (const u of [
      "http://127.0.0.1:11434/v1",
      "http://[::1]:8000/v1",
      "http://localhost:8000/v1",
      "http://169.254.169.254/v1",
    ])
      expect(await expectJson(put(u), 400), u).toMatchObject({ code: "INVALID_REQUEST" });
    await expectJson(call("/api/settings/providers/openai", { token: t.token }), 404);
  });

  it("never sends the tenant's key to a private address stored earlier, and leaks nothing", SLOW, async () => {
    const seen = serve(() => Response.json({ error: { message: "should never be asked" } }, { status: 500 }));
    await expectJson(put("https://llm.egress.example/v1"), 200);
    // a row saved before the policy existed (or by another path): the call-time check must hold too
    await env.DB.prepare("UPDATE tenant_secrets SET settings = ? WHERE tenant_id = ? AND name = 'openai'")
      .bind(JSON.stringify({ baseURL: "http://127.0.0.1:9/v1", model: "tiny" }), t.tenantId)
      .run();
    const answer = await ask();
    expect(answer).toMatchObject({ handoff: true });
    expect(seen).toEqual([]);
    expect(JSON.stringify(answer)).not.toContain("127.0.0.1");
  });

  it("answers an upstream failure with its status only, never the upstream body", SLOW, async () => {
    const seen = serve(() =>
      Response.json(
        { error: { message: "Incorrect API key provided: sk-tenant-secret-key-0001 (proxy at 10.9.8.7)" } },
        { status: 401 },
      ),
    );
    await expectJson(put("https://llm.egress.example/v1"), 200);
    const answer = await ask();
    expect(seen[0]).toBe("https://llm.egress.example/v1/chat/completions");
    expect(answer).toMatchObject({ handoff: true });
    expect(answer.failure).toContain("401");
    expect(JSON.stringify(answer)).not.toMatch(/Incorrect API key|sk-tenant|10\.9\.8\.7/);
  });
});

describe("call recordings under the egress policy", () => {
  const callRow = (id: string) =>
    ({ id, tenantId: "tnt_egress", conversationId: `conv_${id}` }) as unknown as VoiceCallRow;
  const voiceCtx = (fetch: Transport): VoiceCtx => ({
    ...requestCtx(env, "req_egress", "http://echo.test"),
    tenantId: "tnt_egress",
    deps: {
      room: () => Promise.reject(new Error("no room")) as never,
      fetch: (url, init) => fetch(new Request(url, init)),
    },
  });

  it("refuses a recording URL on loopback or metadata addresses", async () => {
    const seen: string[] = [];
    const ctx = voiceCtx(async (req) => (seen.push(req.url), new Response(new Uint8Array(8))));
    for (const url of ["http://127.0.0.1:9000/rec.wav", "http://169.254.169.254/rec.wav", "http://[::1]/rec.wav"])
      expect(await copyRecording(ctx, callRow("call_a"), { url }), url).toBeNull();
    expect(seen).toEqual([]);
  });

  it("stops buffering a recording at the cap and stores nothing", async () => {
    let sent = 0;
    const ctx = voiceCtx(
      async () =>
        new Response(
          new ReadableStream({
            pull(c) {
              sent += 1024 * 1024;
              c.enqueue(new Uint8Array(1024 * 1024));
            },
          }),
          { headers: { "content-type": "audio/wav" } },
        ),
    );
    expect(await copyRecording(ctx, callRow("call_big"), { url: "https://storage.vapi.example/big.wav" })).toBeNull();
    expect(sent).toBeLessThanOrEqual(MAX_RECORDING_BYTES + 2 * 1024 * 1024);
    expect(await env.FILES.get("voice/tnt_egress/call_big/recording.wav")).toBeNull();
    const ok = voiceCtx(
      async () => new Response(new Uint8Array([82, 73, 70, 70]), { headers: { "content-type": "audio/wav" } }),
    );
    expect(await copyRecording(ok, callRow("call_ok"), { url: "https://storage.vapi.example/ok.wav" })).toBe(
      "voice/tnt_egress/call_ok/recording.wav",
    );
  });
});
