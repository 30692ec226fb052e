import { describe, expect, it } from "vitest";
import { addMember, eventually, makeTenant, type TestTenant } from "../test/fixtures";
import { handoffPresenceText, withPresence } from "./presence";
import { apply, initialState } from "./room-state";
import { hubStub } from "./tenant-hub";
import { joinVisitor, newSession, openSocket } from "./test-client";
import { env } from "cloudflare:test";

/** A visitor asks for a person; returns the visitors' mode frame and the hand-off system message. */
async function handOff(t: TestTenant) {
  const v = await joinVisitor(await newSession(t));
  v.send({ type: "human" });
  const mode = await v.waitFor((f) => f.type === "mode");
  const msg = await v.waitFor((f) => f.type === "msg" && f.role === "system");
  v.close();
  return { mode, text: String(msg.text) };
}

const online = (t: TestTenant, want: boolean) =>
  eventually(
    () => hubStub(env.TENANT_HUB, t.tenantId).agentsOnline(t.tenantId),
    (v) => v === want,
  );

describe("presence-aware hand-off", () => {
  it("no one online: the mode frame says agents:false and the message offers email", async () => {
    const t = await makeTenant();
    const { mode, text } = await handOff(t);
    expect(mode).toMatchObject({ type: "mode", mode: "human", reason: "asked_for_human", agents: false });
    expect(text).toMatch(/No one from the team is online/);
  });

  it("an agent with the inbox open: agents:true and 'A teammate will join shortly'", async () => {
    const t = await makeTenant();
    const inbox = await openSocket(`/api/inbox/ws?token=${t.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    await online(t, true);
    const { mode, text } = await handOff(t);
    expect(mode).toMatchObject({ type: "mode", mode: "human", agents: true });
    expect(text).toMatch(/A teammate will join shortly/);
    // the agent leaves: the next hand-off offers email again
    inbox.close();
    await online(t, false);
    expect((await handOff(t)).mode.agents).toBe(false);
  });

  it("a viewer (cannot take conversations) does not count as an agent", async () => {
    const t = await makeTenant();
    const viewer = await addMember(t, "viewer");
    const inbox = await openSocket(`/api/inbox/ws?token=${viewer.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    expect(await hubStub(env.TENANT_HUB, t.tenantId).agentsOnline(t.tenantId)).toBe(false);
    expect((await handOff(t)).mode.agents).toBe(false);
    inbox.close();
  });

  it("another tenant's hub is never asked about this one", async () => {
    const t = await makeTenant();
    const other = await makeTenant("Other");
    const inbox = await openSocket(`/api/inbox/ws?token=${other.token}`);
    await inbox.waitFor((f) => f.type === "ready");
    // the other tenant's hub refuses a question naming a different tenant
    expect(await hubStub(env.TENANT_HUB, other.tenantId).agentsOnline(t.tenantId)).toBe(false);
    expect((await handOff(t)).mode.agents).toBe(false);
    inbox.close();
  });
});

describe("withPresence (pure)", () => {
  const s0 = initialState(0);
  it("rewrites only hand-offs to waiting, and only when presence is known", () => {
    const handoff = apply(s0, { type: "handoff", reason: "low_confidence" }, 1);
    expect(withPresence(handoff, undefined)).toBe(handoff);
    const yes = withPresence(handoff, true);
    expect(yes.out.mode).toEqual({ mode: "human", reason: "low_confidence", agents: true });
    expect(yes.out.system).toBe(handoffPresenceText("low_confidence", true));
    expect(yes.out.system).toMatch(/^I'm not sure about this one.*A teammate will join shortly/);
    expect(withPresence(handoff, false).out.system).toMatch(/Leave your email/);
    const close = apply(s0, { type: "close" }, 1);
    expect(withPresence(close, false)).toBe(close);
  });
});
