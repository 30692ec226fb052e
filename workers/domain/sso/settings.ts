import { z } from "@hono/zod-openapi";
import { checkUrl, EgressRefused, egressPolicyOf } from "../../lib/egress";
import { Invalid, NotFound } from "../../lib/errors";
import { audit } from "../audit";
import { mayUse, requireAllowed } from "../billing/may-tenant";
import type { BaseCtx, Ctx } from "../ctx";
import { encryptSecret, masterKeysOf, secretHint } from "../secrets/crypto";
import { openAndRenew } from "../secrets/rotation";

/** The client secret is sealed in tenant_secrets under this name (MASTER_KEY rotation covers it). */
export const SSO_SECRET = "sso_oidc";
export const MAX_DOMAINS = 20;
/** Roles a sign-in may create members with: never owner (an IdP account must not become an owner). */
export const SSO_DEFAULT_ROLES = ["admin", "agent", "viewer"] as const;

const Domain = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^(?=.{1,253}$)([a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$/, "a domain such as example.com");

export const SsoSettingsInput = z
  .object({
    issuer: z.url({ protocol: /^https?$/ }).max(300),
    clientId: z.string().trim().min(1).max(200),
    /** Required when SSO is first configured; omitted later keeps the stored one. */
    clientSecret: z.string().min(1).max(500).optional(),
    allowedDomains: z.array(Domain).min(1).max(MAX_DOMAINS),
    defaultRole: z.enum(SSO_DEFAULT_ROLES).default("agent"),
    required: z.boolean().default(false),
  })
  .strict()
  .openapi("SsoSettingsInput");
export type SsoSettingsInput = z.infer<typeof SsoSettingsInput>;

export const SsoSettingsDto = z
  .object({
    issuer: z.string(),
    clientId: z.string(),
    clientSecretHint: z.string(),
    allowedDomains: z.array(z.string()),
    defaultRole: z.string(),
    required: z.boolean(),
    /** Where the provider must send the browser back (register it with the provider). */
    redirectUri: z.string(),
    /** Sign-in link for this workspace. */
    loginUrl: z.string(),
    updatedAt: z.string(),
  })
  .openapi("SsoSettings");
export type SsoSettingsDto = z.infer<typeof SsoSettingsDto>;

export const redirectUriOf = (ctx: BaseCtx) => `${ctx.services.origin}/api/auth/sso/callback`;

export async function saveSsoSettings(ctx: Ctx, input: SsoSettingsInput): Promise<SsoSettingsDto> {
  await requireAllowed(ctx, { kind: "feature", feature: "sso" });
  try {
    checkUrl(egressPolicyOf(ctx.config), input.issuer);
  } catch (err) {
    if (!(err instanceof EgressRefused)) throw err;
    throw new Invalid("this issuer cannot be used", [{ path: "issuer", message: err.message }]);
  }
  const before = await ctx.repos.sso.get(ctx.tenantId);
  const stored = await ctx.repos.providerSecrets.get(ctx.tenantId, SSO_SECRET);
  if (!input.clientSecret && !stored)
    throw new Invalid("a client secret is required", [{ path: "clientSecret", message: "required" }]);
  const now = new Date(ctx.clock.now());
  const row = {
    tenantId: ctx.tenantId,
    issuer: input.issuer,
    clientId: input.clientId,
    allowedDomains: [...new Set(input.allowedDomains)],
    defaultRole: input.defaultRole,
    required: input.required,
    updatedAt: now,
  };
  // turning "SSO required" on signs members out: sessions that began with a password must not keep
  // refreshing past the switch (owners keep theirs: they are the break-glass path)
  const enforce = input.required && before?.required !== true;
  const owners = enforce
    ? (await ctx.repos.memberships.list(ctx.tenantId)).filter((m) => m.role === "owner").map((m) => m.userId)
    : [];
  await ctx.repos.batch([
    ctx.repos.sso.upsertStmt(row),
    ...(enforce ? [ctx.repos.refreshTokens.revokeTenantStmt(ctx.tenantId, owners, now)] : []),
  ]);
  if (input.clientSecret)
    await ctx.repos.providerSecrets.upsert({
      tenantId: ctx.tenantId,
      name: SSO_SECRET,
      ciphertext: await encryptSecret(masterKeysOf(ctx.config), ctx.tenantId, input.clientSecret),
      settings: {},
      hint: secretHint(input.clientSecret),
      updatedAt: now,
    });
  await audit(
    ctx,
    "settings.sso_changed",
    { type: "sso", id: ctx.tenantId },
    {
      before: before
        ? {
            issuer: before.issuer,
            clientId: before.clientId,
            required: before.required,
            defaultRole: before.defaultRole,
          }
        : null,
      after: { issuer: row.issuer, clientId: row.clientId, required: row.required, defaultRole: row.defaultRole },
      secretChanged: input.clientSecret !== undefined,
      ...(enforce ? { membersSignedOut: true } : {}),
    },
  );
  return getSsoSettings(ctx);
}

export async function getSsoSettings(ctx: Ctx): Promise<SsoSettingsDto> {
  const [row, secret] = await Promise.all([
    ctx.repos.sso.get(ctx.tenantId),
    ctx.repos.providerSecrets.get(ctx.tenantId, SSO_SECRET),
  ]);
  if (!row || !secret) throw new NotFound("sso settings", ctx.tenantId);
  return {
    issuer: row.issuer,
    clientId: row.clientId,
    clientSecretHint: secret.hint,
    allowedDomains: row.allowedDomains,
    defaultRole: row.defaultRole,
    required: row.required,
    redirectUri: redirectUriOf(ctx),
    loginUrl: `${ctx.services.origin}/api/auth/sso/start?workspace=${encodeURIComponent(ctx.tenantId)}`,
    updatedAt: row.updatedAt.toISOString(),
  };
}

export async function deleteSsoSettings(ctx: Ctx): Promise<void> {
  const row = await ctx.repos.sso.get(ctx.tenantId);
  if (!row) throw new NotFound("sso settings", ctx.tenantId);
  await ctx.repos.sso.deleteStmt(ctx.tenantId).run();
  await ctx.repos.providerSecrets.delete(ctx.tenantId, SSO_SECRET);
  await audit(ctx, "settings.sso_changed", { type: "sso", id: ctx.tenantId }, { removed: true });
}

/** The settings and opened client secret a sign-in needs, or undefined when the workspace has no SSO. */
export async function loadSsoConfig(ctx: BaseCtx, tenantId: string) {
  const [row, secret] = await Promise.all([
    ctx.repos.sso.get(tenantId),
    ctx.repos.providerSecrets.get(tenantId, SSO_SECRET),
  ]);
  if (!row || !secret) return undefined;
  const clientSecret = await openAndRenew(
    { repos: ctx.repos, keys: masterKeysOf(ctx.config), log: ctx.log },
    tenantId,
    secret.ciphertext,
    ctx.repos.sealedSecrets.renewTenant(tenantId, SSO_SECRET, secret.ciphertext),
  );
  return { ...row, clientSecret };
}

/**
 * Is password sign-in refused for this member? Owners keep it (break-glass). A workspace whose plan
 * no longer includes SSO (downgraded) cannot sign in through it, so "SSO required" stops applying
 * rather than locking its members out.
 */
export async function passwordRefusedBySso(ctx: BaseCtx, tenantId: string, role: string): Promise<boolean> {
  if (role === "owner") return false;
  const row = await ctx.repos.sso.get(tenantId);
  if (row?.required !== true) return false;
  return mayUse({ ...ctx, tenantId }, { kind: "feature", feature: "sso" });
}
