import { requireAllowed } from "../billing/may-tenant";
import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { Conflict, Forbidden, Invalid, NotFound, Unauthorized } from "../../lib/errors";
import { newId, randomToken } from "../../lib/ids";
import type { InvitationRow, MemberRole, Role } from "../../storage/schema";
import { canGrantRole, isBuiltInRole, permissionsOfRole } from "../auth/permissions";
import { Email, MemberRoleSchema, Password, RoleSchema } from "../auth/schemas";
import { hashPassword } from "../auth/password";
import { issueSession } from "../auth/session";
import { actorId, type BaseCtx, type Ctx } from "../ctx";
import { appLink, echoesMailedTokens, sendMail } from "../mail/send";
import { invitationMail } from "../mail/templates";
import { announceAuthority, standingOfPermissions } from "../conversations/authority";
import { audit } from "../audit";
import { asUser } from "../audit/people";
import { passwordRefusedBySso } from "../sso/settings";

export const INVITATION_TTL_MS = 7 * 24 * 3600 * 1000;

export const InviteInput = z.object({ email: Email, role: RoleSchema }).strict().openapi("InviteInput");
export const AcceptInput = z
  .object({
    token: z.string().min(10).max(200),
    /** Only for a new account; an existing account accepts signed in and never sends its password. */
    password: Password.optional(),
    name: z.string().trim().min(1).max(100).optional(),
  })
  .strict()
  .openapi("AcceptInvitationInput");
export const RoleInput = z.object({ role: MemberRoleSchema }).strict().openapi("RoleInput");

export const InvitationDto = z
  .object({
    id: z.string(),
    email: z.string(),
    role: RoleSchema,
    expiresAt: z.string(),
    acceptedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("Invitation");
export const MemberDto = z
  .object({
    userId: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    role: MemberRoleSchema,
    joinedAt: z.string(),
    /** The member's role may take tickets (tickets:write): the assignee choices. */
    canTakeTickets: z.boolean(),
  })
  .openapi("Member");

export function toInvitationDto(i: InvitationRow) {
  return {
    id: i.id,
    email: i.email,
    role: i.role,
    expiresAt: i.expiresAt.toISOString(),
    acceptedAt: i.acceptedAt?.toISOString() ?? null,
    revokedAt: i.revokedAt?.toISOString() ?? null,
  };
}

function callerRole(ctx: Ctx): Role {
  // API keys act with admin rights at most; they cannot mint owners
  // a custom role grants no built-in role (its holder may still assign custom roles it covers)
  if (ctx.actor.kind === "user") return isBuiltInRole(ctx.actor.role) ? ctx.actor.role : "viewer";
  return "admin";
}

/**
 * Stores the invitation (token hashed) and mails the one-time link (issue 13 item 1: the token
 * travels only by mail). The caller gets the token back only in development, for local scripts.
 */
export async function inviteMember(ctx: Ctx, input: z.infer<typeof InviteInput>) {
  // a custom role that holds every permission of the role it invites as may invite (owners stay owners' to make)
  const holdsAll = [...(await permissionsOfRole(ctx.repos, ctx.tenantId, input.role))].every((p) =>
    ctx.actor.permissions.has(p),
  );
  if (!canGrantRole(callerRole(ctx), input.role) && !(input.role !== "owner" && holdsAll))
    throw new Forbidden(`a ${callerRole(ctx)} cannot invite an ${input.role}`);
  const existing = await ctx.repos.users.byEmail(input.email);
  if (existing && (await ctx.repos.memberships.get(ctx.tenantId, existing.id)))
    throw new Conflict("this person is already a member");
  // the plan's seats (403 PLAN_LIMIT); counted again nowhere else, so a pending invitation holds no seat
  await requireAllowed(ctx, { kind: "add_seat" });
  const token = `inv_${randomToken(40)}`;
  const now = ctx.clock.now();
  const row: InvitationRow = {
    id: newId("inv", now),
    tenantId: ctx.tenantId,
    email: input.email,
    role: input.role,
    tokenHash: await sha256Hex(token),
    invitedBy: actorId(ctx.actor),
    expiresAt: new Date(now + INVITATION_TTL_MS),
    acceptedAt: null,
    revokedAt: null,
    createdAt: new Date(now),
  };
  await ctx.repos.invitations.insertStmt(row).run();
  const tenant = await ctx.repos.tenants.get(ctx.tenantId);
  await sendMail(ctx, {
    tenantId: ctx.tenantId,
    to: input.email,
    mail: invitationMail({
      workspace: tenant?.name ?? "a workspace",
      role: input.role,
      link: appLink(ctx, "accept", token),
      expiresDays: INVITATION_TTL_MS / (24 * 3600 * 1000),
    }),
  });
  await audit(ctx, "member.invited", { type: "invitation", id: row.id }, { email: input.email, role: input.role });
  return { invitation: row, token: echoesMailedTokens(ctx) ? token : undefined };
}

/**
 * Accepting never checks a password (issue 13 item 1: it was an oracle for any account's password).
 * An invitation to an address that has an account is accepted by that account while signed in
 * (`signedInUserId`); one to a new address creates the account with the password chosen here. Then
 * the membership is written in the same batch and the person is signed in to the inviting workspace.
 */
export async function acceptInvitation(
  ctx: BaseCtx,
  input: z.infer<typeof AcceptInput>,
  signedInUserId: string | null,
) {
  const inv = await ctx.repos.invitations.byHash(await sha256Hex(input.token));
  const now = ctx.clock.now();
  if (!inv || inv.acceptedAt || inv.revokedAt || inv.expiresAt.getTime() <= now)
    throw new Unauthorized("invitation is invalid, used or expired");
  // a workspace that requires SSO is joined through the identity provider (which honours this
  // invitation's role, see sso/login.ts), never with a password session
  if (await passwordRefusedBySso(ctx, inv.tenantId, inv.role))
    throw new Forbidden("this workspace requires single sign-on: sign in through your identity provider to join it");
  const users = ctx.repos.users;
  let user = await users.byEmail(inv.email);
  const stmts = [];
  if (user) {
    if (!signedInUserId)
      throw new Unauthorized("this address already has an Echo account: sign in, then open the invitation link again");
    if (signedInUserId !== user.id) throw new Forbidden("this invitation was sent to another address");
    if (await ctx.repos.memberships.get(inv.tenantId, user.id)) throw new Conflict("already a member");
  } else {
    if (!input.password) throw new Invalid("choose a password", [{ path: "password", message: "required" }]);
    user = {
      id: newId("usr", now),
      email: inv.email,
      name: input.name ?? null,
      passwordHash: await hashPassword(input.password),
      createdAt: new Date(now),
    };
    stmts.push(users.insertStmt(user));
  }
  const tenant = await ctx.repos.tenants.get(inv.tenantId);
  if (!tenant) throw new NotFound("workspace");
  await ctx.repos.batch([
    ctx.repos.invitations.acceptStmt(inv.id, new Date(now)),
    ...stmts,
    ctx.repos.memberships.insertStmt({
      tenantId: inv.tenantId,
      userId: user.id,
      role: inv.role,
      createdAt: new Date(now),
    }),
  ]);
  await audit(asUser(ctx, tenant.id, user.id), "member.joined", { type: "member", id: user.id }, { role: inv.role });
  return issueSession(ctx, user, tenant, inv.role);
}

/** The workspace's members; `canTakeTickets` says whether their role (built-in or custom) holds tickets:write. */
export async function listMembers(ctx: Ctx) {
  const rows = await ctx.repos.memberships.list(ctx.tenantId);
  const roles = new Map<string, Promise<ReadonlySet<string>>>();
  const permsOf = (role: MemberRole) => {
    if (!roles.has(role)) roles.set(role, permissionsOfRole(ctx.repos, ctx.tenantId, role));
    return roles.get(role)!;
  };
  return Promise.all(rows.map(async (m) => ({ ...m, canTakeTickets: (await permsOf(m.role)).has("tickets:write") })));
}
export const listInvitations = (ctx: Ctx) => ctx.repos.invitations.list(ctx.tenantId);

export async function revokeInvitation(ctx: Ctx, id: string) {
  const row = await ctx.repos.invitations.revoke(ctx.tenantId, id, new Date(ctx.clock.now()));
  if (!row) throw new NotFound("invitation", id);
  await audit(ctx, "member.invitation_revoked", { type: "invitation", id });
}

async function guardOwnerChange(ctx: Ctx, userId: string, next: MemberRole | null) {
  const m = await ctx.repos.memberships.get(ctx.tenantId, userId);
  if (!m) throw new NotFound("member", userId);
  const role = callerRole(ctx);
  if ((m.role === "owner" || next === "owner") && role !== "owner")
    throw new Forbidden("only an owner can change an owner");
  if (m.role === "owner" && next !== "owner" && (await ctx.repos.memberships.countOwners(ctx.tenantId)) <= 1)
    throw new Conflict("a workspace needs at least one owner");
  return m;
}

export async function changeMemberRole(ctx: Ctx, userId: string, role: MemberRole) {
  const current = await guardOwnerChange(ctx, userId, role);
  // nobody grants what they do not hold, nor reshapes a member who holds more than they do
  const holds = (set: ReadonlySet<string>) => [...set].every((p) => ctx.actor.permissions.has(p as never));
  if (isBuiltInRole(role)) {
    if (!canGrantRole(callerRole(ctx), role) && !holds(await permissionsOfRole(ctx.repos, ctx.tenantId, role)))
      throw new Forbidden(`you cannot grant the ${role} role`);
  } else {
    const custom = await ctx.repos.roles.get(ctx.tenantId, role);
    if (!custom) throw new NotFound("role", role);
    if (!holds(new Set(custom.permissions))) throw new Forbidden("you cannot grant permissions you do not hold");
  }
  if (!holds(await permissionsOfRole(ctx.repos, ctx.tenantId, current.role)))
    throw new Forbidden("you cannot change the role of a member who holds permissions you do not");
  const row = await ctx.repos.memberships.setRole(ctx.tenantId, userId, role);
  if (!row) throw new NotFound("member", userId);
  // the member stays signed in: every request and socket frame reads the role afresh (middleware,
  // the hub's authority cache below), and the next refresh carries the new permissions
  await announceAuthority(ctx, userId, standingOfPermissions(await permissionsOfRole(ctx.repos, ctx.tenantId, role)));
  await audit(ctx, "member.role_changed", { type: "member", id: userId }, { role });
  return row;
}

/**
 * Removes the member, revokes their refresh tokens and the API keys they created (issue 13 item 7:
 * keys die with their creator; we chose revocation over re-owning because a key's scopes were
 * granted from its creator's authority, and silently moving that authority to someone else is
 * worse than an integration that visibly stops and gets a new key). authenticateApiKey also refuses
 * a key whose creator is no longer a member, in case a removal raced a key creation.
 */
export async function removeMember(ctx: Ctx, userId: string) {
  await guardOwnerChange(ctx, userId, null);
  const now = new Date(ctx.clock.now());
  await ctx.repos.batch([
    ctx.repos.memberships.deleteStmt(ctx.tenantId, userId),
    ctx.repos.refreshTokens.revokeUserStmt(ctx.tenantId, userId, now),
    ctx.repos.keyCreators.revokeKeysOfCreatorStmt(ctx.tenantId, userId, now),
  ]);
  await announceAuthority(ctx, userId, "revoked");
  await audit(ctx, "member.removed", { type: "member", id: userId });
}
