/**
 * What a paid model call costs: US dollars per million tokens, in micro-dollars (so $0.15 / 1M is
 * 150_000), input and output. A deployment edits this table like the plan catalogue (README
 * "Billing and plans"). A model is found by the longest entry its name starts with, after the
 * adapter prefix (`openai:`, `workers-ai:`, `anthropic:`) is dropped; the embedded answerer costs
 * nothing. A model not listed is charged at UNKNOWN_MODEL_PRICE, so a budget cap still bites.
 */
export type ModelPrice = { inputPerMillion: number; outputPerMillion: number };

export const MODEL_PRICES: Record<string, ModelPrice> = {
  offline: { inputPerMillion: 0, outputPerMillion: 0 },
  embedded: { inputPerMillion: 0, outputPerMillion: 0 },
  "gpt-4o-mini": { inputPerMillion: 150_000, outputPerMillion: 600_000 },
  "gpt-4o": { inputPerMillion: 2_500_000, outputPerMillion: 10_000_000 },
  "gpt-4.1-nano": { inputPerMillion: 100_000, outputPerMillion: 400_000 },
  "gpt-4.1-mini": { inputPerMillion: 400_000, outputPerMillion: 1_600_000 },
  "gpt-4.1": { inputPerMillion: 2_000_000, outputPerMillion: 8_000_000 },
  "claude-haiku": { inputPerMillion: 1_000_000, outputPerMillion: 5_000_000 },
  "claude-3-5-haiku": { inputPerMillion: 800_000, outputPerMillion: 4_000_000 },
  "claude-sonnet": { inputPerMillion: 3_000_000, outputPerMillion: 15_000_000 },
  "gemini-2.0-flash": { inputPerMillion: 100_000, outputPerMillion: 400_000 },
  "gemini-2.5-flash": { inputPerMillion: 300_000, outputPerMillion: 2_500_000 },
  "gemini-2.5-pro": { inputPerMillion: 1_250_000, outputPerMillion: 10_000_000 },
  "@cf/meta/llama-3.1-8b-instruct": { inputPerMillion: 282_000, outputPerMillion: 827_000 },
};

export const UNKNOWN_MODEL_PRICE: ModelPrice = { inputPerMillion: 2_500_000, outputPerMillion: 10_000_000 };

/** The model's name without its adapter prefix (`openai:gpt-4o-mini` → `gpt-4o-mini`). */
export function modelKey(model: string): string {
  const m = model.trim().toLowerCase();
  const colon = m.indexOf(":");
  return colon > 0 && !m.startsWith("@") ? m.slice(colon + 1) : m;
}

export function priceOf(model: string): ModelPrice {
  const key = modelKey(model);
  let best: string | undefined;
  for (const k of Object.keys(MODEL_PRICES)) if (key.startsWith(k) && (!best || k.length > best.length)) best = k;
  return best ? MODEL_PRICES[best]! : UNKNOWN_MODEL_PRICE;
}

/** Cost of one call in micro-dollars (rounded to the nearest; never negative). */
export function costMicrosOf(model: string, inputTokens: number, outputTokens: number): number {
  const p = priceOf(model);
  const cost = (Math.max(0, inputTokens) * p.inputPerMillion + Math.max(0, outputTokens) * p.outputPerMillion) / 1e6;
  return Math.round(cost);
}
