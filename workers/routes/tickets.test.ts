import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { AnswerEvent, StreamAnswer } from "../domain/knowledge/answer-types";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { hubStub } from "../rooms/tenant-hub";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

/**
 * The triage routes: tickets, categories, escalation policy, SLA, routing rules, presence, drafts,
 * summaries and category corrections. Happy paths, 400 with errors, 401, 403 for roles without
 * the permission, and another tenant's ids answering 404 with nothing changed.
 */
const answer: StreamAnswer = async function* (): AsyncIterable<AnswerEvent> {
  yield {
    type: "done",
    answer: "Let me check that for you.",
    sources: [],
    confidence: 0.9,
    handoff: false,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

/** A conversation with one visitor message, its D1 copy flushed. */
async function conversation(t: TestTenant, text: string) {
  const s = await newSession(t);
  const v = await joinVisitor(s);
  v.send({ type: "msg", cid: "m1", text });
  await v.waitFor((f) => (f.type === "msg" && f.role === "ai") || f.type === "mode");
  await eventually(
    () =>
      call(`/api/conversations/${s.conversationId}/messages`, { token: t.token }).then(async (r) =>
        r.status === 200 ? ((await r.json()) as { data: unknown[] }).data.length : 0,
      ),
    (n) => n >= 2,
  );
  return { id: s.conversationId, v };
}

type Fx = {
  a: TestTenant;
  convA: string;
  convA2: string;
  ticketA: string;
  catA: string;
  exampleA: number;
  ruleA: number;
  b: TestTenant;
  convB: string;
  catB: string;
  ticketB: string;
};
let f: Fx;

beforeAll(async () => {
  setRoomAnswererForTesting(answer);
  const a = await makeTenant("Alpha");
  const b = await makeTenant("Beta");
  const cat = await expectJson(
    call("/api/categories", {
      method: "POST",
      token: a.token,
      json: {
        name: "Billing",
        priority: "high",
        examples: ["I was charged twice", "refund my invoice", "wrong amount on my bill"],
      },
    }),
    201,
  );
  await expectJson(
    call("/api/categories", {
      method: "POST",
      token: a.token,
      json: { name: "Login", examples: ["I can't log in", "reset my password", "account locked out"] },
    }),
    201,
  );
  const catB = await expectJson(
    call("/api/categories", { method: "POST", token: b.token, json: { name: "Other", examples: ["something else"] } }),
    201,
  );
  const member = await addMember(a, "agent");
  const rule = await expectJson(
    call("/api/triage/routing-rules", {
      method: "POST",
      token: a.token,
      json: { categoryId: cat.id, target: { type: "agent", userId: member.userId } },
    }),
    201,
  );
  const c1 = await conversation(a, "I was charged twice on my invoice, please refund. Can I talk to a human?");
  const t1 = await eventually(
    () => expectJson(call(`/api/tickets?conversationId=${c1.id}`, { token: a.token }), 200),
    (x) => x.data.length === 1,
  );
  const c2 = await conversation(a, "How do I reset my password?");
  const cB = await conversation(b, "Hello, a question about something else. Can I talk to a human?");
  const tB = await eventually(
    () => expectJson(call(`/api/tickets?conversationId=${cB.id}`, { token: b.token }), 200),
    (x) => x.data.length === 1,
  );
  f = {
    a,
    convA: c1.id,
    convA2: c2.id,
    ticketA: t1.data[0].id,
    catA: cat.id,
    exampleA: cat.examples[0].id,
    ruleA: rule.id,
    b,
    convB: cB.id,
    catB: catB.id,
    ticketB: tB.data[0].id,
  };
}, 60_000);
afterAll(() => setRoomAnswererForTesting());

describe("tickets", () => {
  it("escalation opened a ticket with category priority, SLA, routing and events", async () => {
    const t = await expectJson(call(`/api/tickets/${f.ticketA}`, { token: f.a.token }), 200);
    expect(t).toMatchObject({
      conversationId: f.convA,
      status: "open",
      priority: "high",
      categoryId: f.catA,
      source: "escalation",
      escalationReason: "asked_for_human",
    });
    expect(t.assigneeId).toMatch(/^usr_/);
    const due = new Date(t.sla.firstResponseDueAt).getTime() - new Date(t.createdAt).getTime();
    expect(due).toBe(60 * 60_000);
    expect(t.events.map((e: { kind: string }) => e.kind)).toEqual(["created", "routed"]);
  });

  it("a ticket opened before the classifier labelled the conversation takes its category and priority floor later", async () => {
    const t = await makeTenant("Late label");
    const cat = await expectJson(
      call("/api/categories", {
        method: "POST",
        token: t.token,
        json: {
          name: "Billing",
          priority: "urgent",
          examples: ["I was charged twice", "refund my invoice", "wrong amount on my bill"],
        },
      }),
      201,
    );
    await expectJson(
      call("/api/categories", {
        method: "POST",
        token: t.token,
        json: { name: "Login", examples: ["I can't log in", "reset my password", "account locked out"] },
      }),
      201,
    );
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "human" }); // before writing anything: nothing to classify yet
    await v.waitFor((x) => x.type === "mode");
    const list = await eventually(
      () => expectJson(call(`/api/tickets?conversationId=${s.conversationId}`, { token: t.token }), 200),
      (x) => x.data.length === 1,
    );
    expect(list.data[0]).toMatchObject({ categoryId: null, priority: "normal" });
    v.send({ type: "msg", cid: "m1", text: "I was charged twice on my invoice, please refund" });
    const ticket = await eventually(
      () => expectJson(call(`/api/tickets/${list.data[0].id}`, { token: t.token }), 200),
      (x) => x.categoryId !== null,
    );
    expect(ticket).toMatchObject({ categoryId: cat.id, priority: "urgent" });
    expect(ticket.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(["category", "priority"]),
    );
    v.close();
  });

  it("tells the tenant's live feed when a ticket is opened or changes, and nobody else's", async () => {
    const t = await makeTenant("Feed");
    const other = await makeTenant("Feed other");
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "human" });
    const hub = hubStub(env.TENANT_HUB, t.tenantId);
    const ticketEvents = async () => (await hub.recent(t.tenantId)).filter((e) => e.type === "ticket.changed");
    const opened = await eventually(ticketEvents, (e) => e.length === 1);
    expect(opened[0]).toMatchObject({
      type: "ticket.changed",
      conversationId: s.conversationId,
      status: "open",
      priority: "normal",
    });
    const id = (opened[0] as { ticketId: string }).ticketId;
    await expectJson(call(`/api/tickets/${id}`, { method: "PATCH", token: t.token, json: { priority: "high" } }), 200);
    expect((await ticketEvents()).at(-1)).toMatchObject({ ticketId: id, priority: "high" });
    // a PATCH that changes nothing says nothing
    await expectJson(call(`/api/tickets/${id}`, { method: "PATCH", token: t.token, json: { priority: "high" } }), 200);
    expect(await ticketEvents()).toHaveLength(2);
    expect(
      (await hubStub(env.TENANT_HUB, other.tenantId).recent(other.tenantId)).filter((e) => e.type === "ticket.changed"),
    ).toEqual([]);
    v.close();
  });

  it("an operator opens a ticket; a second one for the same conversation is 409", async () => {
    const sla = await expectJson(
      call("/api/triage/sla", {
        method: "PATCH",
        token: f.a.token,
        json: { low: { firstResponseMinutes: 30, resolutionMinutes: 600 } },
      }),
      200,
    );
    expect(sla.low).toEqual({ firstResponseMinutes: 30, resolutionMinutes: 600 });
    const t = await expectJson(
      call("/api/tickets", {
        method: "POST",
        token: f.a.token,
        json: { conversationId: f.convA2, priority: "low", subject: "Password help" },
      }),
      201,
    );
    expect(t).toMatchObject({
      conversationId: f.convA2,
      priority: "low",
      subject: "Password help",
      source: "operator",
      status: "open",
    });
    expect(new Date(t.sla.firstResponseDueAt).getTime() - new Date(t.createdAt).getTime()).toBe(30 * 60_000);
    await expectJson(
      call("/api/tickets", { method: "POST", token: f.a.token, json: { conversationId: f.convA2 } }),
      409,
    );

    const low = await expectJson(call("/api/tickets?priority=low", { token: f.a.token }), 200);
    expect(low.data.map((x: { id: string }) => x.id)).toEqual([t.id]);
    const unassigned = await expectJson(
      call("/api/tickets?assigneeId=none&status=open,pending", { token: f.a.token }),
      200,
    );
    expect(unassigned.data.map((x: { id: string }) => x.id)).toContain(t.id);
    const page = await expectJson(call("/api/tickets?limit=1", { token: f.a.token }), 200);
    expect(page.data).toHaveLength(1);
    const next = await expectJson(call(`/api/tickets?limit=1&cursor=${page.nextCursor}`, { token: f.a.token }), 200);
    expect(next.data[0].id).not.toBe(page.data[0].id);
  });

  it("PATCH changes status, priority (due times follow) and category (a correction), with events", async () => {
    const before = await expectJson(call(`/api/tickets/${f.ticketA}`, { token: f.a.token }), 200);
    const loginCat = (await expectJson(call("/api/categories", { token: f.a.token }), 200)).data.find(
      (c: { name: string }) => c.name === "Login",
    );
    const after = await expectJson(
      call(`/api/tickets/${f.ticketA}`, {
        method: "PATCH",
        token: f.a.token,
        json: { status: "pending", priority: "urgent", categoryId: loginCat.id },
      }),
      200,
    );
    expect(after).toMatchObject({ status: "pending", priority: "urgent", categoryId: loginCat.id });
    expect(after.sla.firstRespondedAt).not.toBeNull();
    expect(new Date(after.sla.firstResponseDueAt).getTime()).toBeLessThan(
      new Date(before.sla.firstResponseDueAt).getTime(),
    );
    expect(after.events.map((e: { kind: string }) => e.kind)).toEqual(
      expect.arrayContaining(["status", "priority", "category"]),
    );
    const cat = await expectJson(call(`/api/categories/${loginCat.id}`, { token: f.a.token }), 200);
    expect(cat.examples.map((e: { source: string }) => e.source)).toContain("correction");
    const triage = await expectJson(call(`/api/conversations/${f.convA}/triage`, { token: f.a.token }), 200);
    expect(triage).toMatchObject({ categoryId: loginCat.id, categorySource: "operator" });

    await expectJson(
      call(`/api/tickets/${f.ticketA}`, { method: "PATCH", token: f.a.token, json: { status: "closed" } }),
      200,
    );
    const reopen = await expectJson(
      call(`/api/tickets/${f.ticketA}`, { method: "PATCH", token: f.a.token, json: { status: "open" } }),
      409,
    );
    expect(reopen.code).toBe("CONFLICT");
  });

  it("an agent's reply in the room records the live ticket's first response at once", async () => {
    const stored = () =>
      env.DB.prepare("SELECT first_responded_at AS at FROM tickets WHERE id = ?")
        .bind(f.ticketB)
        .first<{ at: number | null }>();
    expect((await stored())?.at).toBeNull();
    const op = await joinOperator(f.convB, f.b.token);
    op.send({ type: "takeover" });
    await op.waitFor((x) => x.type === "mode");
    op.send({ type: "msg", cid: "a1", text: "Hi, I am here to help." });
    const ack = await op.waitFor((x) => x.type === "msg" && x.cid === "a1");
    const row = await eventually(stored, (r) => typeof r?.at === "number");
    expect(row?.at).toBe(new Date(ack.at).getTime());
    op.close();
  });

  it("closing the conversation solves its ticket and assigns it to whoever handled it", async () => {
    // a tenant of its own: the isolation tests count tenant b's tickets
    const g = await makeTenant("Gamma");
    const c = await conversation(g, "My parcel never arrived. Can I talk to a human?");
    const open = await eventually(
      () => expectJson(call(`/api/tickets?conversationId=${c.id}`, { token: g.token }), 200),
      (x) => x.data.length === 1,
    );
    expect(open.data[0]).toMatchObject({ status: "open", assigneeId: null });
    const op = await joinOperator(c.id, g.token);
    op.send({ type: "close" });
    await op.waitFor((x) => x.type === "mode" && x.mode === "closed");
    const t = await eventually(
      () => expectJson(call(`/api/tickets/${open.data[0].id}`, { token: g.token }), 200),
      (x) => x.status === "solved",
    );
    expect(t).toMatchObject({ status: "solved", assigneeId: g.userId });
    expect(t.sla.solvedAt).toEqual(expect.any(String));
    expect(t.events.map((e: { kind: string; actor: string }) => [e.kind, e.actor]).slice(-2)).toEqual([
      ["status", g.userId],
      ["assignee", g.userId],
    ]);
    op.close();
    c.v.close();
  });

  it("drafts a reply and summarises the conversation", async () => {
    const d = await expectJson(call(`/api/conversations/${f.convA2}/draft`, { method: "POST", token: f.a.token }), 200);
    expect(typeof d.draft).toBe("string");
    expect(d.draft.length).toBeGreaterThan(0);
    expect(d).toMatchObject({ conversationId: f.convA2, replyingTo: 1 });
    const s = await expectJson(call(`/api/tickets/${f.ticketB}/summary`, { method: "POST", token: f.b.token }), 200);
    expect(s.summary).toContain("a question about something else");
    expect(s.parts.sentiment).toBe("calm");
  });

  it("grounds the operator tools on the problem: the ticket subject, the summary and the draft skip greetings and 'a human please'", async () => {
    const g = await makeTenant("Delta");
    const s = await newSession(g);
    const v = await joinVisitor(s);
    const say = async (cid: string, text: string) => {
      v.send({ type: "msg", cid, text });
      await v.waitFor((f) => f.type === "msg" && f.cid === cid);
    };
    await say("g1", "Hi there!");
    await say("g2", "My invoice for March shows the wrong amount");
    await say("g3", "Can I talk to a human?");
    const msgs = await eventually(
      () => expectJson(call(`/api/conversations/${s.conversationId}/messages`, { token: g.token }), 200),
      (x) => x.data.filter((m: { role: string }) => m.role === "visitor").length === 3,
    );
    const invoice = msgs.data.find((m: { text: string }) => m.text.startsWith("My invoice"));
    const ticket = await eventually(
      () => expectJson(call(`/api/tickets?conversationId=${s.conversationId}`, { token: g.token }), 200),
      (x) => x.data.length === 1,
    );
    expect(ticket.data[0].subject).toBe("My invoice for March shows the wrong amount");
    const sum = await expectJson(
      call(`/api/conversations/${s.conversationId}/summary`, { method: "POST", token: g.token }),
      200,
    );
    expect(sum.summary).toMatch(/^The customer wrote: "My invoice for March shows the wrong amount"/);
    // the latest message only asks for a person (the operator is one): the draft answers the invoice question
    const d = await expectJson(
      call(`/api/conversations/${s.conversationId}/draft`, { method: "POST", token: g.token }),
      200,
    );
    expect(d.replyingTo).toBe(invoice.seq);
    v.close();

    // a visitor who has only asked for a person: nothing to draft yet
    const lone = await newSession(g);
    const w = await joinVisitor(lone);
    w.send({ type: "msg", cid: "a1", text: "agent please" });
    await w.waitFor((f) => f.type === "msg" && f.cid === "a1");
    await eventually(
      () => expectJson(call(`/api/conversations/${lone.conversationId}/messages`, { token: g.token }), 200),
      (x) => x.data.some((m: { role: string }) => m.role === "visitor"),
    );
    const none = await expectJson(
      call(`/api/conversations/${lone.conversationId}/draft`, { method: "POST", token: g.token }),
      409,
    );
    expect(none.detail).toMatch(/only asked for a person/);
    w.close();
  });

  it("validates input with 400 and field errors", async () => {
    const bad: [string, string, unknown][] = [
      ["POST", "/api/tickets", {}],
      ["POST", "/api/tickets", { conversationId: f.convA, priority: "asap" }],
      ["PATCH", `/api/tickets/${f.ticketA}`, {}],
      ["PATCH", `/api/tickets/${f.ticketA}`, { status: "archived" }],
      ["POST", "/api/categories", { name: "" }],
      ["POST", "/api/categories", { name: "x", examples: ["ok", 3] }],
      ["POST", `/api/categories/${f.catA}/examples`, { examples: [] }],
      ["PATCH", `/api/triage/policies/${f.a.botId}`, { frustrationThreshold: 2 }],
      ["PATCH", `/api/triage/policies/${f.a.botId}`, { bogus: true }],
      ["PATCH", "/api/triage/sla", { urgent: { firstResponseMinutes: 0, resolutionMinutes: 10 } }],
      ["PATCH", "/api/triage/sla", { high: { firstResponseMinutes: 100, resolutionMinutes: 10 } }],
      ["POST", "/api/triage/routing-rules", { target: { type: "robot" } }],
      ["PUT", "/api/triage/presence/me", { status: "busy" }],
      ["PUT", `/api/conversations/${f.convA}/category`, {}],
    ];
    for (const [method, path, json] of bad) {
      const body = await expectJson(call(path, { method, token: f.a.token, json }), 400);
      expect(body.code, `${method} ${path}`).toBe("INVALID_REQUEST");
      expect(body.errors?.length, `${method} ${path} ${JSON.stringify(body)}`).toBeGreaterThan(0);
    }
    const q = await expectJson(call("/api/tickets?status=nope", { token: f.a.token }), 400);
    expect(q.errors.length).toBeGreaterThan(0);
  });
});

describe("openapi", () => {
  it("documents the triage routes", async () => {
    const doc = await expectJson(call("/api/openapi.json"), 200);
    for (const path of [
      "/api/tickets",
      "/api/tickets/{id}",
      "/api/categories",
      "/api/triage/policies/{botId}",
      "/api/triage/routing-rules",
      "/api/conversations/{id}/draft",
    ]) {
      expect(Object.keys(doc.paths), path).toContain(path);
    }
  });
});

describe("categories and settings", () => {
  it("creates, classifies, edits and deletes categories; duplicates are 409", async () => {
    const c = await expectJson(
      call("/api/categories", {
        method: "POST",
        token: f.b.token,
        json: { name: "Shipping", examples: ["where is my parcel", "my order has not arrived", "delivery is late"] },
      }),
      201,
    );
    expect(c).toMatchObject({ name: "Shipping", exampleCount: 3, priority: null });
    await expectJson(call("/api/categories", { method: "POST", token: f.b.token, json: { name: "Shipping" } }), 409);
    const p = await expectJson(
      call("/api/categories/classify", {
        method: "POST",
        token: f.b.token,
        json: { text: "my parcel has not arrived yet" },
      }),
      200,
    );
    expect(p).toMatchObject({ categoryId: c.id, name: "Shipping" });
    const more = await expectJson(
      call(`/api/categories/${c.id}/examples`, {
        method: "POST",
        token: f.b.token,
        json: { examples: ["tracking number please", "where is my parcel"] },
      }),
      200,
    );
    expect(more.exampleCount).toBe(4);
    const patched = await expectJson(
      call(`/api/categories/${c.id}`, {
        method: "PATCH",
        token: f.b.token,
        json: { priority: "urgent", description: "parcels" },
      }),
      200,
    );
    expect(patched).toMatchObject({ priority: "urgent", description: "parcels" });
    expect(
      (await call(`/api/categories/${c.id}/examples/${more.examples[0].id}`, { method: "DELETE", token: f.b.token }))
        .status,
    ).toBe(204);
    const rule = await expectJson(
      call("/api/triage/routing-rules", {
        method: "POST",
        token: f.b.token,
        json: { categoryId: c.id, target: { type: "agent", userId: f.b.userId } },
      }),
      201,
    );
    expect((await call(`/api/categories/${c.id}`, { method: "DELETE", token: f.b.token })).status).toBe(204);
    await expectJson(call(`/api/categories/${c.id}`, { token: f.b.token }), 404);
    // its routing rules went with it
    const rules = await expectJson(call("/api/triage/routing-rules", { token: f.b.token }), 200);
    expect(rules.data.map((r: { id: number }) => r.id)).not.toContain(rule.id);
  });

  it("reads and changes a bot's escalation policy, SLA, routing rules and presence", async () => {
    const p0 = await expectJson(call(`/api/triage/policies/${f.b.botId}`, { token: f.b.token }), 200);
    expect(p0).toMatchObject({ enabled: true, askForHuman: true });
    const p1 = await expectJson(
      call(`/api/triage/policies/${f.b.botId}`, {
        method: "PATCH",
        token: f.b.token,
        json: { consecutiveNegative: 3, askForHuman: false },
      }),
      200,
    );
    expect(p1).toMatchObject({
      consecutiveNegative: 3,
      askForHuman: false,
      frustrationThreshold: p0.frustrationThreshold,
    });
    expect(await expectJson(call(`/api/triage/policies/${f.b.botId}`, { token: f.b.token }), 200)).toEqual(p1);
    const sla = await expectJson(call("/api/triage/sla", { token: f.b.token }), 200);
    expect(sla.urgent).toEqual({ firstResponseMinutes: 15, resolutionMinutes: 240 });
    const agent = await addMember(f.b, "agent");
    const rule = await expectJson(
      call("/api/triage/routing-rules", {
        method: "POST",
        token: f.b.token,
        json: { target: { type: "team", name: "tier1", userIds: [agent.userId] }, minPriority: "high" },
      }),
      201,
    );
    expect(rule).toMatchObject({
      categoryId: null,
      minPriority: "high",
      target: { type: "team", name: "tier1", userIds: [agent.userId] },
      maxOpenPerAgent: 10,
    });
    expect(
      (await expectJson(call("/api/triage/routing-rules", { token: f.b.token }), 200)).data.map(
        (r: { id: number }) => r.id,
      ),
    ).toContain(rule.id);
    const me = await expectJson(
      call("/api/triage/presence/me", { method: "PUT", token: agent.token, json: { status: "online" } }),
      200,
    );
    expect(me).toMatchObject({ userId: agent.userId, status: "online", online: true });
    expect((await expectJson(call("/api/triage/presence", { token: f.b.token }), 200)).data).toEqual([
      expect.objectContaining({ userId: agent.userId, online: true }),
    ]);
    expect((await call(`/api/triage/routing-rules/${rule.id}`, { method: "DELETE", token: f.b.token })).status).toBe(
      204,
    );
  });
});

describe("auth", () => {
  const routes: [string, (x: Fx) => string, unknown?][] = [
    ["GET", () => "/api/tickets"],
    ["POST", (x) => `/api/tickets`, { conversationId: "conv_x" }],
    ["GET", (x) => `/api/tickets/${x.ticketA}`],
    ["PATCH", (x) => `/api/tickets/${x.ticketA}`, { status: "solved" }],
    ["POST", (x) => `/api/tickets/${x.ticketA}/draft`],
    ["GET", () => "/api/categories"],
    ["POST", () => "/api/categories", { name: "Nope" }],
    ["PATCH", (x) => `/api/categories/${x.catA}`, { name: "Nope" }],
    ["PATCH", (x) => `/api/triage/policies/${x.a.botId}`, { enabled: false }],
    ["PATCH", () => "/api/triage/sla", { low: { firstResponseMinutes: 1, resolutionMinutes: 2 } }],
    ["POST", () => "/api/triage/routing-rules", { target: { type: "agent", userId: "usr_x" } }],
    ["PUT", () => "/api/triage/presence/me", { status: "online" }],
    ["POST", (x) => `/api/conversations/${x.convA}/draft`],
    ["PUT", (x) => `/api/conversations/${x.convA}/category`, { categoryId: "cat_x" }],
  ];
  it("answers 401 without credentials on every triage route", async () => {
    for (const [method, path, json] of routes) {
      const res = await call(path(f), { method, json });
      expect(res.status, `${method} ${path(f)}`).toBe(401);
    }
  });

  it("answers 403 to a viewer's writes (and to an agent's settings changes), changing nothing", async () => {
    const viewer = await addMember(f.a, "viewer");
    const agent = await addMember(f.a, "agent");
    const before = await snapshot(f.a.tenantId);
    for (const [method, path, json] of routes.filter(([m]) => m !== "GET")) {
      const res = await call(path(f), { method, json, token: viewer.token });
      expect(res.status, `${method} ${path(f)} ${await res.clone().text()}`).toBe(403);
    }
    for (const [method, path, json] of routes
      .filter(([, p]) => /categories|policies|sla|routing/.test(p(f)) && true)
      .filter(([m]) => m !== "GET")) {
      const res = await call(path(f), { method, json, token: agent.token });
      expect(res.status, `agent ${method} ${path(f)}`).toBe(403);
    }
    expect(await snapshot(f.a.tenantId)).toEqual(before);
    // viewers may read
    await expectJson(call("/api/tickets", { token: viewer.token }), 200);
    await expectJson(call(`/api/tickets/${f.ticketA}`, { token: viewer.token }), 200);
  });
});

const TABLES = [
  "tickets",
  "ticket_events",
  "categories",
  "category_examples",
  "routing_rules",
  "escalation_policies",
  "sla_targets",
  "conversation_triage",
  "agent_presence",
];
async function snapshot(tenantId: string) {
  const out: Record<string, unknown> = {};
  for (const t of TABLES)
    out[t] = (await env.DB.prepare(`select * from ${t} where tenant_id = ? order by 1`).bind(tenantId).all()).results;
  return out;
}

describe("tenant isolation", () => {
  const cases: [string, string, (x: Fx) => string, ((x: Fx) => unknown)?][] = [
    ["read ticket", "GET", (x) => `/api/tickets/${x.ticketA}`],
    ["update ticket", "PATCH", (x) => `/api/tickets/${x.ticketA}`, () => ({ status: "solved" })],
    ["draft for ticket", "POST", (x) => `/api/tickets/${x.ticketA}/draft`],
    ["summary of ticket", "POST", (x) => `/api/tickets/${x.ticketA}/summary`],
    ["open ticket on their conversation", "POST", () => "/api/tickets", () => ({ conversationId: f.convA2 })],
    ["read category", "GET", (x) => `/api/categories/${x.catA}`],
    ["update category", "PATCH", (x) => `/api/categories/${x.catA}`, () => ({ name: "pwned" })],
    ["delete category", "DELETE", (x) => `/api/categories/${x.catA}`],
    ["add examples", "POST", (x) => `/api/categories/${x.catA}/examples`, () => ({ examples: ["pwned"] })],
    ["delete example", "DELETE", (x) => `/api/categories/${x.catA}/examples/${x.exampleA}`],
    ["delete routing rule", "DELETE", (x) => `/api/triage/routing-rules/${x.ruleA}`],
    ["read policy", "GET", (x) => `/api/triage/policies/${x.a.botId}`],
    ["update policy", "PATCH", (x) => `/api/triage/policies/${x.a.botId}`, () => ({ enabled: false })],
    ["draft in conversation", "POST", (x) => `/api/conversations/${x.convA}/draft`],
    ["summary of conversation", "POST", (x) => `/api/conversations/${x.convA}/summary`],
    ["read conversation triage", "GET", (x) => `/api/conversations/${x.convA}/triage`],
    [
      "correct their conversation",
      "PUT",
      (x) => `/api/conversations/${x.convA}/category`,
      () => ({ categoryId: f.catB }),
    ],
    [
      "label own conversation with their category",
      "PUT",
      (x) => `/api/conversations/${x.convB}/category`,
      () => ({ categoryId: f.catA }),
    ],
    ["set their category on own ticket", "PATCH", (x) => `/api/tickets/${x.ticketB}`, () => ({ categoryId: f.catA })],
    [
      "route own tickets to their category",
      "POST",
      () => "/api/triage/routing-rules",
      () => ({ categoryId: f.catA, target: { type: "agent", userId: f.b.userId } }),
    ],
    [
      "route own tickets to their member",
      "POST",
      () => "/api/triage/routing-rules",
      () => ({ target: { type: "agent", userId: f.a.userId } }),
    ],
  ];
  it.each(cases)("%s answers 404 and changes nothing", async (_name, method, path, json) => {
    const beforeA = await snapshot(f.a.tenantId);
    const beforeB = await snapshot(f.b.tenantId);
    const body = await expectJson(call(path(f), { method, token: f.b.token, json: json?.(f) }), 404);
    expect(body.code).toBe("NOT_FOUND");
    expect(await snapshot(f.a.tenantId)).toEqual(beforeA);
    expect(await snapshot(f.b.tenantId)).toEqual(beforeB);
  });

  it("lists only the caller's tickets and categories", async () => {
    const t = await expectJson(call("/api/tickets", { token: f.b.token }), 200);
    expect(t.data.map((x: { id: string }) => x.id)).toEqual([f.ticketB]);
    const c = await expectJson(call("/api/categories", { token: f.b.token }), 200);
    expect(c.data.map((x: { id: string }) => x.id)).not.toContain(f.catA);
  });
});
