import { z } from "@hono/zod-openapi";
import { sha256Hex } from "../../lib/crypto";
import { NotFound, Unauthorized } from "../../lib/errors";
import { newId, randomToken } from "../../lib/ids";
import { apiKeysRepo } from "../../storage/auth-repo";
import type { ApiKeyRow } from "../../storage/schema";
import { PERMISSIONS, type Permission } from "../auth/permissions";
import { type Actor, actorId, type BaseCtx, type Ctx } from "../ctx";
import { Forbidden } from "../../lib/errors";
import { announceAuthority } from "../conversations/authority";

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
  // a key can never hold more than its creator: no privilege escalation through keys
  const missing = input.scopes.filter((s) => !ctx.actor.permissions.has(s));
  if (missing.length) throw new Forbidden(`you cannot grant scopes you do not hold: ${missing.join(", ")}`);
  const secret = `sk_${randomToken(40)}`;
  const now = new Date(ctx.clock.now());
  const row = await apiKeysRepo(ctx.db).insert({
    id: newId("key", now.getTime()),
    tenantId: ctx.tenantId,
    name: input.name,
    hint: `${secret.slice(0, 7)}…${secret.slice(-4)}`,
    keyHash: await sha256Hex(secret),
    scopes: [...new Set(input.scopes)],
    createdBy: actorId(ctx.actor),
    createdAt: now,
  });
  return { key: row, secret };
}

export const listApiKeys = (ctx: Ctx) => apiKeysRepo(ctx.db).list(ctx.tenantId);

export async function revokeApiKey(ctx: Ctx, id: string) {
  const row = await apiKeysRepo(ctx.db).revoke(ctx.tenantId, id, new Date(ctx.clock.now()));
  if (!row) throw new NotFound("api key", id);
  await announceAuthority(ctx, row.id, "revoked");
  return row;
}

/** Resolves an `sk_` secret to its tenant and scopes; revoked or unknown keys are 401. */
export async function authenticateApiKey(ctx: BaseCtx, secret: string): Promise<{ tenantId: string; actor: Actor }> {
  const row = await apiKeysRepo(ctx.db).byHash(await sha256Hex(secret));
  if (!row || row.revokedAt) throw new Unauthorized("API key is invalid or revoked");
  return {
    tenantId: row.tenantId,
    actor: { kind: "key", keyId: row.id, permissions: new Set(row.scopes as Permission[]) },
  };
}
