import { env, exports } from "cloudflare:workers";
import { evictDurableObject, runInDurableObject } from "cloudflare:test";
import { afterEach, describe, expect, it, vi } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { announceRetellCall, NIMBUS_DOCS, seedKnowledge } from "../domain/voice/test-support";
import { PRINCIPAL_HEADER } from "../rooms/room-api";
import { roomStub } from "../rooms/room-stub";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { expectNoFrame, joinOperator, openSocket, type Frame, type TestSocket } from "../rooms/test-client";
import { call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * Retell's custom-LLM WebSocket (protocols.md §3.1) through the Worker into the call's room: the
 * route checks the integration and the URL's token and forwards the upgrade; the room serves the
 * socket with the hibernation API next to the operators watching the call.
 */
vi.setConfig({ testTimeout: 30_000 });
afterEach(() => setRoomAnswererForTesting());

async function retellIntegration(t: TestTenant, apiKey = "retell-api-key-ws") {
  const vint = await expectJson(
    call("/api/voice/integrations", {
      method: "POST",
      token: t.token,
      json: { provider: "retell", botId: t.botId, secrets: { apiKey } },
    }),
    201,
  );
  return { ...vint, apiKey } as typeof vint & { apiKey: string };
}

/** The path Retell opens: the integration's llmWebsocket URL plus the call id. */
const llmPath = (llmWebsocket: string, callId: string) =>
  `${new URL(llmWebsocket.replace(/^ws/, "http")).pathname}/${callId}`;

/** Announces the call by its signed `call_started` webhook, then opens Retell's socket for it. */
async function openRetell(
  vint: { webhookUrl: string; apiKey: string; urls: { llmWebsocket: string } },
  callId: string,
) {
  await announceRetellCall(vint.webhookUrl, vint.apiKey, callId);
  const sock = await openSocket(llmPath(vint.urls.llmWebsocket, callId));
  await sock.waitFor((f) => f.response_type === "response" && f.response_id === 0);
  return sock;
}

async function callRow(integrationId: string) {
  return env.DB.prepare("select * from voice_calls where integration_id = ?")
    .bind(integrationId)
    .first<{ id: string; conversation_id: string; tenant_id: string }>();
}

const roomOf = (tenantId: string, conversationId: string) => roomStub(env.CONVERSATION_ROOM, tenantId, conversationId);
const retellAttachments = (tenantId: string, conversationId: string) =>
  runInDurableObject(roomOf(tenantId, conversationId), (_room, state) =>
    state.getWebSockets("retell").map((ws) => ws.deserializeAttachment() as Frame),
  );

/** Resolves on the pong for `timestamp`: every frame the room sent before it has arrived. */
async function roundTrip(sock: TestSocket, timestamp: number) {
  sock.send({ interaction_type: "ping_pong", timestamp });
  await sock.waitFor((f) => f.response_type === "ping_pong" && f.timestamp === timestamp);
}

const done = (answer: string): AnswerEvent => ({
  type: "done",
  answer,
  sources: [],
  confidence: 0.9,
  handoff: false,
  timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
});

describe("Retell custom-LLM WebSocket served by the call's room", () => {
  it("streams answers per response_id while an operator in the same room sees the transcript live", async () => {
    const t = await makeTenant("Nimbus");
    await seedKnowledge(t.token, "Nimbus Notes help", NIMBUS_DOCS);
    const vint = await retellIntegration(t);
    const rt = await openRetell(vint, "rt-room-call-1");
    expect(rt.frames[0]).toEqual({ response_type: "config", config: { auto_reconnect: true, call_details: true } });
    expect(rt.frames[1]).toMatchObject({
      response_type: "response",
      response_id: 0,
      content_complete: true,
      end_call: false,
    });

    const row = await callRow(vint.id);
    expect(row, "the signed call_started created the call before the socket attached").not.toBeNull();
    // the socket lives in the room (hibernation API, tagged), not in the Worker invocation
    const attached = await retellAttachments(t.tenantId, row!.conversation_id);
    expect(attached).toEqual([{ kind: "retell", integrationId: vint.id, callId: row!.id, latest: -1, stored: 0 }]);

    const op = await joinOperator(row!.conversation_id, t.token);
    const presence = await op.waitFor((f) => f.type === "presence");
    expect(presence, "a Retell socket is not a visitor").toMatchObject({ visitor: false });

    const greeting = rt.frames[1]!.content as string;
    const question = "How do I reset my password?";
    // update_only: the last entry may still grow, so only the greeting is final
    rt.send({
      interaction_type: "update_only",
      transcript: [
        { role: "agent", content: greeting },
        { role: "user", content: "How do I" },
      ],
    });
    await op.waitFor((f) => f.type === "msg" && f.role === "ai" && f.text === greeting);
    expectNoFrame(op, (f) => f.type === "msg" && f.role === "visitor");

    rt.send({
      interaction_type: "response_required",
      response_id: 1,
      transcript: [
        { role: "agent", content: greeting },
        { role: "user", content: question },
      ],
    });
    await op.waitFor((f) => f.type === "msg" && f.role === "visitor" && f.text === question);
    const complete = await rt.waitFor((f) => f.response_id === 1 && f.content_complete === true);
    expect(complete).toEqual({
      response_type: "response",
      response_id: 1,
      content: "",
      content_complete: true,
      end_call: false,
    });
    const streamed = rt.frames.filter((f) => f.response_id === 1);
    expect(streamed.length, JSON.stringify(streamed)).toBeGreaterThan(1);
    expect(streamed.slice(0, -1).every((f) => f.content_complete === false)).toBe(true);
    expect(streamed.map((f) => f.content).join("")).toMatch(/Settings/);

    // each socket keeps its own protocol: no room frames to Retell, no Retell frames to operators
    expect(rt.frames.filter((f) => f.type !== undefined || f.response_type === undefined)).toEqual([]);
    expectNoFrame(op, (f) => f.response_type !== undefined);
    const ops = op.frames.length;
    rt.send({ type: "msg", cid: "smuggled-1", text: "a visitor frame on the Retell socket" });
    rt.send({ type: "typing" });
    await roundTrip(rt, 7);
    expectNoFrame(rt, (f) => f.type === "error");
    op.send({ interaction_type: "ping_pong", timestamp: 8 });
    const refused = await op.next((f) => f.type === "error");
    expect(refused).toMatchObject({ type: "error", code: "UNKNOWN_TYPE" });
    expectNoFrame(op, (f) => f.response_type === "ping_pong");
    expect(
      op.frames.slice(ops).filter((f) => f.type === "typing" || f.type === "msg"),
      JSON.stringify(op.frames.slice(ops)),
    ).toEqual([]);
    const stored = await roomOf(t.tenantId, row!.conversation_id).messages(0);
    expect(stored.map((m) => `${m.role}: ${m.text}`)).toEqual([`ai: ${greeting}`, `visitor: ${question}`]);

    rt.close();
    op.close();
  });

  it("drops an interrupted answer: a newer response_id aborts the older stream and only the newer one completes", async () => {
    const t = await makeTenant();
    const vint = await retellIntegration(t);
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    let exited!: (abortedAtExit: boolean) => void;
    const firstExit = new Promise<boolean>((r) => (exited = r));
    const answerer: StreamAnswer = async function* (_ctx, input, signal): AsyncIterable<AnswerEvent> {
      if (input.question !== "first question") {
        yield { type: "delta", text: "Second " };
        yield { type: "delta", text: "answer." };
        yield done("Second answer.");
        return;
      }
      try {
        yield { type: "delta", text: "First part. " };
        // holds until the test releases it, or until the session aborts this answer
        await Promise.race([gate, new Promise((r) => signal?.addEventListener("abort", r))]);
        yield { type: "delta", text: "First part two." };
        yield done("First part. First part two.");
      } finally {
        exited(signal?.aborted === true);
      }
    };
    setRoomAnswererForTesting(answerer);
    const rt = await openRetell(vint, "rt-interrupt-1");
    rt.send({
      interaction_type: "response_required",
      response_id: 1,
      transcript: [{ role: "user", content: "first question" }],
    });
    await rt.waitFor((f) => f.response_id === 1 && f.content === "First part. ");
    rt.send({
      interaction_type: "response_required",
      response_id: 2,
      transcript: [
        { role: "user", content: "first question" },
        { role: "user", content: "second question" },
      ],
    });
    await rt.waitFor((f) => f.response_id === 2 && f.content_complete === true);
    release();
    expect(await firstExit, "the older answer was aborted, not left to finish").toBe(true);
    await roundTrip(rt, 99);

    const firstOf2 = rt.frames.findIndex((f) => f.response_id === 2);
    expect(
      rt.frames.slice(firstOf2).filter((f) => f.response_id === 1),
      JSON.stringify(rt.frames),
    ).toEqual([]);
    expect(rt.frames.filter((f) => f.response_id === 1).map((f) => f.content)).toEqual(["First part. "]);
    expect(rt.frames.filter((f) => f.response_id === 2).map((f) => [f.content, f.content_complete])).toEqual([
      ["Second ", false],
      ["answer.", false],
      ["", true],
    ]);
    const row = await callRow(vint.id);
    expect(await retellAttachments(t.tenantId, row!.conversation_id)).toMatchObject([{ latest: 2, stored: 2 }]);
    rt.close();
  });

  it("resumes the session from the socket's attachment after the room hibernates", async () => {
    const t = await makeTenant();
    const vint = await retellIntegration(t);
    const asked: string[] = [];
    setRoomAnswererForTesting(async function* (_ctx, input) {
      asked.push(input.question);
      yield { type: "delta", text: `About ${input.question}.` };
      yield done(`About ${input.question}.`);
    });
    const rt = await openRetell(vint, "rt-hibernate-1");
    const row = await callRow(vint.id);
    rt.send({
      interaction_type: "response_required",
      response_id: 1,
      transcript: [
        { role: "agent", content: "Hello there" },
        { role: "user", content: "billing" },
      ],
    });
    await rt.waitFor((f) => f.response_id === 1 && f.content_complete === true);

    await evictDurableObject(roomOf(t.tenantId, row!.conversation_id));
    expect(rt.closed, "hibernation keeps the socket open").toBeUndefined();
    expect(await retellAttachments(t.tenantId, row!.conversation_id)).toEqual([
      { kind: "retell", integrationId: vint.id, callId: row!.id, latest: 1, stored: 2 },
    ]);

    rt.send({
      interaction_type: "response_required",
      response_id: 2,
      transcript: [
        { role: "agent", content: "Hello there" },
        { role: "user", content: "billing" },
        { role: "agent", content: "About billing." },
        { role: "user", content: "refunds" },
      ],
    });
    const answer = await rt.waitFor((f) => f.response_id === 2 && f.content_complete === false);
    expect(answer.content).toBe("About refunds.");
    await rt.waitFor((f) => f.response_id === 2 && f.content_complete === true);
    expect(asked).toEqual(["billing", "refunds"]);
    expect(await retellAttachments(t.tenantId, row!.conversation_id)).toMatchObject([{ latest: 2, stored: 4 }]);
    const stored = await roomOf(t.tenantId, row!.conversation_id).messages(0);
    expect(stored.map((m) => `${m.role}: ${m.text}`)).toEqual([
      "ai: Hello there",
      "visitor: billing",
      "ai: About billing.",
      "visitor: refunds",
    ]);
    rt.close();
  });

  it("refuses a bad token and another tenant's or another provider's integration with 404, before any call exists", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const va = await retellIntegration(a, "retell-api-key-a");
    const vb = await retellIntegration(b, "retell-api-key-b");
    const vapi = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: a.token,
        json: { provider: "vapi", botId: a.botId, secrets: { secret: "vapi-secret-for-retell-test" } },
      }),
      201,
    );
    const tokenOf = (url: string) => new URL(url.replace(/^ws/, "http")).pathname.split("/").at(-1)!;
    const upgrade = (path: string, headers: Record<string, string> = { upgrade: "websocket" }) =>
      exports.default.fetch(new Request(`http://echo.test${path}`, { headers }));

    const cases = {
      "bad token": `/hooks/voice/retell/${va.id}/llm/${"0".repeat(40)}/c-1`,
      "another tenant's integration with this token": `/hooks/voice/retell/${vb.id}/llm/${tokenOf(va.urls.llmWebsocket)}/c-2`,
      "a Vapi integration with its own token": `/hooks/voice/retell/${vapi.id}/llm/${tokenOf(vapi.urls.customLlm)}/c-3`,
      "a missing integration": `/hooks/voice/retell/vint_00000000000000000000000000/llm/${tokenOf(va.urls.llmWebsocket)}/c-4`,
    };
    for (const [name, path] of Object.entries(cases)) {
      const res = await upgrade(path);
      expect(res.status, `${name}: ${await res.clone().text()}`).toBe(404);
      expect(res.webSocket, name).toBeNull();
    }
    const plain = await upgrade(llmPath(va.urls.llmWebsocket, "c-5"), {});
    expect(plain.status, await plain.clone().text()).toBe(400);
    for (const id of [va.id, vb.id, vapi.id]) expect(await callRow(id), id).toBeNull();
  });

  it("the room refuses a Retell principal of another tenant or naming another call", async () => {
    const a = await makeTenant();
    const b = await makeTenant();
    const va = await retellIntegration(a, "retell-api-key-c");
    const rt = await openRetell(va, "rt-room-principal");
    const row = (await callRow(va.id))!;
    const forward = (principal: object) =>
      roomOf(a.tenantId, row.conversation_id).fetch(
        new Request("https://room.internal/ws", {
          headers: { upgrade: "websocket", [PRINCIPAL_HEADER]: JSON.stringify(principal) },
        }),
      );
    const base = {
      kind: "retell",
      tenantId: a.tenantId,
      conversationId: row.conversation_id,
      integrationId: va.id,
      callId: row.id,
    };
    expect((await forward({ ...base, tenantId: b.tenantId })).status).toBe(404);
    expect((await forward({ ...base, callId: "call_00000000000000000000000000" })).status).toBe(404);
    expect((await forward({ ...base, integrationId: "vint_00000000000000000000000000" })).status).toBe(404);
    const ok = await forward(base);
    expect(ok.status).toBe(101);
    ok.webSocket!.accept();
    ok.webSocket!.close(1000, "done");
    rt.close();
  });
});
