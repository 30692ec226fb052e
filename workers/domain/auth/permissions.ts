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
] as const;
export type Permission = (typeof PERMISSIONS)[number];

const READ: Permission[] = [
  "bots:read",
  "knowledge:read",
  "conversations:read",
  "tickets:read",
  "team:read",
  "voice:read",
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
