/**
 * A recorded Vapi call (workers/test/fixtures/vapi/recorded-call.json: assistant-request,
 * status updates, transcripts, tool-calls, conversation-update, hang, end-of-call-report) replayed
 * against a local Echo as Vapi would send it. One conversation results, with the transcript,
 * summary, duration and cost visible through /api/conversations; an operator watching the room
 * over its WebSocket receives the transcript live; the recording is copied from a local server.
 */
import { readFileSync } from "node:fs";
import { createServer, type Server } from "node:http";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startEcho, type LocalServer, e2ePort } from "./harness";
import { addDemoKnowledge } from "./voice-helpers";

const PORT = e2ePort(8861);
const SECRET = "vapi-e2e-shared-secret";
const recorded = JSON.parse(
  readFileSync(new URL("../workers/test/fixtures/vapi/recorded-call.json", import.meta.url), "utf8"),
) as { messages: { message: Record<string, unknown> }[] };
const WAV = Buffer.from("RIFF\u0024\u0000\u0000\u0000WAVEfmt ", "latin1");

let server: LocalServer;
let recordings: Server;
let recordingHits = 0;
let recordingUrl = "";

async function api(path: string, token: string, init: { method?: string; json?: unknown } = {}) {
  const res = await fetch(`${server.origin}${path}`, {
    method: init.method ?? "GET",
    headers: {
      authorization: `Bearer ${token}`,
      ...(init.json !== undefined && { "content-type": "application/json" }),
    },
    body: init.json === undefined ? undefined : JSON.stringify(init.json),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${path}: ${res.status} ${text}`);
  return JSON.parse(text);
}

async function until<T>(fn: () => Promise<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (ok(v)) return v;
    if (Date.now() > deadline) throw new Error(`timed out; last: ${JSON.stringify(v).slice(0, 2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

beforeAll(async () => {
  recordings = createServer((req, res) => {
    recordingHits++;
    res.writeHead(200, { "content-type": "audio/wav", "content-length": WAV.length });
    res.end(WAV);
  });
  await new Promise<void>((r) => recordings.listen(0, "127.0.0.1", r));
  const addr = recordings.address();
  recordingUrl = `http://127.0.0.1:${typeof addr === "object" && addr ? addr.port : 0}/rec/mono.wav`;
  // the recording server is on loopback: this suite opts in to private egress explicitly (npm start
  // passes ALLOW_PRIVATE_EGRESS through to the Worker; off by default, refused in production)
  process.env.ALLOW_PRIVATE_EGRESS = "true";
  server = await startEcho(PORT, "echo-voice-vapi-");
  delete process.env.ALLOW_PRIVATE_EGRESS;
  await addDemoKnowledge(server.origin, server.demo.token);
});
afterAll(async () => {
  await server?.stop();
  await new Promise((r) => recordings?.close(r));
});

describe("a recorded Vapi call replayed against the local server", () => {
  it("makes one conversation with transcript, summary, duration and cost, watched live by an operator", async () => {
    const token = server.demo.token;
    const vint = await api("/api/voice/integrations", token, {
      method: "POST",
      json: {
        provider: "vapi",
        botId: server.demo.botId,
        secrets: { secret: SECRET },
        settings: { handoffNumber: "+14155550100" },
      },
    });
    const callId = `e2e-${Date.now()}`;
    const payloads = recorded.messages.map((m) =>
      JSON.stringify(m)
        .replaceAll("{{CALL_ID}}", callId)
        .replaceAll("{{RECORDING_URL}}", recordingUrl)
        .replaceAll("{{WEBHOOK_URL}}", vint.webhookUrl),
    );
    const post = async (body: string) => {
      const res = await fetch(vint.webhookUrl, {
        method: "POST",
        headers: { "content-type": "application/json", "x-vapi-secret": SECRET },
        body,
      });
      expect(res.status, await res.clone().text()).toBe(200);
      return res.json() as Promise<Record<string, any>>;
    };

    const first = await post(payloads[0]!);
    expect(first.assistant.model).toMatchObject({ provider: "custom-llm", url: vint.urls.customLlm });
    const conversationId = first.assistant.metadata.echoConversationId as string;

    // an operator opens the room's socket before the caller speaks
    const wsUrl = `${server.origin.replace(/^http/, "ws")}/api/conversations/${conversationId}/ws?token=${encodeURIComponent(token)}`;
    const ws = new WebSocket(wsUrl);
    const frames: Record<string, any>[] = [];
    ws.addEventListener("message", (e) => {
      frames.push(JSON.parse(String(e.data)));
    });
    await new Promise<void>((resolve, reject) => {
      ws.addEventListener("open", () => resolve());
      ws.addEventListener("error", () => reject(new Error("operator socket failed")));
    });
    ws.send(JSON.stringify({ type: "hello", lastSeq: 0 }));
    await until(
      async () => frames,
      (f) => f.some((x) => x.type === "ready"),
    );

    const answers = [first];
    for (const body of payloads.slice(1)) {
      answers.push(await post(body));
      // the first caller line reaches the operator while the call is still going
      if (answers.length === 6) {
        await until(
          async () => frames,
          (f) =>
            f.some((x) => x.type === "msg" && x.role === "visitor" && x.text === "Hi, how do I reset my password?"),
        );
      }
    }
    expect(JSON.parse(answers[6]!.results[0].result).answer).toMatch(/Forgot password\?/);
    const live = await until(
      async () => frames.filter((f) => f.type === "msg" && f.role === "visitor").map((f) => f.text as string),
      (v) => v.length >= 3,
    );
    expect(live).toEqual([
      "Hi, how do I reset my password?",
      "Great. Can you also open a ticket, my export to PDF keeps failing.",
      "Thanks, that's all.",
    ]);
    expect(frames.some((f) => f.type === "call")).toBe(true);
    ws.close();

    const list = await api("/api/conversations", token);
    expect(list.data.filter((c: { id: string }) => c.id === conversationId)).toHaveLength(1);
    // the D1 copy trails the room by up to a second: the status-update's "ended" may land before
    // the end-of-call report's figures, so wait for the report itself
    const conv = await until(
      () => api(`/api/conversations/${conversationId}`, token),
      (c) => c.meta?.call?.state === "ended" && c.meta.call.data?.durationSec !== undefined,
    );
    expect(conv.channel).toBe("voice");
    expect(conv.meta.call.data).toMatchObject({
      cost: 0.1342,
      durationSec: 37.734,
      endedReason: "customer-ended-call",
      from: "+14155550123",
    });
    expect(conv.meta.call.data.summary).toContain("reset their Nimbus Notes password");
    expect(conv.meta.call.data.recordingKey).toMatch(/^voice\//);
    expect(recordingHits).toBe(1);
    const msgs = await until(
      () => api(`/api/conversations/${conversationId}/messages`, token),
      (b) => b.data.filter((m: any) => m.role === "ai").length >= 4,
    );
    const transcript = msgs.data
      .filter((m: any) => m.role === "visitor" || m.role === "ai")
      .map((m: any) => `${m.role}: ${m.text}`);
    expect(transcript[0]).toMatch(/^ai: Hi! I'm Nimbus Help/);
    expect(transcript).toContain("visitor: Hi, how do I reset my password?");
    expect(transcript.at(-1)).toBe("ai: You're welcome. Goodbye!");

    // replaying the whole recording again changes nothing
    for (const body of payloads) await post(body);
    const again = await api(`/api/conversations/${conversationId}/messages`, token);
    expect(again.data).toHaveLength(msgs.data.length);
    const list2 = await api("/api/conversations", token);
    expect(list2.data.filter((c: { channel: string }) => c.channel === "voice")).toHaveLength(
      list.data.filter((c: { channel: string }) => c.channel === "voice").length,
    );
    expect(recordingHits).toBe(1);
  });
});
