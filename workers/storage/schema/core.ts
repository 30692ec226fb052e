import { index, integer, primaryKey, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/** Roles, most to least powerful. The permission table lives in domain/auth/permissions.ts. */
export const ROLES = ["owner", "admin", "agent", "viewer"] as const;
export type Role = (typeof ROLES)[number];
/** A member's role: a built-in one, or a custom role's id (issue 18, domain/roles). */
export type MemberRole = Role | `role_${string}`;

export type BotTheme = {
  primaryColor: string;
  textColor: string;
  position: "bottom-right" | "bottom-left";
  logoUrl: string | null;
  mode: "auto" | "light" | "dark";
};

export type BotSettings = {
  /** Answers whose confidence falls below this say "I don't know" and offer a person. 0..1. */
  confidenceThreshold: number;
  answerLength: "short" | "medium" | "long";
  /** BCP-47 language or "auto" (answer in the visitor's language when the provider can). */
  language: string;
};

/** A bot's persona (issue 19): shapes every answer path through one prompt builder and the embedded answerer's phrases. */
export type BotPersona = {
  /** The name the bot introduces itself with (defaults to the bot's name). */
  name?: string;
  role?: string;
  tone?: "neutral" | "friendly" | "formal";
  /** BCP-47 tag ("fr", "fr-FR"); drives reply language, fixed phrases and voice language. */
  language?: string;
  /** Further languages it may answer in when the visitor writes in one of them. */
  languages?: string[];
  instructions?: string;
  styleRules?: string[];
  /** What the bot must never do ("promise refunds", "discuss competitors"). */
  never?: string[];
  /** Its own opening line; without it, the tone's greeting in its language. */
  greeting?: string;
};

/** A bot's uploaded 3D model (issue 19): what the widget loads and what the dashboard shows of it. */
export type AvatarModelInfo = {
  sha256: string;
  bytes: number;
  name: string;
  uploadedAt: string;
  /** Animation clips and morph targets found in it (a clip named after a mood is played for it). */
  clips: string[];
  morphs: string[];
};
/** The widget avatar (issue 19): mood frames with each AI turn when enabled; a 3D model when uploaded. */
export type BotAvatar = { enabled: boolean; model?: AvatarModelInfo | null };

export const tenants = sqliteTable("tenants", {
  id: text("id").primaryKey(),
  name: text("name").notNull(),
  plan: text("plan").notNull().default("free"),
  createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  /** Workspace deletion (issue 18): when the purge may start; null when none is scheduled (migration 0027). */
  deletionScheduledAt: integer("deletion_scheduled_at", { mode: "timestamp_ms" }),
  /** The user who asked for the deletion, and when. */
  deletionRequestedBy: text("deletion_requested_by"),
  deletionRequestedAt: integer("deletion_requested_at", { mode: "timestamp_ms" }),
});

export const users = sqliteTable(
  "users",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name"),
    passwordHash: text("password_hash").notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  // login looks a user up by email
  (t) => [uniqueIndex("users_email_uq").on(t.email)],
);

export const memberships = sqliteTable(
  "memberships",
  {
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    role: text("role").$type<MemberRole>().notNull(),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.tenantId, t.userId] }),
    // login finds the memberships of a user
    index("memberships_user_idx").on(t.userId),
  ],
);

export const refreshTokens = sqliteTable(
  "refresh_tokens",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    userId: text("user_id").notNull(),
    familyId: text("family_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // refresh looks a token up by its hash
    uniqueIndex("refresh_tokens_hash_uq").on(t.tokenHash),
    // reuse detection revokes a whole family
    index("refresh_tokens_family_idx").on(t.familyId),
    // the account screen lists a user's sessions; a password change revokes all of them (issue 22)
    index("refresh_tokens_user_idx").on(t.userId, t.familyId),
  ],
);

export const invitations = sqliteTable(
  "invitations",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    email: text("email").notNull(),
    role: text("role").$type<Role>().notNull(),
    tokenHash: text("token_hash").notNull(),
    invitedBy: text("invited_by").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    acceptedAt: integer("accepted_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // accepting looks an invitation up by its token hash
    uniqueIndex("invitations_token_uq").on(t.tokenHash),
    // listing a tenant's invitations
    index("invitations_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

export const apiKeys = sqliteTable(
  "api_keys",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    /** First characters of the secret, shown in lists so a key can be recognised. */
    hint: text("hint").notNull(),
    keyHash: text("key_hash").notNull(),
    scopes: text("scopes", { mode: "json" }).$type<string[]>().notNull(),
    createdBy: text("created_by").notNull(),
    lastUsedAt: integer("last_used_at", { mode: "timestamp_ms" }),
    revokedAt: integer("revoked_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // authenticating a request by its sk_ key
    uniqueIndex("api_keys_hash_uq").on(t.keyHash),
    // listing a tenant's keys
    index("api_keys_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

export const bots = sqliteTable(
  "bots",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    instructions: text("instructions").notNull().default(""),
    greeting: text("greeting").notNull(),
    theme: text("theme", { mode: "json" }).$type<BotTheme>().notNull(),
    settings: text("settings", { mode: "json" }).$type<BotSettings>().notNull(),
    allowedOrigins: text("allowed_origins", { mode: "json" }).$type<string[]>().notNull(),
    persona: text("persona", { mode: "json" }).$type<BotPersona>(),
    avatar: text("avatar", { mode: "json" }).$type<BotAvatar>(),
    publishableKey: text("publishable_key").notNull(),
    /** Identity-verification secret, AES-GCM encrypted under the tenant key (see domain/secrets). */
    secretCiphertext: text("secret_ciphertext").notNull(),
    /** Bumped by a trigger on every update of the row (migrations/0018_speed.sql): the answer cache's bot version. */
    version: integer("version").notNull().default(1),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // widget sessions look a bot up by its pk_ key
    uniqueIndex("bots_publishable_key_uq").on(t.publishableKey),
    // listing a tenant's bots
    index("bots_tenant_idx").on(t.tenantId, t.createdAt),
  ],
);

/** Tenant secrets (provider keys), AES-GCM encrypted; `name` is e.g. "openai". */
export const tenantSecrets = sqliteTable(
  "tenant_secrets",
  {
    tenantId: text("tenant_id").notNull(),
    name: text("name").notNull(),
    ciphertext: text("ciphertext").notNull(),
    /** Non-secret settings beside the secret (baseURL, model). */
    settings: text("settings", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** Last four characters of the secret, for display. */
    hint: text("hint").notNull(),
    updatedAt: integer("updated_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.tenantId, t.name] })],
);

export type TenantRow = typeof tenants.$inferSelect;
export type UserRow = typeof users.$inferSelect;
export type MembershipRow = typeof memberships.$inferSelect;
export type RefreshTokenRow = typeof refreshTokens.$inferSelect;
export type InvitationRow = typeof invitations.$inferSelect;
export type ApiKeyRow = typeof apiKeys.$inferSelect;
export type BotRow = typeof bots.$inferSelect;
export type NewBotRow = typeof bots.$inferInsert;
export type TenantSecretRow = typeof tenantSecrets.$inferSelect;
