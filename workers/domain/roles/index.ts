import { z } from "@hono/zod-openapi";
import { Conflict, Forbidden, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import { ROLES, type CustomRoleRow } from "../../storage/schema";
import { audit } from "../audit";
import { PERMISSIONS, type Permission, ROLE_PERMISSIONS } from "../auth/permissions";
import type { Ctx } from "../ctx";
import { announceAuthority, standingOfPermissions } from "../conversations/authority";

/**
 * Roles built from permissions (issue 18): the four built-in roles are fixed templates; a workspace
 * adds custom roles, each a name over a set of permissions. Nobody grants what they do not hold: a
 * role's permissions must be a subset of the caller's own, on create and on every update, and a role
 * holding a permission the caller lacks cannot be edited or deleted by them either.
 */
export const MAX_CUSTOM_ROLES = 50;

export const PermissionName = z.enum(PERMISSIONS);
export const RoleCreateInput = z
  .object({
    name: z.string().trim().min(1).max(60),
    permissions: z.array(PermissionName).max(PERMISSIONS.length),
  })
  .strict()
  .openapi("RoleCreateInput");
export type RoleCreateInput = z.infer<typeof RoleCreateInput>;
export const RoleUpdateInput = RoleCreateInput.partial().strict().openapi("RoleUpdateInput");
export type RoleUpdateInput = z.infer<typeof RoleUpdateInput>;

export const RoleDto = z
  .object({
    id: z.string(),
    name: z.string(),
    builtIn: z.boolean(),
    permissions: z.array(z.string()),
    createdAt: z.string().nullable(),
    updatedAt: z.string().nullable(),
  })
  .openapi("Role");
export type RoleDto = z.infer<typeof RoleDto>;

const toDto = (r: CustomRoleRow): RoleDto => ({
  id: r.id,
  name: r.name,
  builtIn: false,
  permissions: [...r.permissions].sort(),
  createdAt: r.createdAt.toISOString(),
  updatedAt: r.updatedAt.toISOString(),
});

/** The built-in templates, then the workspace's own roles. */
export async function listRoles(ctx: Ctx): Promise<RoleDto[]> {
  const builtIn = ROLES.map((name) => ({
    id: name,
    name,
    builtIn: true,
    permissions: [...ROLE_PERMISSIONS[name]].sort(),
    createdAt: null,
    updatedAt: null,
  }));
  return [...builtIn, ...(await ctx.repos.roles.list(ctx.tenantId)).map(toDto)];
}

function assertCanGrant(ctx: Ctx, permissions: readonly string[]) {
  const missing = permissions.filter((p) => !ctx.actor.permissions.has(p as Permission));
  if (missing.length) throw new Forbidden(`you cannot grant permissions you do not hold: ${missing.join(", ")}`);
}

async function assertNameFree(ctx: Ctx, name: string, self?: string) {
  if ((ROLES as readonly string[]).includes(name.toLowerCase()))
    throw new Conflict(`"${name}" is a built-in role's name`);
  const clash = await ctx.repos.roles.byName(ctx.tenantId, name);
  if (clash && clash.id !== self) throw new Conflict(`a role named "${name}" exists`);
}

/**
 * A custom role's permissions changed (or it was deleted): every member holding it has their live
 * sockets re-checked through the tenant hub, as a role change of that member would (4001 when the
 * role no longer reads conversations, 4003 to reconnect with the new permissions otherwise).
 */
async function announceToHolders(ctx: Ctx, roleId: string, permissions: ReadonlySet<string>) {
  const holders = (await ctx.repos.memberships.list(ctx.tenantId)).filter((m) => m.role === roleId);
  const standing = standingOfPermissions(permissions);
  await Promise.all(holders.map((m) => announceAuthority(ctx, m.userId, standing)));
}

export async function createRole(ctx: Ctx, input: RoleCreateInput): Promise<RoleDto> {
  const permissions = [...new Set(input.permissions)];
  assertCanGrant(ctx, permissions);
  await assertNameFree(ctx, input.name);
  if ((await ctx.repos.roles.list(ctx.tenantId)).length >= MAX_CUSTOM_ROLES)
    throw new Conflict(`a workspace has at most ${MAX_CUSTOM_ROLES} custom roles`);
  const now = new Date(ctx.clock.now());
  const row = await ctx.repos.roles.insert({
    id: newId("role", now.getTime()),
    tenantId: ctx.tenantId,
    name: input.name,
    permissions,
    createdAt: now,
    updatedAt: now,
  });
  await audit(ctx, "role.created", { type: "role", id: row.id }, { name: row.name, permissions });
  return toDto(row);
}

export async function updateRole(ctx: Ctx, id: string, input: RoleUpdateInput): Promise<RoleDto> {
  const before = await ctx.repos.roles.get(ctx.tenantId, id);
  if (!before) throw new NotFound("role", id);
  // editing a role that holds more than you do would let you strip or reshape authority above yours
  assertCanGrant(ctx, before.permissions);
  const permissions = input.permissions ? [...new Set(input.permissions)] : before.permissions;
  assertCanGrant(ctx, permissions);
  const name = input.name ?? before.name;
  await assertNameFree(ctx, name, id);
  const row = await ctx.repos.roles.update(ctx.tenantId, id, {
    name,
    permissions,
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!row) throw new NotFound("role", id);
  if (input.permissions) await announceToHolders(ctx, id, new Set(permissions));
  await audit(
    ctx,
    "role.updated",
    { type: "role", id },
    {
      name: before.name !== name ? { from: before.name, to: name } : undefined,
      added: permissions.filter((p) => !before.permissions.includes(p)),
      removed: before.permissions.filter((p) => !permissions.includes(p)),
    },
  );
  return toDto(row);
}

export async function deleteRole(ctx: Ctx, id: string): Promise<void> {
  const before = await ctx.repos.roles.get(ctx.tenantId, id);
  if (!before) throw new NotFound("role", id);
  assertCanGrant(ctx, before.permissions);
  await ctx.repos.roles.delete(ctx.tenantId, id);
  // a deleted role grants nothing: its holders' live sockets close (4001)
  await announceToHolders(ctx, id, new Set());
  await audit(ctx, "role.deleted", { type: "role", id }, { name: before.name });
}
