import { z } from "@hono/zod-openapi";
import { MAX_PASSWORD, Password } from "../auth/schemas";
import type { Ctx } from "../ctx";

/** A profile name: 1–200 characters after trimming. */
export const MAX_NAME = 200;
/** What SSO-provisioned accounts store instead of a password hash (domain/sso/login.ts). */
export const SSO_ONLY = "sso-only";

/** The signed-in person's own context: a member (never a key) and the session the call came from. */
export type AccountCtx = Ctx & {
  userId: string;
  /** The refresh-token family of the caller's access token; null for tokens issued before it was carried. */
  sessionId: string | null;
  client: { ip: string };
};

export const WorkspaceDto = z
  .object({ id: z.string(), name: z.string(), role: z.string() })
  .openapi("AccountWorkspace");

export const AccountDto = z
  .object({
    id: z.string(),
    email: z.string(),
    name: z.string().nullable(),
    /** False for accounts created by single sign-on: they have no password to change. */
    hasPassword: z.boolean(),
    workspaces: z.array(WorkspaceDto),
  })
  .openapi("Account");
export type AccountDto = z.infer<typeof AccountDto>;

export const AccountPatch = z
  .object({ name: z.string().trim().min(1, "enter a name").max(MAX_NAME, `use at most ${MAX_NAME} characters`) })
  .strict()
  .openapi("AccountPatch");
export type AccountPatch = z.infer<typeof AccountPatch>;

/** The new password follows signup's rule (`Password`: 10 to 256 characters). */
export const PasswordChangeInput = z
  .object({
    currentPassword: z.string().min(1, "enter your current password").max(MAX_PASSWORD),
    newPassword: Password,
  })
  .strict()
  .refine((v) => v.newPassword !== v.currentPassword, {
    path: ["newPassword"],
    message: "choose a password different from your current one",
  })
  .openapi("PasswordChangeInput");
export type PasswordChangeInput = z.infer<typeof PasswordChangeInput>;

export const SessionDto = z
  .object({
    /** The refresh-token family id (`rtf_…`): one sign-in, kept alive by its refreshes. */
    id: z.string(),
    workspace: z.object({ id: z.string(), name: z.string().nullable() }),
    createdAt: z.string(),
    /** When its newest token was issued: the sign-in or the latest refresh. */
    lastUsedAt: z.string(),
    expiresAt: z.string(),
    /** The session the request came from. */
    current: z.boolean(),
  })
  .openapi("AccountSession");
export type SessionDto = z.infer<typeof SessionDto>;

export const SessionRef = z.object({
  id: z
    .string()
    .startsWith("rtf_", "a session id starts with rtf_")
    .max(64)
    .openapi({ param: { name: "id", in: "path" }, example: "rtf_01j…" }),
});
