import { integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** A workspace's OpenID Connect settings (issue 18); the client secret is in tenant_secrets ("sso_oidc"). */
export const ssoSettings = sqliteTable("sso_settings", {
  tenantId: text("tenant_id").primaryKey(),
  issuer: text("issuer").notNull(),
  clientId: text("client_id").notNull(),
  allowedDomains: text("allowed_domains", { mode: "json" }).$type<string[]>().notNull(),
  /** A built-in role name (not owner) or a custom role's id, given to members created at sign-in. */
  defaultRole: text("default_role").notNull(),
  /** Password sign-in refused for members; owners keep it as the break-glass path. */
  required: integer("required", { mode: "boolean" }).notNull().default(false),
  updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
});

/** A started SSO sign-in: looked up by the SHA-256 of its state, spent once. */
export const ssoLogins = sqliteTable("sso_logins", {
  stateHash: text("state_hash").primaryKey(),
  tenantId: text("tenant_id").notNull(),
  nonce: text("nonce").notNull(),
  codeVerifier: text("code_verifier").notNull(),
  expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
  usedAt: integer("used_at", { mode: "timestamp_ms" }),
});

/** A workspace's custom role: a name over a set of permissions. */
export const roles = sqliteTable(
  "roles",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    permissions: text("permissions", { mode: "json" }).$type<string[]>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  // GET /api/roles lists a workspace's roles; names are unique per workspace
  (t) => [uniqueIndex("roles_tenant_name_uq").on(t.tenantId, t.name)],
);

export type SsoSettingsRow = typeof ssoSettings.$inferSelect;
export type SsoLoginRow = typeof ssoLogins.$inferSelect;
export type CustomRoleRow = typeof roles.$inferSelect;
