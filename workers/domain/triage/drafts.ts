import { newId } from "../../lib/ids";
import { countAnswer, gatedAnswerer } from "../billing/answer-gate";
import { Conflict, NotFound } from "../../lib/errors";
import type { MessageRow } from "../../storage/schema";
import { answerOnce, streamAnswer } from "../knowledge/answer";
import type { AnswerTurn, StreamAnswer } from "../knowledge/answer-types";
import type { Ctx } from "../ctx";
import { frustrationTrend, scoreFrustration } from "./frustration";
import { asksForHuman } from "./lexicon";
import { isSubstantive, problemOf } from "./problem";

/** AI drafts for operators and hand-off summaries, both from the conversation's D1 copy. */
const MAX_MESSAGES = 200;
const HISTORY_TURNS = 12;

async function loadConversation(ctx: Ctx, conversationId: string) {
  const conv = await ctx.repos.conversations.get(ctx.tenantId, conversationId);
  if (!conv) throw new NotFound("conversation", conversationId);
  const msgs = await ctx.repos.messages.list(ctx.tenantId, conversationId, {
    limit: MAX_MESSAGES,
    includeInternal: false,
  });
  return { conv, msgs };
}

export async function conversationOfTicket(ctx: Ctx, ticketId: string) {
  const t = await ctx.repos.tickets.get(ctx.tenantId, ticketId);
  if (!t) throw new NotFound("ticket", ticketId);
  return t.conversationId;
}

/**
 * A reply the operator can edit and send: the answerer (knowledge base + the conversation so far)
 * answering what the visitor last asked. Embedded default: extractive, with citations. When the
 * latest message only asks for a person ("agent please" — the operator is that person), the draft
 * answers the visitor's last substantive message before it; with none, there is nothing to draft
 * (409). A greeting or thanks gets the bot's reply to it, as the widget would.
 */
export async function draftReply(ctx: Ctx, conversationId: string, answer: StreamAnswer = streamAnswer) {
  const { conv, msgs } = await loadConversation(ctx, conversationId);
  const visitor = msgs.filter((m) => m.role === "visitor");
  const latest = visitor.at(-1);
  if (!latest) throw new Conflict("the conversation has no visitor message to reply to");
  const lastVisitor = onlyAsksForPerson(latest.text) ? visitor.findLast((m) => isSubstantive(m.text)) : latest;
  if (!lastVisitor)
    throw new Conflict("the visitor has only asked for a person so far: there is no question to draft an answer to");
  const history: AnswerTurn[] = msgs
    .filter((m) => m.seq < lastVisitor.seq && m.role !== "system")
    .slice(-HISTORY_TURNS)
    .map((m) => ({ role: m.role as AnswerTurn["role"], text: m.text }));
  // billing first (402 over quota, or the embedded answerer when the tenant chose it); counted once per draft
  const gated = await gatedAnswerer(ctx, answer, conv.botId);
  const done = await answerOnce(
    gated(ctx, {
      botId: conv.botId,
      question: lastVisitor.text,
      history,
      channel: "chat",
      ...(conv.visitor.locale ? { language: conv.visitor.locale } : {}),
    }),
  );
  await countAnswer(ctx, newId("evt"), conv.botId, conv.channel, done.usage);
  return {
    conversationId,
    replyingTo: lastVisitor.seq,
    draft: done.answer,
    sources: done.sources,
    confidence: done.confidence,
    grounded: !done.handoff,
  };
}

const onlyAsksForPerson = (text: string) => !isSubstantive(text) && asksForHuman(text);

const firstSentence = (t: string, max = 180) => {
  const s = (
    t
      .replace(/\s+/g, " ")
      .trim()
      .match(/^.+?[.!?](\s|$)/)?.[0] ?? t
  ).trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

const clip = (t: string, max: number) => {
  const s = t.replace(/\s+/g, " ").trim();
  return s.length > max ? `${s.slice(0, max - 1)}…` : s;
};

export function sentimentLabel(trend: number) {
  // calm support questions score up to ~0.35 with the embedded model, so the bands start above that
  if (trend >= 0.75) return "very frustrated";
  if (trend >= 0.6) return "frustrated";
  if (trend >= 0.45) return "somewhat impatient";
  return "calm";
}

/**
 * Extractive one-paragraph summary for hand-offs: the issue (the visitor's first substantive
 * message, `problemOf`), what was tried (AI and agent replies), the customer's sentiment (frustration trend),
 * and what is pending (an unanswered visitor message, or waiting on the customer).
 */
export function summarize(
  msgs: Pick<MessageRow, "role" | "text">[],
  extra: { category?: string | null; escalationReason?: string | null } = {},
) {
  const visitor = msgs.filter((m) => m.role === "visitor");
  if (visitor.length === 0)
    return {
      summary: "The visitor has not written anything yet.",
      parts: { issue: null, tried: null, sentiment: "calm", pending: null },
    };
  // the problem leads: greetings, thanks and bare requests for a person are passed over
  const issueMsg = problemOf(visitor)!;
  const issue = `The customer wrote: "${firstSentence(issueMsg.text)}"${extra.category ? ` (category: ${extra.category})` : ""}.`;
  const ai = msgs.filter((m) => m.role === "ai");
  const agent = msgs.filter((m) => m.role === "agent");
  const tried: string[] = [];
  if (ai.length)
    tried.push(
      `the assistant answered ${ai.length} time${ai.length > 1 ? "s" : ""}, last with "${firstSentence(ai[ai.length - 1]!.text, 140)}"`,
    );
  if (agent.length)
    tried.push(
      `an agent replied ${agent.length} time${agent.length > 1 ? "s" : ""}, last with "${firstSentence(agent[agent.length - 1]!.text, 140)}"`,
    );
  const triedText = tried.length ? `So far ${tried.join(", and ")}.` : "Nobody has answered yet.";
  const trend = frustrationTrend(visitor.map((m) => scoreFrustration(m.text)));
  const sentiment = sentimentLabel(trend);
  const repeats = visitor.length > 1 ? ` across ${visitor.length} messages` : "";
  const sentimentText = `The customer seems ${sentiment}${repeats}${extra.escalationReason ? ` and was handed to a person (${extra.escalationReason.replace(/_/g, " ")})` : ""}.`;
  const lastIdx = msgs.map((m) => m.role).lastIndexOf("visitor");
  const answeredAfter = msgs.slice(lastIdx + 1).some((m) => m.role === "ai" || m.role === "agent");
  const pending = answeredAfter
    ? "Pending: waiting for the customer to confirm the answer helped."
    : `Pending: reply to "${clip(msgs[lastIdx]!.text, 200)}"`;
  const pendingText = pending.endsWith(".") || pending.endsWith('"') ? pending : `${pending}.`;
  return {
    summary: [issue, triedText, sentimentText, pendingText].join(" "),
    parts: { issue, tried: triedText, sentiment, pending: pendingText },
  };
}

export async function summarizeConversation(ctx: Ctx, conversationId: string) {
  const { msgs } = await loadConversation(ctx, conversationId);
  const triage = await ctx.repos.conversationTriage.get(ctx.tenantId, conversationId);
  const category = triage?.categoryId ? await ctx.repos.categories.get(ctx.tenantId, triage.categoryId) : undefined;
  return {
    conversationId,
    ...summarize(msgs, { category: category?.name ?? null, escalationReason: triage?.escalationReason ?? null }),
  };
}

/** The conversation's triage state for the operator view (frustration, trend, category, escalation). */
export async function getConversationTriage(ctx: Ctx, conversationId: string) {
  const t = await ctx.repos.conversationTriage.get(ctx.tenantId, conversationId);
  if (!t) {
    if (!(await ctx.repos.conversations.get(ctx.tenantId, conversationId)))
      throw new NotFound("conversation", conversationId);
    return {
      conversationId,
      visitorMessages: 0,
      frustration: null,
      trend: null,
      sentiment: null,
      categoryId: null,
      categoryConfidence: null,
      categorySource: null,
      escalationReason: null,
      escalationDetail: null,
    };
  }
  return {
    conversationId,
    visitorMessages: t.visitorMessages,
    frustration: t.frustrationLast,
    trend: t.frustrationTrend,
    sentiment: sentimentLabel(t.frustrationTrend),
    categoryId: t.categoryId,
    categoryConfidence: t.categoryConfidence,
    categorySource: t.categorySource,
    escalationReason: t.escalationReason,
    escalationDetail: t.escalationDetail,
  };
}
