import { z } from "@hono/zod-openapi";
import type { EscalationPolicy } from "../../storage/schema";
import { dialogueActOf } from "../knowledge/dialogue-acts";
import { asksForHuman } from "./lexicon";

/** Reasons a conversation moves to a person; shown to the operator. */
export type EscalationReason = "frustration" | "repeated_question" | "asked_for_human" | "low_confidence";

/**
 * Defaults for a bot without a stored policy. With the committed model (CV threshold 0.44; calm support
 * questions score about 0.2-0.35, clearly angry ones 0.8-0.99),
 * two clearly angry messages in a row, or one furious one, reach a person; a single grumble does not.
 */
export const DEFAULT_POLICY: EscalationPolicy = {
  enabled: true,
  frustrationThreshold: 0.95,
  negativeThreshold: 0.7,
  consecutiveNegative: 2,
  trendThreshold: 0.75,
  askForHuman: true,
  repeatedQuestion: 3,
  repeatSimilarity: 0.85,
  lowConfidenceThreshold: 0.2,
  lowConfidenceCount: 2,
};

const unit = z.number().min(0).max(1);
export const EscalationPolicySchema = z
  .object({
    enabled: z.boolean(),
    frustrationThreshold: unit,
    negativeThreshold: unit,
    consecutiveNegative: z.number().int().min(0).max(20),
    trendThreshold: unit,
    askForHuman: z.boolean(),
    repeatedQuestion: z.number().int().min(0).max(20),
    repeatSimilarity: z.number().min(0.5).max(1),
    lowConfidenceThreshold: unit,
    lowConfidenceCount: z.number().int().min(1).max(20),
  })
  .openapi("EscalationPolicy");
export const EscalationPolicyPatch = EscalationPolicySchema.partial().strict().openapi("EscalationPolicyPatch");
export type EscalationPolicyPatch = z.infer<typeof EscalationPolicyPatch>;

/** What the policy looks at for one new visitor message (all computed by the caller). */
export type EscalationSignals = {
  text: string;
  /** This message's frustration score. */
  score: number;
  /** EWMA of the conversation's visitor message scores, this one included. */
  trend: number;
  /** How many visitor messages the trend is over, this one included (one message is not a trend). */
  visitorMessages: number;
  /** Visitor messages in a row, ending with this one, at or above `negativeThreshold`. */
  negativeStreak: number;
  /** How many visitor messages, this one included, ask the same question as this one. */
  sameQuestionCount: number;
  /** AI answers in a row under `lowConfidenceThreshold`, ending with the last one. */
  lowConfidenceStreak: number;
  /** The message complains about the bot's last answer ("that's not what I asked"); only after an answer. */
  complaint?: boolean;
  /**
   * The frustration score of the message without its complaint phrases ("…, this is so frustrating"):
   * how upset the visitor is beyond saying the answer missed. Absent: `score`.
   */
  complaintScore?: number;
  /** The message says something does not work without saying what ("why doesn't this work"). */
  problem?: boolean;
  /** The message is shouted (mostly capitals). */
  shouting?: boolean;
};

/** The first rule that fires, in order of how clearly the visitor wants a person. Pure. */
export function decideEscalation(
  p: EscalationPolicy,
  s: EscalationSignals,
): { reason: EscalationReason; detail: string } | null {
  if (!p.enabled) return null;
  // "are you a real person?" is a question about the bot (it answers it), not a request for a person
  if (p.askForHuman && asksForHuman(s.text) && dialogueActOf(s.text)?.act !== "bot_identity")
    return { reason: "asked_for_human", detail: "the visitor asked for a person" };
  if (s.score >= p.frustrationThreshold)
    return { reason: "frustration", detail: `message frustration ${s.score.toFixed(2)} ≥ ${p.frustrationThreshold}` };
  if (p.consecutiveNegative > 0 && s.negativeStreak >= p.consecutiveNegative)
    return {
      reason: "frustration",
      detail: `${s.negativeStreak} frustrated messages in a row (trend ${s.trend.toFixed(2)})`,
    };
  // the conversation itself tells what one Reddit-trained message score cannot: a visitor who says
  // the answer missed and is upset about it, or who shouts that something is broken, wants a person
  // "that didn't help" alone is answered (the bot offers a person); the words around it say whether
  // the visitor is upset, so they are scored apart: the complaint's own words score high on their own
  const upset = s.complaintScore ?? s.score;
  if (s.complaint && upset >= p.negativeThreshold)
    return {
      reason: "frustration",
      detail: `said the answer did not help, upset (frustration beside the complaint ${upset.toFixed(2)} ≥ ${p.negativeThreshold})`,
    };
  if (s.shouting && (s.complaint || s.problem))
    return { reason: "frustration", detail: "shouted that something does not work" };
  // over one message the EWMA is that message's score, which the single-message threshold governs
  if (s.visitorMessages >= 2 && s.trend >= p.trendThreshold)
    return { reason: "frustration", detail: `frustration trend ${s.trend.toFixed(2)} ≥ ${p.trendThreshold}` };
  if (p.repeatedQuestion > 0 && s.sameQuestionCount >= p.repeatedQuestion)
    return { reason: "repeated_question", detail: `the same question asked ${s.sameQuestionCount} times` };
  if (p.lowConfidenceThreshold > 0 && s.lowConfidenceStreak >= p.lowConfidenceCount)
    return {
      reason: "low_confidence",
      detail: `${s.lowConfidenceStreak} answers in a row under confidence ${p.lowConfidenceThreshold}`,
    };
  return null;
}
