import type { Role } from "../../storage/schema";

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
  "analytics:read",
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = [
  "bots:read",
  "knowledge:read",
  "conversations:read",
  "tickets:read",
  "team:read",
  "voice:read",
  // aggregate reports over conversations a viewer may already read one by one (issue 16)
  "analytics:read",
];
const AGENT: Permission[] = [...READ, "conversations:write", "tickets:write"];
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
];

export const ROLE_PERMISSIONS: Record<Role, ReadonlySet<Permission>> = {
  owner: new Set(ADMIN),
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
export const PEOPLE_ONLY: ReadonlySet<Permission> = new Set<Permission>(["keys:write", "team:write"]);

export function actorCan(actor: { kind: "user" | "key"; permissions: ReadonlySet<Permission> }, p: Permission) {
  if (actor.kind === "key" && PEOPLE_ONLY.has(p)) return false;
  return actor.permissions.has(p);
}
