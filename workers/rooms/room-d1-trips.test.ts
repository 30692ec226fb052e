import { env } from "cloudflare:test";
import { afterEach, describe, expect, it } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { addTextSource, call, eventually, expectJson, makeTenant } from "../test/fixtures";
import { roomStub } from "./room-stub";
import { setRoomAnswererForTesting } from "./room-ctx";
import { setRoomD1WrapperForTesting } from "./room-db";
import { joinVisitor, newSession } from "./test-client";

/**
 * D1 round trips made from inside a conversation room, counted by wrapping the room's D1 binding:
 * every executed statement (first/all/run/raw) and every batch or exec is one round trip.
 */

type Trip = { kind: "stmt" | "batch" | "exec"; sql: string };

function countingD1(db: D1Database, trips: Trip[], counting: () => boolean): D1Database {
  const count = (t: Trip) => void (counting() && trips.push(t));
  const real = new WeakMap<object, D1PreparedStatement>();
  const sqlOf = new WeakMap<object, string>();
  const wrap = (s: D1PreparedStatement, sql: string): D1PreparedStatement => {
    const p = new Proxy(s, {
      get(target, key) {
        if (key === "bind") return (...args: unknown[]) => wrap(target.bind(...args), sql);
        if (key === "first" || key === "all" || key === "run" || key === "raw")
          return (...args: unknown[]) => {
            count({ kind: "stmt", sql });
            return (target[key] as (...a: unknown[]) => unknown).apply(target, args);
          };
        const v = Reflect.get(target, key, target) as unknown;
        return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
      },
    });
    real.set(p, s);
    sqlOf.set(p, sql);
    return p;
  };
  return new Proxy(db, {
    get(target, key) {
      if (key === "prepare") return (sql: string) => wrap(target.prepare(sql), sql);
      if (key === "batch")
        return (stmts: D1PreparedStatement[]) => {
          count({
            kind: "batch",
            sql: `${stmts.length} statements: ${stmts.map((x) => sqlOf.get(x) ?? "?").join(" ;; ")}`,
          });
          return target.batch(stmts.map((s) => real.get(s) ?? s));
        };
      if (key === "exec")
        return (sql: string) => {
          count({ kind: "exec", sql });
          return target.exec(sql);
        };
      const v = Reflect.get(target, key, target) as unknown;
      return typeof v === "function" ? (v as (...a: unknown[]) => unknown).bind(target) : v;
    },
  });
}

function scripted(text: string): StreamAnswer {
  return async function* (): AsyncIterable<AnswerEvent> {
    yield { type: "delta", text };
    yield {
      type: "done",
      answer: text,
      sources: [{ sourceId: "src_1", title: "FAQ", url: null, snippet: text }],
      confidence: 0.9,
      handoff: false,
      timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
    };
  };
}

const trips: Trip[] = [];
/**
 * Only the room of the conversation under test is counted (other test files share the Durable Object
 * isolate). The room builds its D1 handle once, at init, before the test knows the conversation's id,
 * so every room's handle is wrapped and the check is made at each call.
 */
let counted = "";
const countOnly = () =>
  setRoomD1WrapperForTesting((db, conversationId) => countingD1(db, trips, () => conversationId === counted));
const report = (label: string) =>
  console.log(
    `${label}: ${trips.length} D1 round trips\n${trips.map((t) => `  ${t.kind} ${t.sql.slice(0, 110)}`).join("\n")}`,
  );

afterEach(() => {
  setRoomD1WrapperForTesting();
  setRoomAnswererForTesting();
});

/** Waits until the room's D1 copy has `n` messages (the batched flush ran). */
async function flushed(token: string, conversationId: string, n: number) {
  await eventually(
    () => expectJson(call(`/api/conversations/${conversationId}`, { token }), 200),
    (c) => c.messageCount >= n,
  );
  // let fire-and-forget work (triage state, hooks) settle
  await new Promise((r) => setTimeout(r, 300));
}

/** A new tenant and widget session whose room is the one counted, with the scripted answer given. */
async function countedSession(answer: string) {
  setRoomAnswererForTesting(scripted(answer));
  countOnly();
  const t = await makeTenant();
  const s = await newSession(t);
  counted = s.conversationId;
  return { t, s };
}

describe("D1 round trips from the room", () => {
  it("one answered visitor message (no hand-off)", async () => {
    const { t, s } = await countedSession("Invoices are sent monthly.");
    const v = await joinVisitor(s);
    // a first exchange warms the room (settings, policy); the second is the steady state measured
    v.send({ type: "msg", cid: "w1", text: "Hello there, I have a billing question" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    await flushed(t.token, s.conversationId, 2);
    trips.length = 0;
    v.send({ type: "msg", cid: "c1", text: "When are invoices sent each month?" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai" && f.seq === 4);
    await flushed(t.token, s.conversationId, 4);
    report("answered message");
    // the D1 copy of the two new messages is at least one batch: 0 would mean the counter saw nothing
    expect(trips.length).toBeGreaterThanOrEqual(1);
    expect(trips.length).toBeLessThanOrEqual(3);
    v.close();
  });

  it("one message that escalates and opens a ticket", async () => {
    const { t, s } = await countedSession("You can reset it in Settings.");
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "w1", text: "Hello there, I have a billing question" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    await flushed(t.token, s.conversationId, 2);
    trips.length = 0;
    v.send({ type: "msg", cid: "p1", text: "I want to talk to a real person, not a bot" });
    await v.waitFor((f) => f.type === "mode" && f.mode === "human");
    await eventually(
      () => expectJson(call(`/api/tickets?conversationId=${s.conversationId}`, { token: t.token }), 200),
      (l) => l.data.length === 1,
    );
    await flushed(t.token, s.conversationId, 4);
    report("escalating message");
    expect(trips.length).toBeGreaterThanOrEqual(1);
    expect(trips.length).toBeLessThanOrEqual(6);
    v.close();
  });

  it("a visitor's hello reads the billing allowance, so the first message does not wait for it", async () => {
    const { s } = await countedSession("Invoices are sent monthly.");
    trips.length = 0;
    const billing = () => trips.filter((x) => /from "billing_accounts"/i.test(x.sql));
    const v = await joinVisitor(s);
    // no message yet: only the hello can have asked
    await eventually(
      async () => billing().length,
      (n) => n === 1,
    );
    v.send({ type: "msg", cid: "m1", text: "When are invoices sent each month?" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    // the lease read at hello serves the first message: no second billing read
    expect(billing().length, JSON.stringify(trips)).toBe(1);
    v.close();
  });

  it("the answerer reads the bot and the answer cache in one round trip once it has seen the bot", async () => {
    // the real answerer (afterEach resets it): a grounded answer, stored in the cache
    const t = await makeTenant();
    await addTextSource(t, "Pelican backups", "Pelican backups run every 6 hours and are kept for 30 days.");
    const question = "How often do Pelican backups run?";
    const first = await newSession(t);
    const v1 = await joinVisitor(first);
    v1.send({ type: "msg", cid: "q1", text: question });
    await v1.waitFor((f) => f.type === "msg" && f.role === "ai");
    v1.close();
    countOnly();
    const s = await newSession(t);
    counted = s.conversationId;
    const v = await joinVisitor(s);
    trips.length = 0;
    v.send({ type: "msg", cid: "q2", text: question });
    const answer = await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    expect(answer.text).toMatch(/6 hours/);
    const lookups = trips.filter((x) => /answer_cache/i.test(x.sql));
    // one look-up, in the same batch as the bot's row; no look-up on its own
    expect(lookups.length, JSON.stringify(trips)).toBe(1);
    expect(lookups[0]!.kind).toBe("batch");
    expect(lookups[0]!.sql).toMatch(/from "bots"/i);
    v.close();
  });

  it("triages caller words once: asked before their transcript is stored, then stored", async () => {
    countOnly();
    const t = await makeTenant();
    const conversationId = `conv_${"0".repeat(10)}${crypto.randomUUID().replace(/-/g, "").slice(0, 16)}`;
    counted = conversationId;
    const room = roomStub(env.CONVERSATION_ROOM, t.tenantId, conversationId);
    await room.init({ tenantId: t.tenantId, conversationId, botId: t.botId, channel: "voice" });
    trips.length = 0;
    const words = "I would like to change the delivery address of my order";
    const early = await room.triageWords(words);
    const stored = await room.appendMessage({ role: "visitor", text: words, cid: "utt-1" });
    const again = await room.triageWords(words);
    expect(stored.triage).toEqual(early);
    expect(again).toEqual(early);
    // until the conversation has a category, each triage asks the category model, which reads the
    // tenant's model version first: one version read = one triage
    expect(early?.escalate).toBeNull();
    const triages = trips.filter((x) => /from "triage_versions"/i.test(x.sql));
    expect(triages.length, JSON.stringify(trips)).toBe(1);
  });
});
