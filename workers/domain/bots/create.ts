import { requireAllowed } from "../billing/may-tenant";
import { newId, randomToken } from "../../lib/ids";
import type { BotRow } from "../../storage/schema";
import type { BaseCtx, Ctx } from "../ctx";
import { encryptSecret, masterKeysOf } from "../secrets/crypto";
import { type BotInput, DEFAULT_SETTINGS, DEFAULT_THEME } from "./schemas";
import { audit } from "../audit";

/** Builds the row and insert statement, so signup can put the first bot in its batch. */
export async function createBotStmts(ctx: BaseCtx, tenantId: string, input: BotInput) {
  const now = new Date(ctx.clock.now());
  const row: BotRow = {
    id: newId("bot", now.getTime()),
    tenantId,
    name: input.name,
    instructions: input.instructions ?? "",
    greeting: input.greeting ?? `Hi! I'm ${input.name}. Ask me anything.`,
    theme: { ...DEFAULT_THEME, ...input.theme },
    settings: { ...DEFAULT_SETTINGS, ...input.settings },
    allowedOrigins: input.allowedOrigins ?? [],
    persona: input.persona ?? null,
    avatar: input.avatar ?? null,
    publishableKey: `pk_${randomToken(32)}`,
    secretCiphertext: await encryptSecret(masterKeysOf(ctx.config), tenantId, randomToken(40)),
    version: 1,
    createdAt: now,
    updatedAt: now,
  };
  return { row, stmts: [ctx.repos.bots.insertStmt(row)] as const };
}

export async function createBot(ctx: Ctx, input: BotInput) {
  // the plan's bot count (403 PLAN_LIMIT naming the plan and the limit)
  await requireAllowed(ctx, { kind: "create_bot" });
  const { row, stmts } = await createBotStmts(ctx, ctx.tenantId, input);
  await stmts[0].run();
  await audit(ctx, "bot.created", { type: "bot", id: row.id }, { name: row.name });
  return row;
}
