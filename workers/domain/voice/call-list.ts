import { Invalid } from "../../lib/errors";
import { hasPrefix } from "../../lib/ids";
import { messageMatch } from "../../storage/message-search";
import type { MessageRow, VoiceCallRow } from "../../storage/schema";
import { audit } from "../audit";
import type { Ctx } from "../ctx";
import { eraseConversations } from "../privacy/erase";
import {
  CALL_TRANSCRIPT_MAX,
  type CallDetailDto,
  type CallDto,
  type CallLine,
  type CallListQuery,
} from "./call-schemas";
import { getCall } from "./call-get";
import { spokenOrder } from "./reconcile";
import { signRecordingUrl } from "./recording";

/** The calls list and detail (issue 19): voice_calls joined to the conversation's D1 copy. */

export function toCallDto(c: VoiceCallRow): CallDto {
  return {
    id: c.id,
    conversationId: c.conversationId,
    provider: c.provider,
    integrationId: c.integrationId,
    botId: c.botId,
    status: c.state,
    from: c.fromNumber,
    to: c.toNumber,
    startedAt: (c.startedAt ?? c.createdAt).toISOString(),
    endedAt: c.endedAt?.toISOString() ?? null,
    durationS: c.durationSec,
    cost: c.cost,
    costCurrency: c.costCurrency,
    endedReason: c.endedReason,
    outcome: c.state === "transferred" ? "handed_off" : c.endedReason,
    hasRecording: c.recordingKey !== null,
  };
}

const DAY_MS = 86_400_000;
const isDay = (v: string) => /^\d{4}-\d{2}-\d{2}$/.test(v);

const encodeCursor = (c: VoiceCallRow) =>
  btoa(`${c.createdAt.getTime()}.${c.id}`).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
function decodeCursor(cursor: string): { createdAt: number; id: string } {
  try {
    const [t, id] = atob(cursor.replace(/-/g, "+").replace(/_/g, "/")).split(".");
    if (t && id && /^\d+$/.test(t) && hasPrefix(id, "call")) return { createdAt: Number(t), id };
  } catch {}
  throw new Invalid("cursor is malformed", [{ path: "cursor", message: "use the nextCursor of a previous page" }]);
}

/** GET /api/calls: newest first, filtered, keyset-paged. */
export async function listCalls(ctx: Ctx, q: CallListQuery) {
  const textMatch = q.q === undefined ? undefined : messageMatch(ctx.tenantId, q.q);
  if (q.q !== undefined && !textMatch) return { data: [], nextCursor: null };
  const fromMs = q.from ? Date.parse(q.from) : undefined;
  // a day given as `to` includes the whole day
  const toMs = q.to ? Date.parse(q.to) + (isDay(q.to) ? DAY_MS : 1) : undefined;
  if (fromMs !== undefined && toMs !== undefined && toMs <= fromMs)
    throw new Invalid("`to` is before `from`", [{ path: "to", message: "must not be before from" }]);
  if (q.minDuration !== undefined && q.maxDuration !== undefined && q.maxDuration < q.minDuration)
    throw new Invalid("maxDuration is below minDuration", [{ path: "maxDuration", message: "must be ≥ minDuration" }]);
  const rows = await ctx.repos.voiceCalls.list(ctx.tenantId, {
    fromMs,
    toMs,
    state: q.status,
    provider: q.provider,
    integrationId: q.integrationId,
    botId: q.botId,
    outcome: q.outcome,
    minDurationSec: q.minDuration,
    maxDurationSec: q.maxDuration,
    textMatch,
    after: q.cursor ? decodeCursor(q.cursor) : undefined,
    limit: q.limit + 1,
  });
  const page = rows.slice(0, q.limit);
  return { data: page.map(toCallDto), nextCursor: rows.length > q.limit ? encodeCursor(page.at(-1)!) : null };
}

const str = (v: unknown) => (typeof v === "string" && v ? v : undefined);

/** The transcript in spoken order (lines the report added sort after the line they follow). */
export function orderTranscript(rows: MessageRow[]): CallLine[] {
  return spokenOrder(rows.map((m) => ({ ...m, meta: m.meta ?? undefined }))).map((m) => {
    const fromReport = m.meta?.source === "report";
    const at = fromReport && str(m.meta?.spokenAt) ? str(m.meta?.spokenAt)! : m.createdAt.toISOString();
    return { id: m.id, seq: m.seq, role: m.role, text: m.text, at, fromReport };
  });
}

/** GET /api/calls/:id: the call, its summary, hand-off and transcript, and a playable recording URL. */
export async function getCallDetail(ctx: Ctx, id: string): Promise<CallDetailDto> {
  const call = await getCall(ctx, ctx.tenantId, id);
  const [conv, rows] = await Promise.all([
    ctx.repos.conversations.get(ctx.tenantId, call.conversationId),
    ctx.repos.messages.list(ctx.tenantId, call.conversationId, { limit: CALL_TRANSCRIPT_MAX, includeInternal: false }),
  ]);
  const callMeta = (conv?.meta as { call?: { data?: Record<string, unknown> } } | null)?.call?.data ?? {};
  const handedOff = call.state === "transferred" || str(callMeta.handoffReason) !== undefined;
  return {
    ...toCallDto(call),
    summary: call.summary,
    handoff: handedOff ? { reason: str(callMeta.handoffReason) ?? null, to: str(callMeta.transferTo) ?? null } : null,
    transcript: orderTranscript(rows),
    recordingUrl: call.recordingKey ? await signRecordingUrl(ctx, call) : null,
  };
}

/**
 * DELETE /api/calls/:id: erases the call with its conversation everywhere (room, recording and
 * attachments in R2, D1), like a visitor erasure; the audit entry is the receipt.
 */
export async function deleteCall(ctx: Ctx, id: string) {
  const call = await getCall(ctx, ctx.tenantId, id);
  const erased = await eraseConversations(ctx, ctx.tenantId, [call.conversationId]);
  await audit(
    ctx,
    "privacy.erased",
    [
      { type: "call", id: call.id },
      { type: "conversation", id: call.conversationId },
    ],
    { by: "call", ...erased },
  );
  return { erased };
}
