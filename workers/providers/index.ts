import type OpenAI from "openai";
import type { Config } from "../contracts/config";
import type {
  AnswerModel,
  CategoryChooser,
  Embedder,
  FrustrationClassifier,
  ProvidersPort,
  RetrievalProviders,
  VectorIndex,
} from "../contracts/providers";
import type { Repos } from "../storage/repos";
import { type BotProviderSettings, botAnswerChain } from "./answer/chain";
import { offlineAnswerModel } from "./answer/offline";
import { openAiAnswerModel } from "./answer/openai";
import { workersAiAnswerModel } from "./answer/workers-ai";
import { openAiCategoryModel, openAiFrustrationModel } from "./classifiers/openai";
import { d1VectorIndex } from "./embeddings/d1-index";
import { vectorizeIndex } from "./embeddings/vectorize";
import { workersAiEmbedder } from "./embeddings/workers-ai";
import { openAiClient, type OpenAiSettings } from "./openai-client";

/**
 * The only place that chooses adapters. Answer generation: the tenant's own OpenAI-compatible
 * settings when it saved a key; else Workers AI when the config asks for it and the AI binding
 * exists; else the offline extractive default. Classifiers: the tenant's key only when the config's
 * answer provider is "openai", else the embedded models. The vector side exists only when an
 * embedder does (the AI binding): Vectorize when bound, else the D1 vector table. Locally: offline
 * + lexical.
 */
export function chooseAnswerModel(opts: {
  config: Pick<Config, "answerProvider">;
  ai?: Pick<Ai, "run">;
  openai?: OpenAiSettings | null;
}): AnswerModel {
  if (opts.openai) return openAiAnswerModel(opts.openai);
  if (opts.config.answerProvider === "workers-ai" && opts.ai) return workersAiAnswerModel(opts.ai);
  return offlineAnswerModel;
}

export function chooseRetrievalProviders(opts: {
  repos: Pick<Repos, "knowledge">;
  ai?: Pick<Ai, "run">;
  vectors?: VectorizeIndex;
}): RetrievalProviders {
  if (!opts.ai) return null;
  return {
    embedder: workersAiEmbedder(opts.ai),
    index: opts.vectors ? vectorizeIndex(opts.vectors) : d1VectorIndex(opts.repos),
  };
}

/**
 * How long an isolate trusts its cached copy of a tenant's provider settings. The isolate that
 * saves or deletes the settings drops its copy at once (`invalidate`); other isolates (rooms run in
 * their own) pick the change up within this time. Bounded so a decrypted key does not live forever
 * in memory either.
 */
export const PROVIDER_CACHE_TTL_MS = 60_000;

/** Per-tenant choice, built from one load of its settings: one OpenAI client serves every adapter. */
type TenantChoice = {
  answer: AnswerModel;
  frustration: FrustrationClassifier | null;
  category: CategoryChooser | null;
};

/** Per isolate, across requests and rooms; keyed by tenant. Promises, so concurrent callers share one load. */
const cache = new Map<string, Promise<TenantChoice>>();
const cachedAt = new Map<string, number>();

export type ProvidersDeps = {
  config: Pick<Config, "answerProvider">;
  repos: Pick<Repos, "knowledge">;
  ai?: Pick<Ai, "run">;
  vectors?: VectorizeIndex;
  /** Loads and decrypts the tenant's OpenAI-compatible settings (null: none saved). */
  loadOpenAi: (tenantId: string) => Promise<OpenAiSettings | null>;
  /** Loads and decrypts a bot's own provider chain (empty: the bot has none). */
  loadBotChain?: (tenantId: string, botId: string) => Promise<BotProviderSettings[]>;
  now: () => number;
};

/** Per isolate: a bot's chain (null: it has none), keyed by tenant and bot, with the same lifetime as the tenant choice. */
const botCache = new Map<string, { at: number; model: Promise<AnswerModel | null> }>();
const botKey = (tenantId: string, botId: string) => `${tenantId}\u0000${botId}`;

function chooseBot(deps: ProvidersDeps, tenantId: string, botId: string): Promise<AnswerModel | null> {
  const load = deps.loadBotChain;
  if (!load) return Promise.resolve(null);
  const key = botKey(tenantId, botId);
  const hit = botCache.get(key);
  if (hit && deps.now() - hit.at < PROVIDER_CACHE_TTL_MS) return hit.model;
  const model = load(tenantId, botId).then((links) =>
    // which provider answered (and which were skipped) reaches the answerer as a report, logged per request
    links.length ? botAnswerChain(links) : null,
  );
  const entry = { at: deps.now(), model };
  botCache.set(key, entry);
  // a failed load is not cached: the next call tries again
  model.catch(() => {
    if (botCache.get(key) === entry) botCache.delete(key);
  });
  return model;
}

function choose(deps: ProvidersDeps, tenantId: string): Promise<TenantChoice> {
  const at = cachedAt.get(tenantId);
  const hit = cache.get(tenantId);
  if (hit && at !== undefined && deps.now() - at < PROVIDER_CACHE_TTL_MS) return hit;
  const loading = (async (): Promise<TenantChoice> => {
    const settings = await deps.loadOpenAi(tenantId);
    const client: OpenAI | undefined = settings ? openAiClient(settings) : undefined;
    const llm = settings && client && deps.config.answerProvider === "openai" ? { settings, client } : null;
    return {
      answer:
        settings && client
          ? openAiAnswerModel(settings, client)
          : chooseAnswerModel({ config: deps.config, ai: deps.ai }),
      frustration: llm ? openAiFrustrationModel(llm.settings, llm.client) : null,
      category: llm ? openAiCategoryModel(llm.settings, llm.client) : null,
    };
  })();
  cache.set(tenantId, loading);
  cachedAt.set(tenantId, deps.now());
  // a failed load (D1 hiccup, undecryptable row) is not cached: the next call tries again
  loading.catch(() => {
    if (cache.get(tenantId) === loading) {
      cache.delete(tenantId);
      cachedAt.delete(tenantId);
    }
  });
  return loading;
}

/** The providers port the composition root puts on every ctx. */
export function providersFor(deps: ProvidersDeps): ProvidersPort {
  return {
    answerModel: async (tenantId, botId) =>
      (botId ? await chooseBot(deps, tenantId, botId) : null) ?? (await choose(deps, tenantId)).answer,
    retrieval: () => chooseRetrievalProviders(deps),
    externalVectorIndex: () => (deps.vectors ? vectorizeIndex(deps.vectors) : null),
    frustration: async (tenantId) => (await choose(deps, tenantId)).frustration,
    categoryChooser: async (tenantId) => (await choose(deps, tenantId)).category,
    invalidate: (tenantId) => {
      cache.delete(tenantId);
      cachedAt.delete(tenantId);
      for (const key of botCache.keys()) if (key.startsWith(botKey(tenantId, ""))) botCache.delete(key);
    },
  };
}

export type {
  AnswerModel,
  BotProviderSettings,
  Embedder,
  VectorIndex,
  OpenAiSettings,
  RetrievalProviders,
  ProvidersPort,
};
