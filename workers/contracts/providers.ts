/**
 * Provider ports: answer generation, embeddings and vector search, triage classifiers, and the
 * per-tenant choice among them (`ctx.providers`). Adapters live in workers/providers; the only
 * place that chooses is providers/index.ts, called by the composition root.
 */

// ---------------------------------------------------------------- answer generation

export type PromptTurn = { role: "visitor" | "ai" | "agent"; text: string };

/** One retrieved passage, numbered from 1 in the order given to the model; `[n]` cites it. */
export type Passage = {
  n: number;
  sourceId: string;
  title: string;
  /** Link to the original when the source has one. */
  url: string | null;
  heading: string;
  text: string;
  /** Retrieval score of the passage, 0..1 relative to the best one. */
  score: number;
};

/** A question term and its IDF weight among the tenant's chunks (the extractive default uses them). */
export type WeightedTerm = {
  term: string;
  weight: number;
  /** Synonyms that count as the term when matching passages. */
  alts?: string[];
};

/** A bot's persona as LLM adapters see it (domain/knowledge/persona.ts builds it; prompt.ts renders it). */
export type PromptPersona = {
  name: string;
  role?: string;
  tone: "neutral" | "friendly" | "formal";
  styleRules: string[];
  /** What the bot must never do. */
  never: string[];
  /** Further languages it may answer in. */
  languages: string[];
};

export type GroundedPrompt = {
  question: string;
  history: PromptTurn[];
  passages: Passage[];
  botName: string;
  /** The tenant's instructions and personality for this bot (may be empty). */
  instructions: string;
  /** Language to answer in (BCP-47 primary tag), or null: the visitor's language. */
  language: string | null;
  answerLength: "short" | "medium" | "long";
  channel: "chat" | "voice";
  terms: WeightedTerm[];
  /** The kind of answer wanted; the extractive default picks the sentence that states it. */
  questionType?: QuestionType;
  /** The bot's persona (issue 19); absent: a plain support assistant named `botName`. */
  persona?: PromptPersona | null;
  /**
   * Words at the heart of the question that the knowledge never uses (retrieve.ts `uncoveredFocus`).
   * The caller has already told the visitor the help centre does not mention them and will offer a
   * person after the answer; the model gives only what the passages say that comes closest.
   */
  uncovered?: string[];
};

/** What the question asks for (domain/knowledge/question-type.ts decides; "other" when unsure). */
export type QuestionType = "price" | "number" | "duration" | "when" | "where" | "howto" | "problem" | "yesno" | "other";

/**
 * What an adapter tells its caller beside the text: the tokens a provider billed (Anthropic's
 * `message_start`/`message_delta` usage, Gemini's `usageMetadata`, OpenAI's final `usage` chunk),
 * and, from the fallback chain, which model answered and which were skipped.
 */
export type AnswerReport =
  | { kind: "usage"; model: string; inputTokens: number; outputTokens: number }
  | { kind: "answered_by"; model: string; skipped: { model: string; error: string }[] };

export interface AnswerModel {
  /** Adapter name for logs and timings ("offline", "openai:gpt-4o-mini", "anthropic:claude-…", "workers-ai:@cf/…"). */
  readonly name: string;
  /**
   * Streams answer text for a grounded prompt; stops promptly when `signal` aborts; throws on
   * provider failure. `report` receives token usage (and the fallback chain's choice) as it is known.
   */
  stream(prompt: GroundedPrompt, signal?: AbortSignal, report?: (r: AnswerReport) => void): AsyncIterable<string>;
}

// ---------------------------------------------------------------- embeddings and vector search

export interface Embedder {
  readonly name: string;
  /** One vector per text, same order. */
  embed(texts: string[], signal?: AbortSignal): Promise<Float32Array[]>;
}

export type VectorMatch = { seq: number; score: number };

export interface VectorIndex {
  readonly name: string;
  upsert(tenantId: string, items: { seq: number; sourceId: string; vector: Float32Array }[]): Promise<void>;
  /** Nearest chunks of the tenant by cosine similarity, best first. */
  query(tenantId: string, vector: Float32Array, topK: number): Promise<VectorMatch[]>;
  remove(tenantId: string, sourceId: string, seqs: number[]): Promise<void>;
}

/** Embedder and vector index, or null when there is no embedder (lexical retrieval alone). */
export type RetrievalProviders = { embedder: Embedder; index: VectorIndex } | null;

// ---------------------------------------------------------------- triage classifiers

/** Frustration of one visitor message, 0..1. */
export interface FrustrationClassifier {
  readonly name: string;
  /** 0..1 frustration of one visitor message; stops promptly when `signal` aborts. */
  score(text: string, signal?: AbortSignal): Promise<number>;
}

/** A category choice by a model: one of `categories` by id, or null. */
export interface CategoryChooser {
  readonly name: string;
  choose(
    text: string,
    categories: { id: string; name: string; description: string; examples: string[] }[],
    signal?: AbortSignal,
  ): Promise<string | null>;
}

// ---------------------------------------------------------------- the per-tenant choice

/**
 * The providers of a tenant, chosen once and cached per isolate (providers/index.ts). Tenant
 * settings (an own OpenAI-compatible key) are loaded and decrypted once per cache lifetime, not per
 * call; `invalidate` drops the tenant's cached choice after it changes its settings.
 */
export interface ProvidersPort {
  /**
   * The bot's own provider chain when it has one (primary → secondary → the embedded answerer),
   * else the tenant's own OpenAI-compatible model, else Workers AI when configured and bound, else
   * the offline default.
   */
  answerModel(tenantId: string, botId?: string): Promise<AnswerModel>;
  /** Embeddings plus vector index (Vectorize when bound, else the D1 table), or null without an embedder. */
  retrieval(): RetrievalProviders;
  /**
   * The vector index outside D1 (Vectorize) when bound, else null: deleting a source must remove
   * its vectors there too (D1-stored vectors go in the same batch as the chunks).
   */
  externalVectorIndex(): VectorIndex | null;
  /** The tenant's LLM frustration classifier, or null: use the embedded model. */
  frustration(tenantId: string): Promise<FrustrationClassifier | null>;
  /** The tenant's LLM category chooser, or null: rules only. */
  categoryChooser(tenantId: string): Promise<CategoryChooser | null>;
  /** Forgets the tenant's cached choice (this isolate); call after its provider settings change. */
  invalidate(tenantId: string): void;
}
