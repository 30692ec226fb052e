import { describe, expect, it } from "vitest";
import { addMember, call, expectJson, makeTenant } from "../test/fixtures";

/** Custom roles (issue 18): CRUD, nobody grants what they lack, and a member refused exactly where the role says. */
describe("roles built from permissions", async () => {
  const t = await makeTenant("Roles");
  const other = await makeTenant("OtherRoles");
  const admin = await addMember(t, "admin");
  const agent = await addMember(t, "agent");
  const member = await addMember(t, "agent");

  it("lists at least 30 permissions and the four built-in templates", async () => {
    const p = await expectJson(call("/api/permissions", { token: t.token }), 200);
    expect(p.data.length).toBeGreaterThanOrEqual(30);
    const roles = await expectJson(call("/api/roles", { token: agent.token }), 200);
    expect(roles.data.filter((r: any) => r.builtIn).map((r: any) => r.id)).toEqual([
      "owner",
      "admin",
      "agent",
      "viewer",
    ]);
  });

  let readOnlyTickets = "";
  it("an admin creates a custom role; the change is audited", async () => {
    const role = await expectJson(
      call("/api/roles", {
        method: "POST",
        token: admin.token,
        json: { name: "Ticket reader", permissions: ["tickets:read", "conversations:read"] },
      }),
      201,
    );
    expect(role).toMatchObject({ builtIn: false, permissions: ["conversations:read", "tickets:read"] });
    readOnlyTickets = role.id;
    const audit = await expectJson(call("/api/audit?action=role.created", { token: t.token }), 200);
    expect(audit.data[0]).toMatchObject({ targets: [{ type: "role", id: role.id }] });
  });

  it("refuses: no roles:write, permissions the caller lacks, unknown names, built-in or duplicate names", async () => {
    const post = (token: string, json: unknown) => call("/api/roles", { method: "POST", token, json });
    await expectJson(post(agent.token, { name: "x", permissions: ["tickets:read"] }), 403);
    // billing:write is the owner's alone: an admin cannot put it in a role
    await expectJson(post(admin.token, { name: "Billing", permissions: ["billing:write"] }), 403);
    await expectJson(post(admin.token, { name: "Bad", permissions: ["everything:write"] }), 400);
    await expectJson(post(admin.token, { name: "admin", permissions: [] }), 409);
    await expectJson(post(admin.token, { name: "Ticket reader", permissions: [] }), 409);
    // the owner may
    const billing = await expectJson(post(t.token, { name: "Billing", permissions: ["billing:write"] }), 201);
    // and the admin can neither edit, delete nor assign a role holding more than they do
    await expectJson(
      call(`/api/roles/${billing.id}`, { method: "PATCH", token: admin.token, json: { permissions: [] } }),
      403,
    );
    await expectJson(call(`/api/roles/${billing.id}`, { method: "DELETE", token: admin.token }), 403);
    await expectJson(
      call(`/api/team/members/${member.userId}`, { method: "PATCH", token: admin.token, json: { role: billing.id } }),
      403,
    );
    // an admin cannot widen their own role's reach through an edit either
    await expectJson(
      call(`/api/roles/${readOnlyTickets}`, {
        method: "PATCH",
        token: admin.token,
        json: { permissions: ["tickets:read", "billing:write"] },
      }),
      403,
    );
  });

  it("another workspace's role is invisible and unusable (404)", async () => {
    const list = await expectJson(call("/api/roles", { token: other.token }), 200);
    expect(list.data.some((r: any) => r.id === readOnlyTickets)).toBe(false);
    await expectJson(
      call(`/api/roles/${readOnlyTickets}`, { method: "PATCH", token: other.token, json: { name: "x" } }),
      404,
    );
    await expectJson(call(`/api/roles/${readOnlyTickets}`, { method: "DELETE", token: other.token }), 404);
    const theirs = await addMember(other, "agent");
    await expectJson(
      call(`/api/team/members/${theirs.userId}`, {
        method: "PATCH",
        token: other.token,
        json: { role: readOnlyTickets },
      }),
      404,
    );
  });

  it("a member with the custom role is refused exactly where its permissions say", async () => {
    // as an agent the member can read bots and write tickets
    await expectJson(call("/api/bots", { token: member.token }), 200);
    await expectJson(
      call(`/api/team/members/${member.userId}`, {
        method: "PATCH",
        token: admin.token,
        json: { role: readOnlyTickets },
      }),
      200,
    );
    const team = await expectJson(call("/api/team/members", { token: t.token }), 200);
    expect(team.data.find((m: any) => m.userId === member.userId).role).toBe(readOnlyTickets);
    await expectJson(call("/api/tickets", { token: member.token }), 200);
    await expectJson(call("/api/conversations", { token: member.token }), 200);
    await expectJson(call("/api/bots", { token: member.token }), 403); // bots:read not in the role
    await expectJson(call("/api/team/members", { token: member.token }), 403); // team:read neither
    await expectJson(call("/api/roles", { token: member.token }), 403);
    // widening the role takes effect on the next request
    await expectJson(
      call(`/api/roles/${readOnlyTickets}`, {
        method: "PATCH",
        token: admin.token,
        json: { permissions: ["tickets:read", "conversations:read", "bots:read"] },
      }),
      200,
    );
    await expectJson(call("/api/bots", { token: member.token }), 200);
    const audit = await expectJson(call("/api/audit?action=role.updated", { token: t.token }), 200);
    expect(audit.data[0].metadata.added).toEqual(["bots:read"]);
  });

  it("a deleted role grants nothing to whoever still had it", async () => {
    const res = await call(`/api/roles/${readOnlyTickets}`, { method: "DELETE", token: admin.token });
    expect(res.status).toBe(204);
    await expectJson(call("/api/tickets", { token: member.token }), 403);
  });
});
