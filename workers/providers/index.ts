import type { Config } from "../env";
import type { Db } from "../storage/db";
import { offlineAnswerModel } from "./answer/offline";
import { openAiAnswerModel, type OpenAiSettings } from "./answer/openai";
import type { AnswerModel } from "./answer/port";
import { workersAiAnswerModel } from "./answer/workers-ai";
import { d1VectorIndex } from "./embeddings/d1-index";
import type { Embedder, VectorIndex } from "./embeddings/port";
import { vectorizeIndex } from "./embeddings/vectorize";
import { workersAiEmbedder } from "./embeddings/workers-ai";

/**
 * The only place that chooses adapters. Answer generation: the tenant's own OpenAI-compatible
 * settings when it saved a key; else Workers AI when the config asks for it and the AI binding
 * exists; else the offline extractive default. The vector side exists only when an embedder does
 * (the AI binding): Vectorize when bound, else the D1 vector table. Locally: offline + lexical.
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

export type RetrievalProviders = { embedder: Embedder; index: VectorIndex } | null;

export function chooseRetrievalProviders(opts: {
  db: Db;
  ai?: Pick<Ai, "run">;
  vectors?: VectorizeIndex;
}): RetrievalProviders {
  if (!opts.ai) return null;
  return {
    embedder: workersAiEmbedder(opts.ai),
    index: opts.vectors ? vectorizeIndex(opts.vectors) : d1VectorIndex(opts.db),
  };
}

export type { AnswerModel, Embedder, VectorIndex, OpenAiSettings };
