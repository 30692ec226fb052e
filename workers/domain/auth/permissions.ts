import type { MemberRole, Role } from "../../storage/schema";

/**
 * What each role may do. Every route names the permission it needs (`requirePermission`), and an
 * API key carries a subset of these as its scopes. Adding a capability means adding it here first.
 */
export const PERMISSIONS = [
  "bots:read",
  "bots:write",
  "knowledge:read",
  "knowledge:write",
  "conversations:read",
  "conversations:write",
  "tickets:read",
  "tickets:write",
  "keys:read",
  "keys:write",
  "team:read",
  "team:write",
  "settings:read",
  "settings:write",
  "voice:read",
  "voice:write",
  "chat:completions",
  "audit:read",
  "privacy:write",
  // issue 18: finer permissions; custom roles (domain/roles) are sets of these
  "replies:write",
  "notes:write",
  "takeover:write",
  "channels:read",
  "channels:write",
  "analytics:read",
  "billing:read",
  "billing:write",
  "roles:read",
  "roles:write",
  "sso:read",
  "sso:write",
  "audit:export",
  "privacy:export",
  // workspace lifecycle: schedule the workspace's deletion or cancel it (owners only)
  "workspace:delete",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = [
  "bots:read",
  "knowledge:read",
  "conversations:read",
  "tickets:read",
  "team:read",
  "voice:read",
  "channels:read",
  "analytics:read",
  "roles:read",
];
const AGENT: Permission[] = [
  ...READ,
  "conversations:write",
  "tickets:write",
  "replies:write",
  "notes:write",
  "takeover:write",
];
const ADMIN: Permission[] = [
  ...AGENT,
  "bots:write",
  "knowledge:write",
  "keys:read",
  "keys:write",
  "team:write",
  "settings:read",
  "settings:write",
  "voice:write",
  "chat:completions",
  "audit:read",
  "privacy:write",
  "channels:write",
  "billing:read",
  "roles:write",
  "sso:read",
  "sso:write",
  "audit:export",
  "privacy:export",
];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set<Permission>([...ADMIN, "billing:write", "workspace:delete"]),
  admin: new Set(ADMIN),
  agent: new Set(AGENT),
  viewer: new Set(READ),
};

/** Roles an inviter may grant: only owners make owners. */
export function canGrantRole(inviter: Role, role: Role): boolean {
  if (role === "owner") return inviter === "owner";
  return inviter === "owner" || inviter === "admin";
}

/**
 * Permissions only a signed-in person can use, whatever scopes a key carries (issue 13 item 7): a
 * key that could mint keys or manage the team would let one leaked secret become a permanent admin.
 * Checked in `actorCan`, which every route's permission check goes through.
 */
export const PEOPLE_ONLY: ReadonlySet<Permission> = new Set<Permission>([
  "keys:write",
  "team:write",
  "roles:write",
  "sso:write",
  "workspace:delete",
]);

export function actorCan(actor: { kind: "user" | "key"; permissions: ReadonlySet<Permission> }, p: Permission) {
  if (actor.kind === "key" && PEOPLE_ONLY.has(p)) return false;
  return actor.permissions.has(p);
}

/** Is this member role a built-in one (else a custom role's id)? */
export function isBuiltInRole(role: string): role is Role {
  return Object.hasOwn(ROLE_PERMISSIONS, role);
}

/**
 * Whether a member with `role` holds `permission` (built-in templates and custom roles alike); for
 * domain rules about members (who may be assigned a ticket, who gets billing mail), never role names.
 * `cache` keeps one custom-role read per role id across a list of members.
 */
export async function roleHolds(
  repos: Parameters<typeof permissionsOfRole>[0],
  tenantId: string,
  role: MemberRole,
  permission: Permission,
  cache = new Map<string, Promise<ReadonlySet<Permission>>>(),
): Promise<boolean> {
  let p = cache.get(role);
  if (!p) cache.set(role, (p = permissionsOfRole(repos, tenantId, role)));
  return (await p).has(permission);
}

/** The members of a list whose role holds `permission`. */
export async function membersHolding<M extends { role: MemberRole }>(
  repos: Parameters<typeof permissionsOfRole>[0],
  tenantId: string,
  members: readonly M[],
  permission: Permission,
): Promise<M[]> {
  const cache = new Map<string, Promise<ReadonlySet<Permission>>>();
  const ok = await Promise.all(members.map((m) => roleHolds(repos, tenantId, m.role, permission, cache)));
  return members.filter((_, i) => ok[i]);
}

/**
 * What a member with `role` may do: a built-in role's template, or a custom role's stored
 * permissions (unknown names dropped). A custom role that no longer exists grants nothing.
 */
export async function permissionsOfRole(
  repos: { roles: { get(tenantId: string, id: string): Promise<{ permissions: string[] } | undefined> } },
  tenantId: string,
  role: MemberRole,
): Promise<ReadonlySet<Permission>> {
  if (isBuiltInRole(role)) return ROLE_PERMISSIONS[role];
  const row = await repos.roles.get(tenantId, role);
  const known = new Set<string>(PERMISSIONS);
  return new Set((row?.permissions ?? []).filter((p): p is Permission => known.has(p)));
}
