import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AnswerEvent, AnswerInput, StreamAnswer } from "../domain/knowledge/answer-types";
import { setRoomAnswererForTesting } from "../rooms/room-ctx";
import { setRoomClockForTesting } from "../rooms/room-clock";
import { joinOperator, joinVisitor, newSession } from "../rooms/test-client";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";

vi.setConfig({ testTimeout: 60_000 });

/**
 * Business hours (issue 16): the settings route (`/api/settings/business-hours`, settings:read and
 * settings:write, validated, per tenant) and the summary's business-hours twins, from a conversation
 * played over a weekend with the room's test clock. Expected values are worked out by hand.
 */

const H = 3_600_000;
const MIN = 60_000;
const PARIS_WEEKDAYS = ["mon", "tue", "wed", "thu", "fri"].map((day) => ({ day, start: "09:00", end: "17:00" }));
const path = "/api/settings/business-hours";

const put = (token: string, json: unknown) => call(path, { method: "PUT", token, json });

describe("PUT/GET/DELETE /api/settings/business-hours", () => {
  it("stores a valid setting, refuses bad input with a clear message and changes nothing", async () => {
    const t = await makeTenant("Hours");
    expect(await expectJson(call(path, { token: t.token }), 200)).toEqual({ businessHours: null });

    const saved = await expectJson(
      put(t.token, {
        timezone: "Europe/Paris",
        // out of order on purpose: stored by weekday and start
        intervals: [{ day: "tue", start: "13:00", end: "17:00" }, ...PARIS_WEEKDAYS.slice(0, 1)],
        holidays: ["2026-12-25", "2026-12-24", "2026-12-25"],
      }),
      200,
    );
    expect(saved.businessHours).toMatchObject({
      timezone: "Europe/Paris",
      intervals: [
        { day: "mon", start: "09:00", end: "17:00" },
        { day: "tue", start: "13:00", end: "17:00" },
      ],
      holidays: ["2026-12-24", "2026-12-25"],
    });
    const before = await expectJson(call(path, { token: t.token }), 200);
    expect(before).toEqual(saved);

    const refused: [unknown, string][] = [
      [{ timezone: "Europe/Atlantis", intervals: PARIS_WEEKDAYS }, "timezone"],
      [
        {
          timezone: "Europe/Paris",
          intervals: [
            { day: "mon", start: "09:00", end: "12:00" },
            { day: "mon", start: "11:00", end: "18:00" },
          ],
        },
        "intervals.1",
      ],
      [{ timezone: "Europe/Paris", intervals: [{ day: "mon", start: "18:00", end: "09:00" }] }, "intervals.0.end"],
      [{ timezone: "Europe/Paris", intervals: [{ day: "mon", start: "09:00", end: "24:30" }] }, "intervals.0.end"],
      [{ timezone: "Europe/Paris", intervals: PARIS_WEEKDAYS, holidays: ["2026-13-01"] }, "holidays.0"],
      [{ timezone: "Europe/Paris", intervals: [] }, "intervals"],
    ];
    for (const [body, at] of refused) {
      const p = await expectJson(put(t.token, body), 400);
      expect(p.code).toBe("INVALID_REQUEST");
      expect(
        p.errors.map((e: { path: string }) => e.path),
        JSON.stringify(p),
      ).toContain(at);
    }
    const overlap = await expectJson(
      put(t.token, {
        timezone: "Europe/Paris",
        intervals: [
          { day: "mon", start: "09:00", end: "12:00" },
          { day: "mon", start: "11:00", end: "18:00" },
        ],
      }),
      400,
    );
    expect(overlap.errors[0].message).toBe("mon 11:00–18:00 overlaps mon 09:00–12:00");
    expect(await expectJson(call(path, { token: t.token }), 200)).toEqual(before);

    // the change is audited
    const audit = await expectJson(call("/api/audit?action=settings.business_hours_changed", { token: t.token }), 200);
    expect(audit.data).toHaveLength(1);

    // DELETE removes it; analytics stops reporting twins
    expect(await expectJson(call(path, { method: "DELETE", token: t.token }), 200)).toEqual({ businessHours: null });
    expect(await expectJson(call(path, { token: t.token }), 200)).toEqual({ businessHours: null });
  });

  it("needs settings:write to change and settings:read to read; another tenant never sees or changes it", async () => {
    const t = await makeTenant("HoursPerm");
    const other = await makeTenant("HoursOther");
    const body = { timezone: "America/New_York", intervals: PARIS_WEEKDAYS };
    const agent = await addMember(t, "agent");
    const viewer = await addMember(t, "viewer");
    for (const who of [agent, viewer]) {
      expect((await expectJson(put(who.token, body), 403)).code).toBe("FORBIDDEN");
      await expectJson(call(path, { method: "DELETE", token: who.token }), 403);
      await expectJson(call(path, { token: who.token }), 403);
    }
    await expectJson(call(path), 401);
    expect(await expectJson(call(path, { token: t.token }), 200)).toEqual({ businessHours: null });
    const admin = await addMember(t, "admin");
    await expectJson(put(admin.token, body), 200);
    // the other workspace: its own (empty) setting; its DELETE leaves t's alone
    expect(await expectJson(call(path, { token: other.token }), 200)).toEqual({ businessHours: null });
    await expectJson(call(path, { method: "DELETE", token: other.token }), 200);
    expect((await expectJson(call(path, { token: t.token }), 200)).businessHours.timezone).toBe("America/New_York");
  });
});

/** Abstains (and hands off) on "wire transfer", answers anything else. */
const scripted: StreamAnswer = async function* (_ctx, input: AnswerInput): AsyncIterable<AnswerEvent> {
  const abstain = input.question.toLowerCase().includes("wire transfer");
  const text = abstain ? "I'm not sure about that one." : "Here is how that works.";
  yield { type: "delta", text };
  yield {
    type: "done",
    answer: text,
    sources: [],
    confidence: abstain ? 0.1 : 0.9,
    handoff: abstain,
    timings: { retrieveMs: 0, generateMs: 0, totalMs: 0 },
  };
};

describe("summary in business hours", () => {
  let now = 0;
  let t: TestTenant;
  // Friday 6 November 2026, Paris is UTC+1
  const FRI_1620 = Date.UTC(2026, 10, 6, 15, 20);
  const FRI_1630 = Date.UTC(2026, 10, 6, 15, 30);
  const MON_0930 = Date.UTC(2026, 10, 9, 8, 30);
  const MON_1000 = Date.UTC(2026, 10, 9, 9, 0);
  const range = "from=2026-11-06&to=2026-11-09&tz=Europe/Paris";

  beforeAll(async () => {
    setRoomClockForTesting(() => now);
    setRoomAnswererForTesting(scripted);
    t = await makeTenant("HoursMetrics");
    // opened Friday 16:20 Paris, handed off 16:30, a person replies Monday 09:30 and closes at 10:00
    now = FRI_1620;
    const s = await newSession(t);
    const v = await joinVisitor(s);
    now = FRI_1630;
    v.send({ type: "msg", cid: "w1", text: "Can I pay by wire transfer?" });
    await v.waitFor((f) => f.type === "mode" && f.mode === "human");
    const op = await joinOperator(s.conversationId, t.token);
    now = MON_0930;
    op.send({ type: "msg", cid: "o1", text: "Yes, the IBAN is on your invoice." });
    await v.waitFor((f) => f.type === "msg" && f.role === "agent");
    now = MON_1000;
    op.send({ type: "close" });
    await v.waitFor((f) => f.type === "mode" && f.mode === "closed");
    v.close();
    op.close();
  });

  afterAll(() => {
    setRoomClockForTesting();
    setRoomAnswererForTesting();
  });

  const summary = () =>
    eventually(
      () => expectJson(call(`/api/analytics/summary?${range}`, { token: t.token }), 200),
      (s) => s.resolutions.total === 1 && s.firstResponseMs.count === 1,
      20_000,
    );

  it("is null without business hours; with them, response and resolution times skip nights and the weekend", async () => {
    const plain = await summary();
    // wall-clock times: Friday 16:30 → Monday 09:30 is 65 h
    expect(plain.firstResponseMs).toEqual({ p50: 65 * H, p90: 65 * H, count: 1 });
    expect(plain.resolutionTimeMs.p50).toBe(65 * H + 40 * MIN);
    expect(plain.businessHours).toBeNull();

    await expectJson(put(t.token, { timezone: "Europe/Paris", intervals: PARIS_WEEKDAYS }), 200);
    const s = await summary();
    // the wall-clock figures are unchanged
    expect(s.firstResponseMs).toEqual(plain.firstResponseMs);
    expect(s.businessHours).toEqual({
      timezone: "Europe/Paris",
      // Friday 16:30–17:00 + Monday 09:00–09:30
      timeToHumanMs: { p50: 1 * H, p90: 1 * H, count: 1 },
      firstResponseMs: { p50: 1 * H, p90: 1 * H, count: 1 },
      replyTimeMs: { p50: 1 * H, p90: 1 * H, count: 1 },
      // Friday 16:20–17:00 + Monday 09:00–10:00
      resolutionTimeMs: { p50: 1 * H + 40 * MIN, p90: 1 * H + 40 * MIN, count: 1 },
      sampled: false,
    });

    // Monday a holiday: only Friday's minutes count
    await expectJson(
      put(t.token, { timezone: "Europe/Paris", intervals: PARIS_WEEKDAYS, holidays: ["2026-11-09"] }),
      200,
    );
    const h = await summary();
    expect(h.businessHours.firstResponseMs.p50).toBe(30 * MIN);
    expect(h.businessHours.resolutionTimeMs.p50).toBe(40 * MIN);

    // the CSV carries the twins too
    const csv = await (await call(`/api/analytics/summary?${range}&format=csv`, { token: t.token })).text();
    expect(csv).toContain(`businessHours.firstResponseMs.p50,${30 * MIN}`);
  });
});
