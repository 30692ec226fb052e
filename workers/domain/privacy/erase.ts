import type { FilesPort } from "../../contracts/ports";
import type { Services } from "../ctx";
import type { BaseCtx } from "../ctx";
import { attachmentKey } from "../conversations/attachments";
import { chunks } from "../../storage/privacy-repo";
import type { ErasedCounts } from "./schemas";

/** What erasure needs: D1, R2 and the rooms; the retention sweep builds it without a request. */
export type EraseCtx = Pick<BaseCtx, "repos" | "log" | "rooms"> & { services: Pick<Services, "files"> };

/** R2 `delete` takes at most 1000 keys per call; `list` returns at most 1000 per page. */
const R2_BATCH = 1000;

export const emptyCounts = (): ErasedCounts => ({
  conversations: 0,
  messages: 0,
  tickets: 0,
  calls: 0,
  files: 0,
  rooms: 0,
});

/**
 * Deletes a call's recording: everything under the call's prefix, and the recorded key when it
 * lies elsewhere (older copies); returns how many objects went.
 */
export async function deleteRecording(
  files: FilesPort,
  tenantId: string,
  call: { id: string; recordingKey: string | null },
): Promise<number> {
  const prefix = recordingPrefix(tenantId, call.id);
  let n = await deletePrefix(files, prefix);
  if (call.recordingKey && !call.recordingKey.startsWith(prefix)) {
    await files.delete(call.recordingKey);
    n++;
  }
  return n;
}

/** Deletes every object under `prefix`; returns how many. */
export async function deletePrefix(files: FilesPort, prefix: string): Promise<number> {
  let deleted = 0;
  let cursor: string | undefined;
  do {
    const page = await files.list({ prefix, cursor, limit: R2_BATCH });
    const keys = page.objects.map((o) => o.key);
    if (keys.length) await files.delete(keys);
    deleted += keys.length;
    cursor = page.truncated ? page.cursor : undefined;
  } while (cursor);
  return deleted;
}

/** The R2 prefix holding a conversation's attachments (attachments.ts names keys under it). */
export const attachmentPrefix = (tenantId: string, conversationId: string) =>
  attachmentKey(tenantId, conversationId, "");
/** The R2 prefix holding a call's recording (voice/finish.ts). */
export const recordingPrefix = (tenantId: string, callId: string) => `voice/${tenantId}/${callId}/`;

/**
 * Erases conversations from every store, in an order that cannot resurrect them: first the rooms
 * (their storage and alarm go, so no later D1 flush can write the conversation back), then R2
 * (attachments, recordings), then D1 (messages, tickets and their history, triage, calls, the
 * operator-correction examples copied from the visitor's words, the conversation rows). Every step
 * is idempotent, so a failed erasure is completed by running it again.
 */
export async function eraseConversations(ctx: EraseCtx, tenantId: string, ids: string[]): Promise<ErasedCounts> {
  const counts = emptyCounts();
  const repo = ctx.repos.privacy;
  const rooms = (tenantId: string, conversationId: string) => ctx.rooms.conversation(tenantId, conversationId);
  for (const part of chunks(ids)) {
    const [tickets, triage, calls, d1Counts] = await Promise.all([
      repo.ticketsOf(tenantId, part),
      repo.triageOf(tenantId, part),
      repo.callsOf(tenantId, part),
      repo.messageCounts(tenantId, part),
    ]);
    const roomCounts = await Promise.all(part.map((id) => rooms(tenantId, id).erase(tenantId)));
    const inD1 = new Map(d1Counts.map((r) => [r.conversationId, Number(r.n)]));
    part.forEach((id, i) => (counts.messages += Math.max(roomCounts[i]!.messages, inD1.get(id) ?? 0)));
    counts.rooms += roomCounts.length;
    for (const id of part) counts.files += await deletePrefix(ctx.services.files, attachmentPrefix(tenantId, id));
    for (const call of calls) counts.files += await deleteRecording(ctx.services.files, tenantId, call);
    const corrections = triage
      .filter((t) => t.categorySource === "operator" && t.firstVisitorText)
      .map((t) => t.firstVisitorText as string);
    const stmts = repo.eraseStmts(
      tenantId,
      part,
      tickets.map((t) => t.id),
      corrections,
    );
    await ctx.repos.batch(stmts as unknown as Parameters<typeof ctx.repos.batch>[0]);
    counts.conversations += part.length;
    counts.tickets += tickets.length;
    counts.calls += calls.length;
  }
  return counts;
}
