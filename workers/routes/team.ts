import { createRoute, z } from "@hono/zod-openapi";
import {
  changeMemberRole,
  InvitationDto,
  InviteInput,
  inviteMember,
  listInvitations,
  listMembers,
  MemberDto,
  removeMember,
  revokeInvitation,
  RoleInput,
  toInvitationDto,
} from "../domain/team";
import { createRouter, IdParam, jsonBody, jsonResponse, problemResponses } from "../lib/http";
import { authed } from "./middleware";

const sec = [{ bearer: [] }];
const UserParam = z.object({
  userId: z
    .string()
    .min(1)
    .max(64)
    .openapi({ param: { name: "userId", in: "path" } }),
});

export const teamRoutes = createRouter()
  .openapi(
    createRoute({
      method: "get",
      path: "/members",
      summary: "List the workspace's members and their roles",
      tags: ["team"],
      security: sec,
      middleware: [authed("team:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(MemberDto) }), "members"), ...problemResponses },
    }),
    async (c) =>
      c.json(
        {
          data: (await listMembers(c.var.ctx)).map((m) => ({
            userId: m.userId,
            email: m.email,
            name: m.name,
            role: m.role,
            joinedAt: m.createdAt.toISOString(),
            canTakeTickets: m.canTakeTickets,
          })),
        },
        200,
      ),
  )
  .openapi(
    createRoute({
      method: "patch",
      path: "/members/{userId}",
      summary: "Change a member's role",
      tags: ["team"],
      security: sec,
      middleware: [authed("team:write")],
      request: { params: UserParam, body: jsonBody(RoleInput) },
      responses: {
        200: jsonResponse(z.object({ userId: z.string(), role: z.string() }), "updated"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const m = await changeMemberRole(c.var.ctx, c.req.valid("param").userId, c.req.valid("json").role);
      return c.json({ userId: m.userId, role: m.role }, 200);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/members/{userId}",
      summary: "Remove a member from the workspace",
      tags: ["team"],
      security: sec,
      middleware: [authed("team:write")],
      request: { params: UserParam },
      responses: { 204: { description: "removed" }, ...problemResponses },
    }),
    async (c) => {
      await removeMember(c.var.ctx, c.req.valid("param").userId);
      return c.body(null, 204);
    },
  )
  .openapi(
    createRoute({
      method: "get",
      path: "/invitations",
      summary: "List pending invitations",
      tags: ["team"],
      security: sec,
      middleware: [authed("team:read")],
      responses: { 200: jsonResponse(z.object({ data: z.array(InvitationDto) }), "invitations"), ...problemResponses },
    }),
    async (c) => c.json({ data: (await listInvitations(c.var.ctx)).map(toInvitationDto) }, 200),
  )
  .openapi(
    createRoute({
      method: "post",
      path: "/invitations",
      tags: ["team"],
      summary: "Invite by email with a role; the link is mailed (the token is in the response in development only)",
      security: sec,
      middleware: [authed("team:write")],
      request: { body: jsonBody(InviteInput) },
      responses: {
        201: jsonResponse(InvitationDto.extend({ token: z.string().optional() }), "invited"),
        ...problemResponses,
      },
    }),
    async (c) => {
      const { invitation, token } = await inviteMember(c.var.ctx, c.req.valid("json"));
      return c.json({ ...toInvitationDto(invitation), token }, 201);
    },
  )
  .openapi(
    createRoute({
      method: "delete",
      path: "/invitations/{id}",
      summary: "Revoke an invitation",
      tags: ["team"],
      security: sec,
      middleware: [authed("team:write")],
      request: { params: IdParam("inv") },
      responses: { 204: { description: "revoked" }, ...problemResponses },
    }),
    async (c) => {
      await revokeInvitation(c.var.ctx, c.req.valid("param").id);
      return c.body(null, 204);
    },
  );
