import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { addMember, call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { MAX_FRAME_BYTES, MAX_TEXT } from "./protocol";
import { roomStub } from "./room-stub";
import { setRoomAnswererForTesting } from "./room-ctx";
import { expectNoFrame, joinOperator, joinVisitor, newSession, openSocket, type Frame } from "./test-client";

/**
 * Protocol v1 against real WebSockets into workerd: every frame pinned, ordering, gap-free seq,
 * cid idempotency, replay, bad frames, AI turns (scripted answerer where timing must be exact),
 * hand-off, takeover, notes, presence, auth.
 */

const SOURCE = { sourceId: "src_1", title: "Billing FAQ", url: null, snippet: "Invoices are sent monthly." };

/** An answerer that streams `pieces` and ends with `done`; records the questions it was asked. */
function scripted(pieces: string[], opts: { handoff?: boolean } = {}) {
  const questions: string[] = [];
  const fn: StreamAnswer = async function* (_ctx, input): AsyncIterable<AnswerEvent> {
    questions.push(input.question);
    for (const p of pieces) {
      await Promise.resolve();
      yield { type: "delta", text: p };
    }
    yield {
      type: "done",
      answer: pieces.join(""),
      sources: [SOURCE],
      confidence: 0.9,
      handoff: opts.handoff ?? false,
      timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
    };
  };
  return { fn, questions };
}

const ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/;
const snapshotOf = (tenantId: string, conversationId: string) =>
  roomStub(env.CONVERSATION_ROOM, tenantId, conversationId).snapshot();
const msgs = (frames: Frame[]) => frames.filter((f) => f.type === "msg");

afterEach(() => setRoomAnswererForTesting());

describe("ConversationRoom protocol v1", () => {
  it("pins ready, msg acknowledgement, typing, delta and the final AI msg", async () => {
    const ai = scripted(["Invoices ", "are sent ", "monthly."]);
    setRoomAnswererForTesting(ai.fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    expect(v.frames[0]).toEqual({ type: "ready", conversationId: s.conversationId, seq: 0, mode: "ai" });

    v.send({ type: "msg", cid: "c-1", text: "When are invoices sent?" });
    const ack = await v.waitFor((f) => f.type === "msg" && f.cid === "c-1");
    expect(Object.keys(ack).sort()).toEqual(["at", "cid", "id", "role", "seq", "text", "type"]);
    expect(ack).toMatchObject({ type: "msg", seq: 1, role: "visitor", text: "When are invoices sent?" });
    expect(ack.id).toMatch(/^msg_/);
    expect(ack.at).toMatch(ISO);

    const final = await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    expect(final).toEqual({
      type: "msg",
      seq: 2,
      id: final.id,
      role: "ai",
      text: "Invoices are sent monthly.",
      at: final.at,
      sources: [SOURCE],
    });
    const typingAt = v.frames.findIndex((f) => f.type === "typing");
    expect(v.frames[typingAt]).toEqual({ type: "typing", role: "ai" });
    const deltas = v.frames.filter((f) => f.type === "delta");
    expect(deltas).toEqual([
      { type: "delta", id: final.id, text: "Invoices " },
      { type: "delta", id: final.id, text: "are sent " },
      { type: "delta", id: final.id, text: "monthly." },
    ]);
    // order: ack, typing, deltas, final
    const idx = (f: Frame) => v.frames.indexOf(f);
    expect(idx(ack)).toBeLessThan(typingAt);
    expect(typingAt).toBeLessThan(idx(deltas[0]!));
    expect(idx(deltas[2]!)).toBeLessThan(idx(final));
    expect(ai.questions).toEqual(["When are invoices sent?"]);
    v.close();
  });

  it("answers ping with pong and refuses bad frames with error frames, storing nothing", async () => {
    setRoomAnswererForTesting(scripted(["ok"]).fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "ping" });
    expect(await v.next((f) => f.type === "pong")).toEqual({ type: "pong" });

    // a refused frame that carried a cid names it, so the sender stops resending it
    const cases: [string | ArrayBuffer, string, string?][] = [
      ["this is not json", "INVALID_JSON"],
      [JSON.stringify({ type: "shout", text: "hi" }), "UNKNOWN_TYPE"],
      [JSON.stringify({ text: "no type" }), "UNKNOWN_TYPE"],
      [JSON.stringify({ type: "msg", cid: "long", text: "x".repeat(MAX_TEXT + 1) }), "TEXT_TOO_LONG", "long"],
      [JSON.stringify({ type: "msg", cid: "big", text: "y", pad: "z".repeat(MAX_FRAME_BYTES) }), "FRAME_TOO_LARGE"],
      [JSON.stringify({ type: "msg", text: "no cid" }), "INVALID_FRAME"],
      [JSON.stringify({ type: "msg", cid: "e", text: "   " }), "INVALID_FRAME", "e"],
      [JSON.stringify({ type: "msg", cid: "x", text: "hi", extra: 1 }), "INVALID_FRAME", "x"],
      [JSON.stringify({ type: "msg", cid: 7, text: "numeric cid" }), "INVALID_FRAME"],
      [JSON.stringify({ type: "rate", score: 9 }), "INVALID_FRAME"],
      [JSON.stringify({ type: "takeover" }), "FORBIDDEN"],
      [JSON.stringify({ type: "note", text: "sneaky" }), "FORBIDDEN"],
      [new TextEncoder().encode('{"type":"ping"}').buffer as ArrayBuffer, "INVALID_FRAME"],
    ];
    for (const [raw, code, cid] of cases) {
      const before = v.frames.length;
      v.ws.send(raw);
      const err = await v.waitFor((f) => f.type === "error", 8000, before);
      expect(err, String(raw).slice(0, 60)).toEqual({
        type: "error",
        code,
        message: err.message,
        ...(cid ? { cid } : {}),
      });
      expect(typeof err.message).toBe("string");
    }
    // exactly at the limit is accepted
    v.send({ type: "msg", cid: "max", text: "a".repeat(MAX_TEXT) });
    const ok = await v.waitFor((f) => f.type === "msg" && f.cid === "max");
    expect(ok.seq).toBe(1);
    const snap = await snapshotOf(t.tenantId, s.conversationId);
    expect(snap.lastSeq).toBeGreaterThanOrEqual(1);
    const stored = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).messages(0);
    expect(stored.filter((m) => m.role === "visitor").map((m) => m.cid)).toEqual(["max"]);
    v.close();
  });

  it("keeps seq gap-free and in send order, and stores a resend with the same cid once", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    await v.waitFor((f) => f.type === "mode" && f.mode === "human");
    for (let i = 1; i <= 12; i++) v.send({ type: "msg", cid: `k${i}`, text: `message number ${i}` });
    v.send({ type: "msg", cid: "k3", text: "message number 3 (resent)" });
    await v.waitFor((f) => f.type === "msg" && f.cid === "k12");
    const dupAck = await v
      .waitFor((f) => f.type === "msg" && f.cid === "k3" && v.frames.filter((g) => g.cid === "k3").length === 2)
      .catch(() => undefined);
    const acks = msgs(v.frames).filter((f) => f.role === "visitor");
    expect(acks.map((f) => f.cid).slice(0, 12)).toEqual(Array.from({ length: 12 }, (_, i) => `k${i + 1}`));
    const all = msgs(v.frames);
    const seqs = [...new Set(all.map((f) => f.seq))];
    expect(seqs).toEqual(Array.from({ length: seqs.length }, (_, i) => i + 1));
    // the resend is acknowledged with the original message, and stored once
    expect(dupAck).toBeDefined();
    const firstK3 = acks.find((f) => f.cid === "k3")!;
    expect(dupAck).toEqual(firstK3);
    const stored = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).messages(0);
    expect(stored.filter((m) => m.cid === "k3")).toHaveLength(1);
    expect(stored.map((m) => m.seq)).toEqual(Array.from({ length: stored.length }, (_, i) => i + 1));
    // the operator saw the same sequence
    await op.waitFor((f) => f.type === "msg" && f.cid === "k12");
    expect(msgs(op.frames).map((f) => f.seq)).toEqual(
      all.filter((f, i) => all.findIndex((g) => g.seq === f.seq) === i).map((f) => f.seq),
    );
    v.close();
    op.close();
  });

  it("replays every message after lastSeq to a socket that rejoins after a drop", async () => {
    setRoomAnswererForTesting(scripted(["Sure."]).fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v1 = await joinVisitor(s);
    v1.send({ type: "msg", cid: "a", text: "How do I reset my password?" });
    await v1.waitFor((f) => f.type === "msg" && f.role === "ai");
    v1.close();
    // while the visitor is away
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "msg", cid: "o1", text: "Hi, Dana here." });
    await op.waitFor((f) => f.type === "msg" && f.cid === "o1");
    const v2 = await openSocket(`/api/widget/ws?token=${encodeURIComponent(s.token)}`);
    v2.send({ type: "hello", lastSeq: 2 });
    const ready = await v2.waitFor((f) => f.type === "ready");
    const last = await v2.waitFor((f) => f.type === "msg" && f.seq === ready.seq);
    expect(last.role).toBe("agent");
    expect(last.name).toBeTypeOf("string");
    const replayed = msgs(v2.frames).map((f) => f.seq);
    expect(replayed).toEqual(Array.from({ length: ready.seq - 2 }, (_, i) => i + 3));
    expect(ready).toEqual({ type: "ready", conversationId: s.conversationId, seq: ready.seq, mode: "human" });
    v2.close();
    op.close();
  });

  it("supersedes a streaming answer: the partial is closed under its id before the new message, answers never interleave", async () => {
    const questions: string[] = [];
    const fn: StreamAnswer = async function* (_ctx, input, signal): AsyncIterable<AnswerEvent> {
      questions.push(input.question);
      if (questions.length === 1) {
        yield { type: "delta", text: "First answer, " };
        await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
        yield { type: "delta", text: "too late" };
        yield {
          type: "done",
          answer: "First answer, too late",
          sources: [],
          confidence: 0.9,
          handoff: false,
          failure: "aborted",
          timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
        };
        return;
      }
      yield { type: "delta", text: "Second answer." };
      yield {
        type: "done",
        answer: "Second answer.",
        sources: [SOURCE],
        confidence: 0.9,
        handoff: false,
        timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
      };
    };
    setRoomAnswererForTesting(fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "q1", text: "How do refunds work for annual plans?" });
    const d1 = await v.waitFor((f) => f.type === "delta");
    v.send({ type: "msg", cid: "q2", text: "Actually, how do I cancel my subscription?" });
    const second = await v.waitFor((f) => f.type === "msg" && f.role === "ai" && f.text === "Second answer.");
    const partial = msgs(v.frames).find((f) => f.id === d1.id)!;
    expect(partial).toMatchObject({ role: "ai", text: "First answer, ", seq: 2 });
    const q2 = msgs(v.frames).find((f) => f.cid === "q2")!;
    expect(q2.seq).toBe(3);
    expect(second.seq).toBe(4);
    // nothing of the first answer after the second question
    const afterQ2 = v.frames.slice(v.frames.indexOf(q2));
    expect(afterQ2.filter((f) => f.id === d1.id)).toEqual([]);
    expect(v.frames.filter((f) => f.type === "delta" && f.text === "too late")).toEqual([]);
    expect(questions).toEqual(["How do refunds work for annual plans?", "Actually, how do I cancel my subscription?"]);
    v.close();
  });

  it("ends a failing provider's turn with the partial answer, a system message and a hand-off", async () => {
    const fn: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
      yield { type: "delta", text: "Let me check" };
      throw new Error("upstream 502");
    };
    setRoomAnswererForTesting(fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "f1", text: "Can I export my notes to PDF?" });
    const mode = await v.waitFor((f) => f.type === "mode");
    expect(mode).toEqual({ type: "mode", mode: "human", reason: "provider_failed", agents: false });
    const ai = msgs(v.frames).find((f) => f.role === "ai")!;
    expect(ai.text).toBe("Let me check");
    const system = msgs(v.frames).find((f) => f.role === "system")!;
    expect(system.text).toMatch(/^Sorry, I couldn't finish that answer\. No one from the team is online/);
    expect((await snapshotOf(t.tenantId, s.conversationId)).status).toBe("waiting");
    v.close();
  });

  it("treats a silent provider as failed instead of hanging", async () => {
    const fn: StreamAnswer = async function* (_c, _i, signal): AsyncIterable<AnswerEvent> {
      await new Promise<void>((resolve) => signal?.addEventListener("abort", () => resolve()));
    };
    setRoomAnswererForTesting(fn, { eventTimeoutMs: 300 });
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "h1", text: "Is there a desktop app?" });
    expect(await v.waitFor((f) => f.type === "mode")).toEqual({
      type: "mode",
      mode: "human",
      reason: "provider_failed",
      agents: false,
    });
    expectNoFrame(v, (f) => f.type === "msg" && f.role === "ai");
    v.close();
  });

  it("hands off to a person when the real answerer abstains (no knowledge)", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "r1", text: "What is the warranty on the quantum flux capacitor?" });
    const mode = await v.waitFor((f) => f.type === "mode", 15_000);
    expect(mode).toEqual({ type: "mode", mode: "human", reason: "low_confidence", agents: false });
    const roles = msgs(v.frames).map((f) => f.role);
    expect(roles).toEqual(["visitor", "ai", "system"]);
    v.close();
  });

  it("records an explicit ask for a person as such even when the real answerer would abstain too", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "h1", text: "Can I talk to a person please?" });
    expect(await v.waitFor((f) => f.type === "mode", 15_000)).toEqual({
      type: "mode",
      mode: "human",
      reason: "asked_for_human",
      agents: false,
    });
    expectNoFrame(v, (f) => f.type === "msg" && f.role === "ai");
    v.close();
  });

  it("lets triage escalate before any AI text is visible (answer generated meanwhile, never shown)", async () => {
    const ai = scripted(["You can reset it in Settings."]);
    setRoomAnswererForTesting(ai.fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "p1", text: "I want to talk to a real person, not a bot" });
    const mode = await v.waitFor((f) => f.type === "mode");
    expect(mode).toEqual({ type: "mode", mode: "human", reason: "asked_for_human", agents: false });
    await v.waitFor((f) => f.type === "msg" && f.role === "system");
    expectNoFrame(v, (f) => f.type === "delta" || (f.type === "msg" && f.role === "ai"));
    expect((await snapshotOf(t.tenantId, s.conversationId)).status).toBe("waiting");
    v.close();
  });

  it("moves to waiting for a person on the visitor's human frame", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "human" });
    expect(await v.waitFor((f) => f.type === "mode")).toEqual({
      type: "mode",
      mode: "human",
      reason: "asked_for_human",
      agents: false,
    });
    const sys = await v.waitFor((f) => f.type === "msg" && f.role === "system");
    expect(sys).toMatchObject({ seq: 1, role: "system" });
    const snap = await snapshotOf(t.tenantId, s.conversationId);
    expect(snap).toMatchObject({ mode: "human", status: "waiting", reason: "asked_for_human" });
    v.close();
  });

  it("takeover silences the AI until release; agent replies carry the agent's name", async () => {
    const ai = scripted(["Here is how."]);
    setRoomAnswererForTesting(ai.fn);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    expect(await v.waitFor((f) => f.type === "mode")).toEqual({ type: "mode", mode: "human", reason: "takeover" });
    const opMode = await op.waitFor((f) => f.type === "mode");
    expect(opMode).toMatchObject({ mode: "human", reason: "takeover", status: "open", assignee: { userId: t.userId } });
    v.send({ type: "msg", cid: "s1", text: "Where do I change my billing address?" });
    await op.waitFor((f) => f.type === "msg" && f.cid === "s1");
    op.send({ type: "msg", cid: "a1", text: "I can help with that." });
    const reply = await v.waitFor((f) => f.type === "msg" && f.role === "agent");
    expect(Object.keys(reply).sort()).toEqual(["at", "cid", "id", "name", "role", "seq", "text", "type"]);
    op.send({ type: "release" });
    expect(await v.waitFor((f) => f.type === "mode" && f.mode === "ai")).toEqual({
      type: "mode",
      mode: "ai",
      reason: "released",
    });
    v.send({ type: "msg", cid: "s2", text: "And how do I download an invoice?" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    // the answerer was only ever asked the question sent after the release
    expect(ai.questions).toEqual(["And how do I download an invoice?"]);
    const roles = msgs(v.frames).map((f) => f.role);
    expect(roles).toEqual(["system", "visitor", "agent", "system", "visitor", "ai"]);
    v.close();
    op.close();
  });

  it("keeps notes from the visitor: live, on replay and in the REST view for operators only", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    const op2member = await addMember(t, "agent");
    const op2 = await joinOperator(s.conversationId, op2member.token);
    op.send({ type: "takeover" });
    await v.waitFor((f) => f.type === "mode");
    op.send({ type: "note", cid: "n1", text: "SECRET: customer is on the legacy plan" });
    const note = await op2.waitFor((f) => f.type === "note");
    expect(note).toEqual({
      type: "note",
      id: note.id,
      seq: 1,
      cid: "n1",
      text: "SECRET: customer is on the legacy plan",
      at: note.at,
      author: { userId: t.userId, name: note.author.name },
    });
    op.send({ type: "msg", cid: "after-note", text: "Visible reply" });
    await v.waitFor((f) => f.type === "msg" && f.cid === "after-note");
    const v2 = await joinVisitor(s, 0);
    await v2.waitFor((f) => f.type === "msg" && f.cid === "after-note");
    for (const sock of [v, v2]) expect(JSON.stringify(sock.frames)).not.toContain("SECRET");
    // a rejoining operator gets the note back
    const op3 = await joinOperator(s.conversationId, t.token, 0);
    await op3.waitFor((f) => f.type === "note" && f.id === note.id);
    // the D1 copy has it as internal; the visitor-facing seq stays gap-free
    const page = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}/messages`, { token: t.token }), 200),
      (p: { data: { internal: boolean; seq: number }[] }) => p.data.some((m) => m.internal),
    );
    expect(page.data.filter((m: { internal: boolean }) => !m.internal).map((m: { seq: number }) => m.seq)).toEqual([
      1, 2,
    ]);
    const visible = await expectJson(
      call(`/api/conversations/${s.conversationId}/messages?includeNotes=false`, { token: t.token }),
      200,
    );
    expect(JSON.stringify(visible)).not.toContain("SECRET");
    for (const x of [v, v2, op, op2, op3]) x.close();
  });

  it("shows operators each other's presence; viewers watch but cannot act", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const agent = await addMember(t, "agent");
    const viewer = await addMember(t, "viewer");
    const a = await joinOperator(s.conversationId, agent.token);
    const w = await joinOperator(s.conversationId, viewer.token);
    const both = await a.waitFor((f) => f.type === "presence" && f.operators.length === 2);
    expect(both.operators.map((o: { userId: string }) => o.userId).sort()).toEqual(
      [agent.userId, viewer.userId].sort(),
    );
    expect(both.visitor).toBe(true);
    w.send({ type: "takeover" });
    expect(await w.waitFor((f) => f.type === "error")).toMatchObject({ type: "error", code: "FORBIDDEN" });
    w.send({ type: "msg", cid: "w1", text: "viewer reply" });
    await w.next((f) => f.type === "error");
    v.send({ type: "typing" });
    expect(await w.waitFor((f) => f.type === "typing")).toEqual({ type: "typing", role: "visitor" });
    a.send({ type: "typing" });
    expect(await v.waitFor((f) => f.type === "typing" && f.role === "agent")).toEqual({
      type: "typing",
      role: "agent",
    });
    w.close();
    await a.waitFor((f) => f.type === "presence" && f.operators.length === 1);
    expect((await snapshotOf(t.tenantId, s.conversationId)).lastSeq).toBe(0);
    v.close();
    a.close();
  });

  it("refuses another tenant's operator with 404 before the upgrade, and bad tokens with close 1008", async () => {
    const a = await makeTenant("Alpha");
    const b = await makeTenant("Beta");
    const s = await newSession(a);
    const res = await call(`/api/conversations/${s.conversationId}/ws?token=${b.token}`, {
      headers: { upgrade: "websocket" },
    });
    expect(res.status).toBe(404);
    expect(res.webSocket).toBeNull();
    for (const path of [
      `/api/conversations/${s.conversationId}/ws?token=nope`,
      `/api/conversations/${s.conversationId}/ws`,
      `/api/widget/ws?token=forged`,
      `/api/inbox/ws?token=${s.token}`,
    ]) {
      const sock = await openSocket(path);
      const closed = await sock.waitClose();
      expect(closed.code, path).toBe(1008);
      expect(sock.frames[0]).toMatchObject({ type: "error", code: "UNAUTHORIZED" });
    }
    // an access token is not a visitor token and vice versa
    const asVisitor = await openSocket(`/api/widget/ws?token=${a.token}`);
    expect((await asVisitor.waitClose()).code).toBe(1008);
    const plain = await call(`/api/widget/ws?token=${s.token}`);
    expect(plain.status).toBe(400);
  });

  it("relays read receipts and ratings to operators only, and stores them on the conversation", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "msg", cid: "x1", text: "Hello from support" });
    await v.waitFor((f) => f.type === "msg" && f.cid === "x1");
    v.send({ type: "read", seq: 2 });
    expect(await op.waitFor((f) => f.type === "read")).toEqual({ type: "read", role: "visitor", seq: 2 });
    v.send({ type: "rate", score: 4, comment: "quick help" });
    expect(await op.waitFor((f) => f.type === "rate")).toEqual({ type: "rate", score: 4, comment: "quick help" });
    expectNoFrame(v, (f) => f.type === "read" || f.type === "rate");
    const snap = await snapshotOf(t.tenantId, s.conversationId);
    expect(snap).toMatchObject({ visitorReadSeq: 2, rating: { score: 4, comment: "quick help" } });
    const row = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}`, { token: t.token }), 200),
      (c) => c.meta?.rating?.score === 4,
    );
    expect(row.meta.visitorReadSeq).toBe(2);
    v.close();
    op.close();
  });

  it("close ends the conversation: visitors get mode closed and cannot write", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "close" });
    expect(await v.waitFor((f) => f.type === "mode")).toEqual({ type: "mode", mode: "closed", reason: "closed" });
    v.send({ type: "msg", cid: "late", text: "hello?" });
    expect(await v.waitFor((f) => f.type === "error")).toMatchObject({ code: "CONVERSATION_CLOSED", cid: "late" });
    expect((await snapshotOf(t.tenantId, s.conversationId)).status).toBe("closed");
    v.close();
    op.close();
  });

  it("rate-limits a visitor's messages per conversation", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    await v.waitFor((f) => f.type === "mode");
    for (let i = 0; i < 30; i++) v.send({ type: "msg", cid: `r${i}`, text: `burst ${i}` });
    await v.waitFor(
      () => v.frames.filter((f) => (f.type === "msg" && f.role === "visitor") || f.type === "error").length === 30,
    );
    const acks = v.frames.filter((f) => f.type === "msg" && f.role === "visitor");
    const errors = v.frames.filter((f) => f.type === "error");
    expect(errors.length).toBeGreaterThan(0);
    expect(errors.every((e) => e.code === "RATE_LIMITED")).toBe(true);
    // each refusal names its message; together with the acknowledgements they cover the burst once
    const named = [...acks.map((f) => f.cid), ...errors.map((e) => e.cid)].sort();
    expect(named).toEqual(Array.from({ length: 30 }, (_, i) => `r${i}`).sort());
    const stored = await roomStub(env.CONVERSATION_ROOM, t.tenantId, s.conversationId).messages(0);
    expect(stored.filter((m) => m.role === "visitor")).toHaveLength(acks.length);
    v.close();
    op.close();
  });
});

describe("ConversationRoom RPC (voice and other channels)", () => {
  it("init is idempotent, appendMessage dedupes by cid, call state reaches operators, the hub and D1", async () => {
    const t = await makeTenant();
    const conversationId = `conv_${"0".repeat(10)}${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
    const room = roomStub(env.CONVERSATION_ROOM, t.tenantId, conversationId);
    const meta = {
      tenantId: t.tenantId,
      conversationId,
      botId: t.botId,
      channel: "voice" as const,
      visitor: { phone: "+15550100" },
    };
    const first = await room.init(meta);
    const again = await room.init(meta);
    expect(again).toEqual(first);
    const op = await joinOperator(conversationId, t.token);
    const m1 = await room.appendMessage({ role: "visitor", text: "I need to change my plan", cid: "utt-1" });
    const m1b = await room.appendMessage({ role: "visitor", text: "I need to change my plan", cid: "utt-1" });
    expect(m1b).toEqual(m1);
    const m2 = await room.appendMessage({
      role: "ai",
      text: "Sure, which plan?",
      sources: [SOURCE],
      meta: { latencyMs: 420 },
    });
    expect(m2).toMatchObject({ seq: 2, role: "ai", sources: [SOURCE], meta: { latencyMs: 420 } });
    await room.setCallState("in_progress", { from: "+15550100" });
    expect(await op.waitFor((f) => f.type === "call")).toMatchObject({
      type: "call",
      state: "in_progress",
      data: { from: "+15550100" },
    });
    const snap = await room.snapshot();
    expect(snap).toMatchObject({ mode: "ai", status: "open", lastSeq: 2, call: { state: "in_progress" } });
    expect((await room.messages(1)).map((m) => m.seq)).toEqual([2]);
    const row = await eventually(
      () => expectJson(call(`/api/conversations/${conversationId}`, { token: t.token }), 200),
      (c) => c.messageCount === 2 && c.meta?.call?.state === "in_progress",
    );
    expect(row).toMatchObject({ channel: "voice", lastMessagePreview: "Sure, which plan?" });
    await room.setMode("human", "transfer");
    expect((await room.snapshot()).status).toBe("waiting");
    op.close();
  });
});
