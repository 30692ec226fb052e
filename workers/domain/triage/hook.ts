import { z } from "zod";
import type { AnswerCtx } from "../knowledge/answer-types";
import { categoryChoices, predictCategory } from "./categories";
import { frustrationTrend, scoreFrustration } from "./frustration";
import { categoryChooserFor, frustrationClassifierFor } from "./llm";
import { decideEscalation, DEFAULT_POLICY } from "./policy";
import { complaintCues } from "../knowledge/dialogue-acts";
import { shouts } from "./lexicon";
import type { ConversationTriageRow, EscalationPolicy } from "../../storage/schema";
import { policyFor } from "./settings";
import { textSimilarity, words } from "./text";
import { createTicketForEscalation, labelLiveTicket, solveTicketOnClose, type KnownConversation } from "./tickets";
import { mailHandoffAlert } from "../mail/product-mails";

/**
 * The embedded model's score of an earlier message, remembered per isolate: every triage rescores
 * the last HISTORY visitor messages, so a conversation's message k would otherwise be scored up to
 * 30 times. The model is pure, so a remembered score is the score.
 */
const EARLIER_SCORES_MAX = 4096;
/** Longer texts are scored each time (keeps the memory this holds under about 4 MB). */
const EARLIER_SCORE_CHARS = 1000;
const earlierScores = new Map<string, number>();
function earlierScore(text: string): number {
  if (text.length > EARLIER_SCORE_CHARS) return scoreFrustration(text);
  const hit = earlierScores.get(text);
  if (hit !== undefined) return hit;
  const s = scoreFrustration(text);
  if (earlierScores.size >= EARLIER_SCORES_MAX) earlierScores.delete(earlierScores.keys().next().value!);
  earlierScores.set(text, s);
  return s;
}

/**
 * The seam between the live conversation room and triage. The room calls these; triage owns them.
 * Both re-parse their input (the room is a trust boundary like any other) and never throw for a
 * storage hiccup in the scoring path: a D1 failure falls back to the default policy.
 */
export type TriageInput = {
  conversationId: string;
  botId: string;
  /** The new visitor message. */
  text: string;
  /** Earlier visitor messages, oldest first (for repetition and trend). */
  previousVisitorTexts: string[];
  /** Confidence of the last AI answer in this conversation, if any (0..1). */
  lastAnswerConfidence?: number;
};

export type TriageResult = {
  /** 0..1 frustration score of this message. */
  frustration: number;
  /** Set when the conversation should move to a person now. */
  escalate: null | {
    reason: "frustration" | "repeated_question" | "low_confidence" | "asked_for_human" | string;
    detail: string;
  };
  /** EWMA of the conversation's visitor message scores, this one included. */
  trend?: number;
  /** The conversation's category, when the classifier (or an operator) set one. */
  categoryId?: string | null;
};

/** Visitor messages considered for trend and repetition (the room sends at most ~30). */
const HISTORY = 30;
/** The category is predicted from the visitor's first messages until one is confident. */
const CATEGORY_MESSAGES = 3;
/** Messages shorter than this (in words) never count as "the same question" ("ok", "thanks"). */
const MIN_QUESTION_WORDS = 3;

const Input = z.object({
  conversationId: z.string().min(1).max(64),
  botId: z.string().min(1).max(64),
  text: z.string().max(16_000),
  previousVisitorTexts: z.array(z.string().max(16_000)).max(1000),
  lastAnswerConfidence: z.number().min(0).max(1).optional(),
});

/**
 * What the conversation room keeps between messages so triage reads nothing it already knows: the
 * conversation's triage row (undefined: not loaded yet; null: none) and the bot's policy. With it,
 * triage writes nothing either: the room copies `row` to D1 with its batched flush.
 */
export type RoomTriageState = { prior: ConversationTriageRow | null | undefined; policy?: EscalationPolicy };

export async function triageVisitorMessage(
  ctx: AnswerCtx,
  input: TriageInput,
  room?: RoomTriageState,
): Promise<TriageResult & { row: ConversationTriageRow }> {
  const i = Input.parse(input);
  const previous = i.previousVisitorTexts.slice(-HISTORY);
  const policy = room?.policy ?? (await policyFor(ctx, i.botId).catch(() => DEFAULT_POLICY));
  const classifier = await frustrationClassifierFor(ctx);
  const score = await classifier.score(i.text);
  // earlier messages use the embedded model: cheap, deterministic, and no extra provider calls
  const scores = [...previous.map(earlierScore), score];
  const trend = frustrationTrend(scores);
  let negativeStreak = 0;
  for (let k = scores.length - 1; k >= 0 && scores[k]! >= policy.negativeThreshold; k--) negativeStreak++;
  const sameQuestionCount =
    words(i.text).length >= MIN_QUESTION_WORDS
      ? 1 + previous.filter((p) => textSimilarity(p, i.text) >= policy.repeatSimilarity).length
      : 1;

  const repo = ctx.repos.conversationTriage;
  const prior =
    room?.prior !== undefined
      ? (room.prior ?? undefined)
      : await repo.get(ctx.tenantId, i.conversationId).catch(() => undefined);
  const priorLow = prior?.lowConfidenceStreak ?? 0;
  const lowConfidenceStreak =
    i.lastAnswerConfidence === undefined
      ? priorLow
      : i.lastAnswerConfidence < policy.lowConfidenceThreshold
        ? priorLow + 1
        : 0;
  const cues = complaintCues(i.text);
  // a complaint about "the answer" needs an answer before it
  const complaint = cues.complaint && i.lastAnswerConfidence !== undefined;
  const escalate = decideEscalation(policy, {
    text: i.text,
    score,
    trend,
    visitorMessages: scores.length,
    negativeStreak,
    sameQuestionCount,
    lowConfidenceStreak,
    complaint,
    // the embedded model on the words beside the complaint (cheap; no provider call for a remainder)
    ...(complaint ? { complaintScore: scoreFrustration(cues.rest) } : {}),
    problem: cues.problem,
    shouting: shouts(i.text),
  });

  let category = {
    id: prior?.categoryId ?? null,
    confidence: prior?.categoryConfidence ?? null,
    source: prior?.categorySource ?? null,
    text: prior?.firstVisitorText ?? null,
  };
  if (!category.id && previous.length < CATEGORY_MESSAGES) {
    const text = [...previous, i.text].join("\n");
    const p = await predictCategory(ctx, text).catch((err) => {
      ctx.log.warn("triage: category prediction failed", { error: String(err) });
      return null;
    });
    category = {
      id: p?.categoryId ?? null,
      confidence: p ? p.confidence : null,
      source: p?.categoryId ? "model" : null,
      text,
    };
    const llm = p ? await categoryChooserFor(ctx) : null;
    const chosen = llm ? await llm.choose(text, await categoryChoices(ctx)) : null;
    if (chosen) category = { id: chosen, confidence: null, source: "llm", text };
  }
  const now = new Date(ctx.clock.now());
  const row: ConversationTriageRow = {
    tenantId: ctx.tenantId,
    conversationId: i.conversationId,
    botId: i.botId,
    categoryId: category.id,
    categoryConfidence: category.confidence,
    categorySource: category.source,
    firstVisitorText: (category.text ?? i.text).slice(0, 2000),
    frustrationLast: score,
    frustrationTrend: trend,
    frustrationMax: Math.max(prior?.frustrationMax ?? 0, ...scores),
    negativeStreak,
    lowConfidenceStreak,
    visitorMessages: previous.length + 1,
    escalationReason: escalate?.reason ?? prior?.escalationReason ?? null,
    escalationDetail: escalate?.detail ?? prior?.escalationDetail ?? null,
    escalatedAt: escalate ? now : (prior?.escalatedAt ?? null),
    updatedAt: now,
  };
  if (!room)
    await repo
      .upsert(row)
      .run()
      .catch((err) =>
        ctx.log.error("triage: state write failed", { error: String(err), conversationId: i.conversationId }),
      );
  // a ticket opened before the conversation had a category (an escalation outran the classifier) gets it now
  if (category.id && !prior?.categoryId) {
    await labelLiveTicket(ctx, i.conversationId, category.id).catch((err) =>
      ctx.log.warn("triage: labelling the ticket failed", { error: String(err) }),
    );
  }
  return { frustration: score, escalate, trend, categoryId: category.id, row };
}

const EscalatedInput = z.object({
  conversationId: z.string().min(1).max(64),
  botId: z.string().min(1).max(64),
  reason: z.string().min(1).max(200),
  transcript: z.array(z.object({ role: z.string(), text: z.string() })).max(1000),
});

/** Called once when a conversation moves to waiting for a person (any reason). Creates the ticket. */
export async function onConversationEscalated(
  ctx: AnswerCtx,
  input: { conversationId: string; botId: string; reason: string; transcript: { role: string; text: string }[] },
  known?: KnownConversation,
): Promise<void> {
  const i = EscalatedInput.parse(input);
  const { ticket, created } = await createTicketForEscalation(ctx, i, known);
  ctx.log.info("triage: escalated", {
    conversationId: i.conversationId,
    reason: i.reason,
    ticketId: ticket.id,
    created,
    priority: ticket.priority,
    assigneeId: ticket.assigneeId,
  });
  // the assigned agent hears of it by mail too (once: only when this escalation opened the ticket)
  if (created)
    await mailHandoffAlert(ctx, {
      tenantId: ctx.tenantId,
      assigneeId: ticket.assigneeId,
      conversationId: i.conversationId,
      reason: i.reason,
      priority: ticket.priority,
      transcript: i.transcript,
    }).catch((err: unknown) => ctx.log.warn("triage: hand-off alert mail failed", { error: String(err) }));
}

/**
 * Optional seam for the room: an agent's first reply in a conversation records the live ticket's
 * first response at once (without it, GET /api/tickets/:id derives it from the D1 message copy).
 */
export async function onAgentReplied(ctx: AnswerCtx, input: { conversationId: string; at: number }): Promise<void> {
  const repo = ctx.repos.tickets;
  const t = await repo.liveForConversation(ctx.tenantId, input.conversationId);
  if (t && !t.firstRespondedAt && input.at >= t.createdAt.getTime())
    await repo.updateStmt(ctx.tenantId, t.id, { firstRespondedAt: new Date(input.at) }).run();
}

/**
 * The conversation closed (issue 22: a handled and closed chat left its ticket Open and Unassigned):
 * its live ticket is solved, and assigned to whoever handled it when it had no assignee.
 */
export async function onConversationClosed(
  ctx: AnswerCtx,
  input: { conversationId: string; by: string | null },
): Promise<void> {
  await solveTicketOnClose(ctx, input);
}
