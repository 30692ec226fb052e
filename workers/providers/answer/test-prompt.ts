import type { GroundedPrompt } from "./port";

/** The grounded prompt the provider adapters' tests send: one pricing passage; override what a test needs. */
export function pricingPrompt(over: Partial<GroundedPrompt> = {}): GroundedPrompt {
  return {
    question: "How much is Pro?",
    history: [{ role: "visitor", text: "hi" }],
    passages: [
      {
        n: 1,
        sourceId: "doc_x",
        title: "Pricing",
        url: null,
        heading: "Plans",
        text: "Pro costs $9.99 per month.",
        score: 1,
      },
    ],
    botName: "Helper",
    instructions: "Be brief.",
    language: null,
    answerLength: "short",
    channel: "chat",
    terms: [],
    ...over,
  };
}
