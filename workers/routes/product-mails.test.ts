import { env } from "cloudflare:workers";
import { describe, expect, it, vi } from "vitest";
import { requestCtx } from "../compose";
import { mailQuotaWarning, MAX_TRANSCRIPTS_PER_HOUR } from "../domain/mail/product-mails";
import { joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

vi.setConfig({ testTimeout: 30_000 });

/** The product's own mails (issue 17): hand-off alert, quota warning hook, transcript on request. */

type OutboxMail = { to: string; subject: string; text: string; headers: Record<string, string> };
const outbox = async (t: TestTenant) =>
  (await expectJson<{ data: OutboxMail[] }>(call("/api/outbox", { token: t.token }), 200)).data;

describe("hand-off alert", () => {
  it("mails the agent routing assigned the escalated conversation; no rule, no mail", async () => {
    const t = await makeTenant("Alerts");
    const agent = await addMember(t, "agent");
    await expectJson(
      call("/api/triage/routing-rules", {
        method: "POST",
        token: t.token,
        json: { target: { type: "agent", userId: agent.userId } },
      }),
      201,
    );
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "My invoice is wrong and I am angry" });
    v.send({ type: "human" });
    const [alert] = await eventually(
      async () => (await outbox(t)).filter((m) => m.to === agent.email && /waiting for you/.test(m.subject)),
      (m) => m.length === 1,
    );
    expect(alert!.subject).toMatch(/A conversation is waiting for you$/);
    expect(alert!.text).toContain(`/app/inbox/${s.conversationId}`);
    expect(alert!.text).toContain("My invoice is wrong and I am angry");
    v.close();

    // a workspace without routing: the ticket waits unassigned in the shared queue, nobody is mailed
    const u = await makeTenant("NoRouting");
    const su = await newSession(u);
    const vu = await joinVisitor(su);
    vu.send({ type: "human" });
    await eventually(
      () => expectJson(call(`/api/tickets?conversationId=${su.conversationId}`, { token: u.token }), 200),
      (x) => x.data.length === 1,
    );
    expect((await outbox(u)).filter((m) => /waiting for you/.test(m.subject))).toEqual([]);
    vu.close();
  });
});

describe("quota warning hook", () => {
  it("mails owners and admins once per threshold crossed", async () => {
    const t = await makeTenant("Quota");
    const admin = await addMember(t, "admin");
    await addMember(t, "agent");
    const ctx = requestCtx(env, "req_test", "http://echo.test");
    const input = { tenantId: t.tenantId, meter: "AI answers", limit: 1000 };
    expect((await mailQuotaWarning(ctx, { ...input, previous: 700, used: 810 })).sort()).toEqual(
      [t.email, admin.email].sort(),
    );
    expect(await mailQuotaWarning(ctx, { ...input, previous: 810, used: 900 })).toEqual([]);
    expect((await mailQuotaWarning(ctx, { ...input, previous: 990, used: 1000 })).length).toBe(2);
    const subjects = (await outbox(t)).filter((m) => m.to === t.email).map((m) => m.subject);
    expect(subjects).toEqual([
      expect.stringMatching(/Quota reached: AI answers$/),
      expect.stringMatching(/81% of your quota used: AI answers$/),
    ]);
  });
});

describe("POST /api/widget/transcript", () => {
  it("mails the visitor their conversation, remembers the address, and is rate-limited", async () => {
    const t = await makeTenant("Transcript");
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hello there" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    v.close();
    const path = "/api/widget/transcript";
    const auth = { authorization: `Bearer ${s.token}` };
    expect((await call(path, { method: "POST", json: {} })).status).toBe(401);
    expect((await call(path, { method: "POST", json: {}, headers: { authorization: "Bearer nope" } })).status).toBe(
      401,
    );
    // no address known and none given
    expect((await expectJson(call(path, { method: "POST", json: {}, headers: auth }), 400)).code).toBe(
      "INVALID_REQUEST",
    );
    await expectJson(call(path, { method: "POST", json: { email: "not-an-address" }, headers: auth }), 400);
    expect(
      await expectJson(call(path, { method: "POST", json: { email: "vis@customer.test" }, headers: auth }), 202),
    ).toEqual({ to: "vis@customer.test" });
    const [mail] = (await outbox(t)).filter((m) => m.to === "vis@customer.test");
    expect(mail!.subject).toMatch(/^Your conversation with Transcript/);
    expect(mail!.text).toContain("You (");
    expect(mail!.text).toContain("Hello there");
    expect(mail!.text).toContain("Assistant (");
    // the address is now the visitor's: a later request cannot redirect the transcript elsewhere
    expect(
      await expectJson(call(path, { method: "POST", json: { email: "other@elsewhere.test" }, headers: auth }), 202),
    ).toEqual({ to: "vis@customer.test" });
    for (let i = 2; i < MAX_TRANSCRIPTS_PER_HOUR; i++)
      await expectJson(call(path, { method: "POST", json: {}, headers: auth }), 202);
    expect((await expectJson(call(path, { method: "POST", json: {}, headers: auth }), 429)).code).toBe("RATE_LIMITED");
    expect((await outbox(t)).filter((m) => m.to === "other@elsewhere.test")).toEqual([]);
  });
});
