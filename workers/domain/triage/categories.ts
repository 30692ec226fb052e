import { Conflict, Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { CategoryRow } from "../../storage/schema";
import type { AnswerCtx } from "../knowledge/answer-types";
import { actorId, type Ctx } from "../ctx";
import { classifyText, trainCategoryModel, type CategoryModel } from "./classifier";
import { MAX_CATEGORIES, type CategoryInput, type CategoryPatch } from "./schemas";

/**
 * Tenant categories and their example messages, and the classifier trained from them. The model is
 * rebuilt lazily: every change bumps the tenant's version in D1 (same batch as the change), and an
 * isolate's cached model is reused while its version matches (checked at most every 30 s).
 */
const MODEL_CACHE_TENANTS = 64;
/**
 * How long an isolate trusts its cached model without reading the version: a room triaging every
 * message would otherwise pay two D1 reads per message. A change made through this isolate applies at
 * once (it forgets the entry); one made elsewhere within this time.
 */
const MODEL_CHECK_TTL_MS = 30_000;
const cache = new Map<
  string,
  { version: number; model: CategoryModel; names: Map<string, string>; checkedAt: number }
>();

/** A category or its examples changed: this isolate re-reads the model on next use. */
const forgetCategoryModel = (tenantId: string) => void cache.delete(tenantId);

/** Predictions barely above chance leave the conversation unlabelled (confidence < this × 1/K). */
const MIN_OVER_CHANCE = 1.5;

export function toCategoryDto(c: CategoryRow, exampleCount: number) {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    priority: c.priority ?? null,
    exampleCount,
    createdAt: c.createdAt.toISOString(),
    updatedAt: c.updatedAt.toISOString(),
  };
}

export async function listCategories(ctx: Ctx) {
  const repo = ctx.repos.categories;
  const [rows, counts] = await Promise.all([repo.list(ctx.tenantId), repo.exampleCounts(ctx.tenantId)]);
  const n = new Map(counts.map((c) => [c.categoryId, c.n]));
  return rows.map((c) => toCategoryDto(c, n.get(c.id) ?? 0));
}

export async function getCategory(ctx: Ctx, id: string) {
  const repo = ctx.repos.categories;
  const c = await repo.get(ctx.tenantId, id);
  if (!c) throw new NotFound("category", id);
  const examples = await repo.examplesOf(ctx.tenantId, id);
  return {
    ...toCategoryDto(c, examples.length),
    examples: examples.map((e) => ({ id: e.id, text: e.text, source: e.source, createdAt: e.createdAt.toISOString() })),
  };
}

export async function createCategory(ctx: Ctx, input: CategoryInput) {
  const repo = ctx.repos.categories;
  if (await repo.byName(ctx.tenantId, input.name)) throw new Conflict(`a category named "${input.name}" exists`);
  if ((await repo.list(ctx.tenantId)).length >= MAX_CATEGORIES)
    throw new Conflict(`at most ${MAX_CATEGORIES} categories`);
  const now = new Date(ctx.clock.now());
  const row: CategoryRow = {
    id: newId("cat", now.getTime()),
    tenantId: ctx.tenantId,
    name: input.name,
    description: input.description ?? "",
    priority: input.priority ?? null,
    createdAt: now,
    updatedAt: now,
  };
  const examples = dedupe(input.examples ?? []).map((text) =>
    repo.insertExampleStmt({ tenantId: ctx.tenantId, categoryId: row.id, text, source: "admin", createdAt: now }),
  );
  await ctx.repos.batch([repo.insertStmt(row), ...examples, repo.bumpVersionStmt(ctx.tenantId)]);
  forgetCategoryModel(ctx.tenantId);
  return getCategory(ctx, row.id);
}

export async function updateCategory(ctx: Ctx, id: string, patch: CategoryPatch) {
  const repo = ctx.repos.categories;
  if (patch.name) {
    const same = await repo.byName(ctx.tenantId, patch.name);
    if (same && same.id !== id) throw new Conflict(`a category named "${patch.name}" exists`);
  }
  const row = await repo.update(ctx.tenantId, id, {
    ...(patch.name !== undefined && { name: patch.name }),
    ...(patch.description !== undefined && { description: patch.description }),
    ...(patch.priority !== undefined && { priority: patch.priority }),
    updatedAt: new Date(ctx.clock.now()),
  });
  if (!row) throw new NotFound("category", id);
  forgetCategoryModel(ctx.tenantId);
  return getCategory(ctx, id);
}

export async function deleteCategory(ctx: Ctx, id: string) {
  const repo = ctx.repos.categories;
  if (!(await repo.get(ctx.tenantId, id))) throw new NotFound("category", id);
  await ctx.repos.batch([
    repo.deleteExamplesStmt(ctx.tenantId, id),
    ctx.repos.routing.deleteForCategoryStmt(ctx.tenantId, id),
    repo.deleteStmt(ctx.tenantId, id),
    repo.bumpVersionStmt(ctx.tenantId),
  ]);
  forgetCategoryModel(ctx.tenantId);
}

export async function addExamples(ctx: Ctx, categoryId: string, texts: string[]) {
  const repo = ctx.repos.categories;
  if (!(await repo.get(ctx.tenantId, categoryId))) throw new NotFound("category", categoryId);
  const now = new Date(ctx.clock.now());
  const have = new Set((await repo.examplesOf(ctx.tenantId, categoryId)).map((e) => e.text));
  const fresh = dedupe(texts).filter((t) => !have.has(t));
  if (fresh.length) {
    await ctx.repos.batch([
      repo.bumpVersionStmt(ctx.tenantId),
      ...fresh.map((text) =>
        repo.insertExampleStmt({ tenantId: ctx.tenantId, categoryId, text, source: "admin", createdAt: now }),
      ),
    ]);
    forgetCategoryModel(ctx.tenantId);
  }
  return getCategory(ctx, categoryId);
}

export async function deleteExample(ctx: Ctx, categoryId: string, exampleId: number) {
  const repo = ctx.repos.categories;
  const gone = await repo.deleteExample(ctx.tenantId, categoryId, exampleId);
  if (!gone) throw new NotFound("example", String(exampleId));
  await repo.bumpVersionStmt(ctx.tenantId).run();
  forgetCategoryModel(ctx.tenantId);
}

function dedupe(texts: string[]) {
  return [...new Set(texts.map((t) => t.trim()).filter(Boolean))];
}

/** The tenant's trained classifier, or null when it has no examples. Cached per isolate by version. */
export async function categoryModelFor(
  ctx: AnswerCtx,
): Promise<{ model: CategoryModel; names: Map<string, string> } | null> {
  const now = Date.now();
  const fresh = cache.get(ctx.tenantId);
  if (fresh && now - fresh.checkedAt < MODEL_CHECK_TTL_MS)
    return fresh.model.labels.length ? { model: fresh.model, names: fresh.names } : null;
  const repo = ctx.repos.categories;
  const [version, cats] = await Promise.all([repo.version(ctx.tenantId), repo.list(ctx.tenantId)]);
  const names = new Map(cats.map((c) => [c.id, c.name]));
  const hit = cache.get(ctx.tenantId);
  let model: CategoryModel;
  if (hit && hit.version === version) model = hit.model;
  else
    model = trainCategoryModel(
      (await repo.examples(ctx.tenantId))
        .filter((e) => names.has(e.categoryId))
        .map((e) => ({ text: e.text, label: e.categoryId })),
    );
  cache.delete(ctx.tenantId);
  cache.set(ctx.tenantId, { version, model, names, checkedAt: now });
  if (cache.size > MODEL_CACHE_TENANTS) cache.delete(cache.keys().next().value!);
  return model.labels.length ? { model, names } : null;
}

/** Predicts the category of `text`; null when the tenant has no trained categories or the guess is near chance. */
export async function predictCategory(ctx: AnswerCtx, text: string) {
  const m = await categoryModelFor(ctx);
  if (!m) return null;
  const p = classifyText(m.model, text);
  if (!p) return null;
  const chance = 1 / m.model.labels.length;
  const sure =
    m.model.labels.length === 1 ? p.confidence > 0.1 : p.confidence >= Math.min(0.9, chance * MIN_OVER_CHANCE);
  const scores: Record<string, number> = {};
  for (const [id, s] of Object.entries(p.scores)) scores[id] = Math.round(s * 1000) / 1000;
  return {
    categoryId: sure ? p.label : null,
    name: sure ? (m.names.get(p.label) ?? null) : null,
    confidence: p.confidence,
    scores,
  };
}

/** Categories with a few examples each, for the optional LLM chooser's prompt. */
export async function categoryChoices(ctx: AnswerCtx) {
  const repo = ctx.repos.categories;
  const [cats, examples] = await Promise.all([repo.list(ctx.tenantId), repo.examples(ctx.tenantId)]);
  return cats.map((c) => ({
    id: c.id,
    name: c.name,
    description: c.description,
    examples: examples
      .filter((e) => e.categoryId === c.id)
      .slice(0, 3)
      .map((e) => e.text),
  }));
}

/**
 * An operator's correction: the conversation gets the category, its first visitor message becomes
 * an example of it (so the model learns), and its live ticket follows.
 */
export async function correctConversationCategory(ctx: Ctx, conversationId: string, categoryId: string) {
  const conv = await ctx.repos.conversations.get(ctx.tenantId, conversationId);
  const triage = await ctx.repos.conversationTriage.get(ctx.tenantId, conversationId);
  if (!conv && !triage) throw new NotFound("conversation", conversationId);
  const repo = ctx.repos.categories;
  if (!(await repo.get(ctx.tenantId, categoryId))) throw new NotFound("category", categoryId);
  const text = triage?.firstVisitorText ?? (await firstVisitorText(ctx, conversationId));
  if (!text) throw new Conflict("the conversation has no visitor message to learn from yet");
  const now = new Date(ctx.clock.now());
  const stmts = [];
  const have = await repo.examplesOf(ctx.tenantId, categoryId);
  if (!have.some((e) => e.text === text)) {
    stmts.push(
      repo.insertExampleStmt({
        tenantId: ctx.tenantId,
        categoryId,
        text: text.slice(0, 1000),
        source: "correction",
        createdAt: now,
      }),
      repo.bumpVersionStmt(ctx.tenantId),
    );
  }
  const tickets = ctx.repos.tickets;
  const live = await tickets.liveForConversation(ctx.tenantId, conversationId);
  if (live && live.categoryId !== categoryId) {
    stmts.push(
      tickets.updateStmt(ctx.tenantId, live.id, { categoryId, updatedAt: now }),
      tickets.insertEventStmt({
        id: newId("evt", now.getTime()),
        tenantId: ctx.tenantId,
        ticketId: live.id,
        kind: "category",
        actor: actorId(ctx.actor),
        data: { from: live.categoryId, to: categoryId, correction: true },
        createdAt: now,
      }),
    );
  }
  if (stmts.length) await ctx.repos.batch(stmts as unknown as Parameters<typeof ctx.repos.batch>[0]);
  forgetCategoryModel(ctx.tenantId);
  const row = triage
    ? await ctx.repos.conversationTriage.setCategory(ctx.tenantId, conversationId, {
        categoryId,
        categoryConfidence: null,
        categorySource: "operator",
        updatedAt: now,
      })
    : await insertBareTriage(ctx, conversationId, conv!.botId, categoryId, text, now);
  return { conversationId, categoryId, source: row?.categorySource ?? "operator", learnedExample: text };
}

async function insertBareTriage(
  ctx: Ctx,
  conversationId: string,
  botId: string,
  categoryId: string,
  text: string,
  now: Date,
) {
  await ctx.repos.conversationTriage.upsert({
    tenantId: ctx.tenantId,
    conversationId,
    botId,
    categoryId,
    categoryConfidence: null,
    categorySource: "operator",
    firstVisitorText: text,
    frustrationLast: 0,
    frustrationTrend: 0,
    frustrationMax: 0,
    negativeStreak: 0,
    lowConfidenceStreak: 0,
    visitorMessages: 0,
    updatedAt: now,
  });
  return ctx.repos.conversationTriage.get(ctx.tenantId, conversationId);
}

async function firstVisitorText(ctx: Ctx, conversationId: string) {
  const msgs = await ctx.repos.messages.list(ctx.tenantId, conversationId, { limit: 50, includeInternal: false });
  return msgs.find((m) => m.role === "visitor")?.text ?? null;
}

export function assertCategoryId(id: string) {
  if (!id.startsWith("cat_"))
    throw new Invalid("not a category id", [{ path: "categoryId", message: "expected a cat_ id" }]);
}
