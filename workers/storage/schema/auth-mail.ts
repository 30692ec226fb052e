import { index, integer, sqliteTable, text, uniqueIndex } from "drizzle-orm/sqlite-core";

/**
 * The local outbox (issue 17): every mail the Worker sends through the outbox mailer is a row here,
 * which the dashboard (Settings → Outbox) and the tests read. `tenant_id` is null for mail that
 * belongs to no workspace yet (signup verification). Production with a `send_email` binding also
 * records its mail here (with the provider's message id) so threading and the Outbox screen work.
 */
export const outbox = sqliteTable(
  "outbox",
  {
    id: text("id").primaryKey(),
    tenantId: text("tenant_id"),
    to: text("to_addr").notNull(),
    subject: text("subject").notNull(),
    text: text("text_body").notNull(),
    html: text("html_body").notNull(),
    headers: text("headers", { mode: "json" }).$type<Record<string, string>>().notNull(),
    /** The Message-ID the send binding returned (or the one we generated for the local outbox). */
    messageId: text("message_id").notNull(),
    sentAt: integer("sent_at", { mode: "timestamp_ms" }).notNull(),
  },
  // GET /api/outbox lists a tenant's mail newest first
  (t) => [index("outbox_tenant_idx").on(t.tenantId, t.sentAt)],
);

/**
 * Counters of the one auth limiter (domain/auth/limiter.ts): `key` names the bucket
 * (`pw:<account>|<ip>`, `pwacct:<account>`, `signup:<ip>` …). `count` holds attempts or failures in
 * the window starting at `window_start`; `locked_until` is set when a bucket trips.
 */
export const authThrottle = sqliteTable("auth_throttle", {
  key: text("key").primaryKey(),
  count: integer("count").notNull(),
  windowStart: integer("window_start", { mode: "timestamp_ms" }).notNull(),
  lockedUntil: integer("locked_until", { mode: "timestamp_ms" }),
});

/** Password reset tokens: only the SHA-256 of `pwr_…` is stored; single use, one hour. */
export const passwordResets = sqliteTable(
  "password_resets",
  {
    id: text("id").primaryKey(),
    userId: text("user_id").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  (t) => [
    // confirming looks a reset up by its token hash
    uniqueIndex("password_resets_token_uq").on(t.tokenHash),
    // a new password voids the user's other open resets
    index("password_resets_user_idx").on(t.userId),
  ],
);

/**
 * Signups waiting for their email to be verified (the workspace is created on verification, so
 * signup answers the same for new and existing addresses). Only the token's SHA-256 is stored.
 */
export const signupRequests = sqliteTable(
  "signup_requests",
  {
    id: text("id").primaryKey(),
    email: text("email").notNull(),
    name: text("name"),
    company: text("company").notNull(),
    passwordHash: text("password_hash").notNull(),
    tokenHash: text("token_hash").notNull(),
    expiresAt: integer("expires_at", { mode: "timestamp_ms" }).notNull(),
    usedAt: integer("used_at", { mode: "timestamp_ms" }),
    createdAt: integer("created_at", { mode: "timestamp_ms" }).notNull(),
  },
  // verification looks a request up by its token hash
  (t) => [uniqueIndex("signup_requests_token_uq").on(t.tokenHash)],
);

/**
 * Access tokens (JWTs, 15 minutes) issued before `valid_after` are refused: a password reset signs
 * the user out everywhere at once, not only when the access token expires. Whole seconds, because a
 * JWT's `iat` is in seconds.
 */
export const sessionFloors = sqliteTable("session_floors", {
  userId: text("user_id").primaryKey(),
  validAfter: integer("valid_after", { mode: "timestamp_ms" }).notNull(),
});

export type OutboxRow = typeof outbox.$inferSelect;
export type PasswordResetRow = typeof passwordResets.$inferSelect;
export type SignupRequestRow = typeof signupRequests.$inferSelect;
