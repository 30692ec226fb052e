import type { Embedder } from "./port";

/** Workers AI text embeddings (bge-base: 768 dimensions, English). Only built when the AI binding exists. */
export const WORKERS_AI_EMBEDDING_MODEL = "@cf/baai/bge-base-en-v1.5";
/** The model accepts up to 100 texts per call. */
const BATCH = 100;

export function workersAiEmbedder(ai: Pick<Ai, "run">, model = WORKERS_AI_EMBEDDING_MODEL): Embedder {
  return {
    name: `workers-ai:${model}`,
    async embed(texts) {
      const out: Float32Array[] = [];
      for (let i = 0; i < texts.length; i += BATCH) {
        // the binding's overloads are keyed by model literal; this adapter accepts any embedding model
        const run = ai.run as unknown as (m: string, input: { text: string[] }) => Promise<{ data?: number[][] }>;
        const res = await run(model, { text: texts.slice(i, i + BATCH) });
        if (!Array.isArray(res.data)) throw new Error("embedding response without data");
        for (const v of res.data) out.push(Float32Array.from(v));
      }
      return out;
    },
  };
}
