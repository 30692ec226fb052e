import { describe, expect, it } from "vitest";
import { call, expectJson, makeTenant } from "../test/fixtures";

/** Issue 18: an account in several workspaces lists them and switches with new tokens. */
describe("workspace switching", async () => {
  const a = await makeTenant("SwitchA");
  const b = await makeTenant("SwitchB");
  const stranger = await makeTenant("SwitchC");
  // b's owner invites a's owner as an agent; a's owner accepts signed in
  const inv = await expectJson(
    call("/api/team/invitations", { method: "POST", token: b.token, json: { email: a.email, role: "agent" } }),
    201,
  );
  await expectJson(
    call("/api/auth/accept-invitation", { method: "POST", token: a.token, json: { token: inv.token } }),
    200,
  );

  it("lists the account's workspaces with its role in each", async () => {
    const w = await expectJson(call("/api/auth/workspaces", { token: a.token }), 200);
    expect(w.data.map((x: any) => [x.id, x.role]).sort()).toEqual(
      [
        [a.tenantId, "owner"],
        [b.tenantId, "agent"],
      ].sort(),
    );
    expect((await call("/api/auth/workspaces")).status).toBe(401);
  });

  it("switches: new tokens in the other workspace with the role held there", async () => {
    const s = await expectJson(
      call("/api/auth/switch", { method: "POST", token: a.token, json: { tenantId: b.tenantId } }),
      200,
    );
    expect(s).toMatchObject({ tenant: { id: b.tenantId }, role: "agent", user: { id: a.userId } });
    // the new token acts in b as an agent: reads conversations, may not manage keys
    const convs = await expectJson(call("/api/conversations", { token: s.accessToken }), 200);
    expect(Array.isArray(convs.data)).toBe(true);
    await expectJson(call("/api/keys", { token: s.accessToken }), 403);
  });

  it("refuses a workspace the account does not belong to (404) and bad input (400)", async () => {
    await expectJson(
      call("/api/auth/switch", { method: "POST", token: a.token, json: { tenantId: stranger.tenantId } }),
      404,
    );
    await expectJson(call("/api/auth/switch", { method: "POST", token: a.token, json: {} }), 400);
    await expectJson(call("/api/auth/switch", { method: "POST", json: { tenantId: b.tenantId } }), 401);
  });
});
