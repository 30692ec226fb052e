import { z } from "@hono/zod-openapi";
import { ROLES } from "../../storage/schema";

export const MAX_PASSWORD = 256;
export const Email = z
  .email()
  .max(254)
  .transform((e) => e.toLowerCase());
export const Password = z.string().min(10, "use at least 10 characters").max(MAX_PASSWORD);
export const RoleSchema = z.enum(ROLES);
/** A built-in role or a custom role's id (issue 18). */
export const MemberRoleSchema = z.union([RoleSchema, z.templateLiteral(["role_", z.string().min(1).max(60)])]);

export const SignupInput = z
  .object({
    email: Email,
    password: Password,
    name: z.string().trim().min(1).max(100).optional(),
    company: z.string().trim().min(1).max(100),
  })
  .strict()
  .openapi("SignupInput");
export type SignupInput = z.infer<typeof SignupInput>;

export const LoginInput = z
  .object({ email: Email, password: z.string().min(1).max(MAX_PASSWORD), tenantId: z.string().max(64).optional() })
  .strict()
  .openapi("LoginInput");
export type LoginInput = z.infer<typeof LoginInput>;

export const RefreshInput = z
  .object({ refreshToken: z.string().min(10).max(200) })
  .strict()
  .openapi("RefreshInput");

export const Session = z
  .object({
    accessToken: z.string(),
    refreshToken: z.string(),
    expiresIn: z.number().openapi({ description: "access token lifetime in seconds" }),
    user: z.object({ id: z.string(), email: z.string(), name: z.string().nullable() }),
    tenant: z.object({ id: z.string(), name: z.string() }),
    role: MemberRoleSchema,
    /**
     * The member's effective permissions in this workspace (its role's template or custom role),
     * recomputed on every login, refresh and switch; the dashboard shows only what these allow.
     */
    permissions: z.array(z.string()),
  })
  .openapi("Session");
export type Session = z.infer<typeof Session>;
