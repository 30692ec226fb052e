import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { NotFound, Unauthorized } from "../../lib/errors";
import { newId, randomToken } from "../../lib/ids";
import type { ApiKeyRow } from "../../storage/schema";
import { PEOPLE_ONLY, PERMISSIONS, type Permission, permissionsOfRole, ROLE_PERMISSIONS } from "../auth/permissions";
import { type Actor, actorId, type BaseCtx, type Ctx } from "../ctx";
import { Forbidden, Invalid } from "../../lib/errors";
import { announceAuthority } from "../conversations/authority";
import { audit } from "../audit";

export const KeyInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    scopes: z.array(z.enum(PERMISSIONS)).min(1).max(PERMISSIONS.length),
  })
  .strict()
  .openapi("ApiKeyInput");
export type KeyInput = z.infer<typeof KeyInput>;

export const KeyDto = z
  .object({
    id: z.string(),
    name: z.string(),
    hint: z.string(),
    scopes: z.array(z.string()),
    createdAt: z.string(),
    lastUsedAt: z.string().nullable(),
    revokedAt: z.string().nullable(),
  })
  .openapi("ApiKey");

export function toKeyDto(k: ApiKeyRow) {
  return {
    id: k.id,
    name: k.name,
    hint: k.hint,
    scopes: k.scopes,
    createdAt: k.createdAt.toISOString(),
    lastUsedAt: k.lastUsedAt?.toISOString() ?? null,
    revokedAt: k.revokedAt?.toISOString() ?? null,
  };
}

/** The secret is returned once; only its SHA-256 is stored (it has 200 bits of entropy, so no KDF is needed). */
export async function createApiKey(ctx: Ctx, input: KeyInput) {
  // only people mint keys (the route's permission check refuses keys already; this keeps the verb safe)
  if (ctx.actor.kind !== "user") throw new Forbidden("API keys cannot create keys; sign in");
  const reserved = input.scopes.filter((s) => PEOPLE_ONLY.has(s));
  if (reserved.length)
    throw new Invalid(
      `${reserved.join(", ")} cannot be given to a key: only signed-in people manage keys and the team`,
      [{ path: "scopes", message: "people-only scope" }],
    );
  // a key can never hold more than its creator: no privilege escalation through keys
  const missing = input.scopes.filter((s) => !ctx.actor.permissions.has(s));
  if (missing.length) throw new Forbidden(`you cannot grant scopes you do not hold: ${missing.join(", ")}`);
  const secret = `sk_${randomToken(40)}`;
  const now = new Date(ctx.clock.now());
  const row = await ctx.repos.apiKeys.insert({
    id: newId("key", now.getTime()),
    tenantId: ctx.tenantId,
    name: input.name,
    hint: `${secret.slice(0, 7)}…${secret.slice(-4)}`,
    keyHash: await sha256Hex(secret),
    scopes: [...new Set(input.scopes)],
    createdBy: actorId(ctx.actor),
    createdAt: now,
  });
  await audit(ctx, "key.created", { type: "key", id: row.id }, { name: row.name, scopes: row.scopes });
  return { key: row, secret };
}

export const listApiKeys = (ctx: Ctx) => ctx.repos.apiKeys.list(ctx.tenantId);

export async function revokeApiKey(ctx: Ctx, id: string) {
  const row = await ctx.repos.apiKeys.revoke(ctx.tenantId, id, new Date(ctx.clock.now()));
  if (!row) throw new NotFound("api key", id);
  await announceAuthority(ctx, row.id, "revoked");
  await audit(ctx, "key.revoked", { type: "key", id });
  return row;
}

/**
 * Resolves an `sk_` secret to its tenant and scopes; revoked or unknown keys are 401. A key acts with
 * at most its creator's *current* role (one joined read): a creator who left the workspace takes
 * the key with them (401), a demoted creator's key shrinks with them.
 */
export async function authenticateApiKey(ctx: BaseCtx, secret: string): Promise<{ tenantId: string; actor: Actor }> {
  const found = await ctx.repos.keyCreators.withCreatorRole(await sha256Hex(secret));
  if (!found || found.key.revokedAt) throw new Unauthorized("API key is invalid or revoked");
  if (!found.creatorRole) throw new Unauthorized("API key is invalid or revoked: its creator left the workspace");
  const allowed = await permissionsOfRole(ctx.repos, found.key.tenantId, found.creatorRole);
  const scopes = (found.key.scopes as Permission[]).filter((s) => allowed.has(s));
  return {
    tenantId: found.key.tenantId,
    actor: { kind: "key", keyId: found.key.id, permissions: new Set(scopes) },
  };
}
