import { z } from "zod";
import type { VoiceCallRow, VoiceIntegrationRow } from "../../storage/schema";
import { lookupOrder, orderAnswerText } from "../commerce/orders";
import { streamAnswer } from "../knowledge/answer";
import type { AnswerDone } from "../knowledge/answer-types";
import { createTicketForEscalation } from "../triage/tickets";
import { handOffCall } from "./calls";
import type { VoiceCtx } from "./ports";

/**
 * The tools a voice agent may call (Vapi tool-calls, ElevenLabs server tools): arguments are
 * LLM output, so each is validated before use; a bad call is a result with `error`, not a 500.
 */
export const TOOL_NAMES = ["lookup_knowledge", "lookup_order", "create_ticket", "transfer_to_human"] as const;
export type ToolName = (typeof TOOL_NAMES)[number];

const LookupArgs = z.object({ query: z.string().trim().min(1).max(1000) });
const OrderArgs = z.object({ orderNumber: z.string().trim().min(1).max(40), email: z.email().max(320) });
const TicketArgs = z.object({
  subject: z.string().trim().max(200).optional(),
  description: z.string().trim().max(4000).optional(),
  priority: z.string().max(20).optional(),
});

export type ToolOutcome = { result?: string; error?: string; message?: string; transferTo?: string | null };

/** JSON-schema definitions of the tools, for an assistant built from a bot. */
export const TOOL_DEFINITIONS = {
  lookup_knowledge: {
    name: "lookup_knowledge",
    description:
      "Look up the company's help articles and documents to answer the caller's question. Use it for any product, account, billing or how-to question.",
    parameters: {
      type: "object",
      properties: { query: { type: "string", description: "The caller's question, in their words" } },
      required: ["query"],
    },
  },
  lookup_order: {
    name: "lookup_order",
    description:
      "Look up the caller's order in the store: status, items, tracking and refunds. Needs both the order number and the email address on the order; ask the caller for both.",
    parameters: {
      type: "object",
      properties: {
        orderNumber: { type: "string", description: "The order number, e.g. 1001" },
        email: { type: "string", description: "The email address the order was placed with" },
      },
      required: ["orderNumber", "email"],
    },
  },
  create_ticket: {
    name: "create_ticket",
    description: "Open a support ticket for the caller when they need follow-up the assistant cannot give on the call.",
    parameters: {
      type: "object",
      properties: {
        subject: { type: "string" },
        description: { type: "string" },
        priority: { type: "string", enum: ["low", "normal", "high", "urgent"] },
      },
      required: ["description"],
    },
  },
  transfer_to_human: {
    name: "transfer_to_human",
    description: "Transfer the call to a person on the support team when the caller asks for a human or is frustrated.",
    parameters: { type: "object", properties: { reason: { type: "string" } } },
  },
} as const;

/** Collects the answerer's full answer for a spoken reply. */
export async function answerForVoice(
  ctx: VoiceCtx,
  botId: string,
  question: string,
  signal?: AbortSignal,
  /** The call's speech locale: the reply language when the bot's is "auto". */
  language?: string,
): Promise<AnswerDone | undefined> {
  let done: AnswerDone | undefined;
  const hint = language ? { language } : {};
  for await (const ev of streamAnswer(ctx, { botId, question, channel: "voice", ...hint }, signal))
    if (ev.type === "done") done = ev;
  return done;
}

export async function runTool(
  ctx: VoiceCtx,
  integration: VoiceIntegrationRow,
  call: VoiceCallRow | undefined,
  name: string,
  args: unknown,
): Promise<ToolOutcome> {
  if (name === "lookup_knowledge") {
    const a = LookupArgs.safeParse(args);
    if (!a.success) return { error: "lookup_knowledge needs a `query` string" };
    const done = await answerForVoice(ctx, integration.botId, a.data.query);
    if (!done) return { error: "no answer" };
    return {
      result: JSON.stringify({
        answer: done.answer,
        confident: !done.handoff,
        sources: done.sources.map((s) => s.title),
      }),
    };
  }
  if (name === "lookup_order") {
    // number AND the email on the order (commerce/orders.ts): a mismatch is the same "not found"
    const a = OrderArgs.safeParse(args);
    if (!a.success) return { error: "lookup_order needs `orderNumber` and a valid `email`" };
    const order = await lookupOrder({ ...ctx, tenantId: integration.tenantId }, a.data);
    if (!order) return { result: JSON.stringify({ found: false }) };
    return { result: JSON.stringify({ found: true, summary: orderAnswerText(order), order }) };
  }
  if (name === "create_ticket") {
    const a = TicketArgs.safeParse(args ?? {});
    if (!a.success) return { error: "create_ticket arguments are invalid" };
    if (!call) return { error: "no call to attach the ticket to" };
    const lines = await ctx.deps.room(call.tenantId, call.conversationId).messages(0, 500);
    const transcript = [
      ...lines.map((l) => ({ role: l.role, text: l.text })),
      ...(a.data.description
        ? [
            {
              role: "system",
              text: `Ticket requested on the call: ${a.data.subject ? `${a.data.subject}: ` : ""}${a.data.description}`,
            },
          ]
        : []),
    ];
    const { ticket, created } = await createTicketForEscalation(ctx, {
      conversationId: call.conversationId,
      botId: call.botId,
      reason: "ticket_requested",
      transcript,
    });
    return {
      result: JSON.stringify({ ticketId: ticket.id, created }),
      message: "I've opened a ticket; our team will follow up.",
    };
  }
  if (name === "transfer_to_human") {
    // the tool's `reason` argument is LLM text: the stored reason stays the closed "asked_for_human"
    if (!call) return { error: "no call to transfer" };
    const h = await handOffCall(ctx, integration, call, "asked_for_human");
    if (!h.number)
      return {
        result: JSON.stringify({ transferred: false, summary: h.summary }),
        message: "I've let our team know; someone will call you back shortly.",
      };
    return {
      result: JSON.stringify({ transferred: true, number: h.number, summary: h.summary }),
      message: h.spoken,
      transferTo: h.number,
    };
  }
  return { error: `unknown tool ${name}` };
}
