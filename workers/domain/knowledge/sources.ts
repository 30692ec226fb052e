import { Invalid, NotFound } from "../../lib/errors";
import { newId } from "../../lib/ids";
import type { KnowledgeSourceRow, SourceType } from "../../storage/schema";
import type { Ctx } from "../ctx";
import { kindOf, qaBlock } from "./extract";
import {
  INGEST_KIND,
  type IngestMessage,
  MAX_FILE_BYTES,
  type SourceDto,
  type SourceJsonInput,
  type SourceUploadInput,
} from "./schemas";
import { isAllowedUrl } from "./url-fetch";
import { egressPolicyOf } from "../../lib/egress";

/**
 * Creating, listing and deleting knowledge sources. Creation stores the original in R2, writes the
 * source row as `queued` and enqueues `knowledge.ingest`; the queue consumer (ingest.ts) extracts,
 * chunks and indexes. Re-uploading a document with the same title/filename/url (or external id)
 * replaces the older source once the new one is ready, so answers never go dark in between.
 */

export function toSourceDto(s: KnowledgeSourceRow): SourceDto {
  return {
    id: s.id,
    type: s.type,
    title: s.title,
    botId: s.botId,
    externalId: s.externalId,
    url: s.url,
    filename: s.filename,
    status: s.status,
    error: s.error,
    bytes: s.bytes,
    chars: s.chars,
    chunkCount: s.chunkCount,
    createdAt: s.createdAt.toISOString(),
    updatedAt: s.updatedAt.toISOString(),
  };
}

export const r2KeyOf = (tenantId: string, sourceId: string) => `knowledge/${tenantId}/${sourceId}`;

type NewSource = {
  type: SourceType;
  title: string;
  botId?: string;
  externalId?: string;
  url?: string;
  filename?: string;
  mime?: string;
  dedupe: string;
  body?: Uint8Array;
};

async function createSource(ctx: Ctx, s: NewSource, botChecked = false) {
  if (s.botId && !botChecked && !(await ctx.repos.bots.get(ctx.tenantId, s.botId))) throw new NotFound("bot", s.botId);
  const now = new Date(ctx.clock.now());
  const id = newId("doc", now.getTime());
  const r2Key = s.body ? r2KeyOf(ctx.tenantId, id) : null;
  if (s.body && r2Key) {
    await ctx.services.files.put(r2Key, s.body, {
      httpMetadata: { contentType: s.mime ?? "application/octet-stream" },
      customMetadata: { tenantId: ctx.tenantId, sourceId: id },
    });
  }
  const row = await ctx.repos.knowledge.insert({
    id,
    tenantId: ctx.tenantId,
    botId: s.botId ?? null,
    type: s.type,
    title: s.title,
    externalId: s.externalId ?? null,
    url: s.url ?? null,
    filename: s.filename ?? null,
    mime: s.mime ?? null,
    r2Key,
    dedupeKey: `${s.botId ?? "*"}|${s.externalId ? `ext:${s.externalId}` : s.dedupe}`,
    status: "queued",
    bytes: s.body?.byteLength ?? 0,
    createdAt: now,
    updatedAt: now,
  });
  await ctx.services.ingestQueue.send({
    kind: INGEST_KIND,
    tenantId: ctx.tenantId,
    sourceId: id,
  } satisfies IngestMessage);
  return row;
}

const enc = new TextEncoder();
const norm = (s: string) => s.trim().toLowerCase().replace(/\s+/g, " ");

export async function createSourceFromUpload(ctx: Ctx, input: SourceUploadInput) {
  const file = input.file;
  const filename = (file.name || "upload").replace(/[\\/]/g, "_").slice(0, 200);
  if (!kindOf(filename, file.type))
    throw new Invalid("unsupported file type", [
      { path: "file", message: "use .txt, .md, .html, .pdf, .docx or .csv" },
    ]);
  if (file.size === 0) throw new Invalid("the file is empty", [{ path: "file", message: "empty file" }]);
  if (file.size > MAX_FILE_BYTES)
    throw new Invalid("the file is too large", [{ path: "file", message: `at most ${MAX_FILE_BYTES} bytes` }]);
  const body = new Uint8Array(await file.arrayBuffer());
  return createSource(ctx, {
    type: "file",
    title: input.title ?? filename.replace(/\.[^.]+$/, ""),
    botId: input.botId,
    externalId: input.externalId,
    filename,
    mime: file.type || undefined,
    dedupe: `file:${norm(filename)}`,
    body,
  });
}

export async function createSourceFromJson(ctx: Ctx, input: SourceJsonInput) {
  switch (input.type) {
    case "text":
      return createSource(ctx, {
        type: "text",
        title: input.title,
        botId: input.botId,
        externalId: input.externalId,
        url: input.url,
        mime: "text/markdown",
        dedupe: `text:${norm(input.title)}`,
        body: enc.encode(input.text),
      });
    case "qa":
      return createQaSource(ctx, input);
    case "url": {
      if (!isAllowedUrl(input.url, egressPolicyOf(ctx.config)))
        throw new Invalid("this URL cannot be fetched", [{ path: "url", message: "a public http(s) URL" }]);
      const u = new URL(input.url);
      return createSource(ctx, {
        type: "url",
        title: input.title ?? `${u.host}${u.pathname}`.slice(0, 200),
        botId: input.botId,
        externalId: input.externalId,
        url: u.href,
        dedupe: `url:${u.href}`,
      });
    }
  }
}

/** One question/answer pair as a source; `botChecked` when the caller already knows the bot is the tenant's. */
export function createQaSource(
  ctx: Ctx,
  input: { question: string; answer: string; botId?: string | undefined; externalId?: string | undefined },
  botChecked = false,
) {
  return createSource(
    ctx,
    {
      type: "qa",
      title: input.question.slice(0, 200),
      ...(input.botId !== undefined ? { botId: input.botId } : {}),
      ...(input.externalId !== undefined ? { externalId: input.externalId } : {}),
      mime: "text/markdown",
      dedupe: `qa:${norm(input.question)}`,
      body: enc.encode(qaBlock(input.question, input.answer)),
    },
    botChecked,
  );
}

export async function getSource(ctx: Ctx, id: string) {
  const row = await ctx.repos.knowledge.get(ctx.tenantId, id);
  if (!row) throw new NotFound("knowledge source", id);
  return row;
}

export const listSources = (ctx: Ctx, q: { limit: number; before?: string; botId?: string }) =>
  ctx.repos.knowledge.list(ctx.tenantId, q);

/** Removes the source, its chunks, FTS rows and vectors (one batch), then its original in R2. */
export async function deleteSource(
  ctx: Pick<Ctx, "repos" | "tenantId" | "services" | "providers" | "log" | "knowledge">,
  id: string,
) {
  const repo = ctx.repos.knowledge;
  const row = await repo.get(ctx.tenantId, id);
  if (!row) throw new NotFound("knowledge source", id);
  const vectors = ctx.providers.externalVectorIndex();
  const seqs = vectors ? (await repo.chunkSeqs(ctx.tenantId, id)).map((c) => c.seq) : [];
  await ctx.repos.knowledge.runBatch([
    repo.deleteSourceStmt(ctx.tenantId, id),
    ...repo.clearIndexStmts(ctx.tenantId, id),
  ]);
  // the tenant's index copy drops the chunks now rather than at its next search
  await refreshIndex(ctx);
  if (row.r2Key) await ctx.services.files.delete(row.r2Key);
  if (vectors && seqs.length) {
    await vectors
      .remove(ctx.tenantId, id, seqs)
      .catch((err) => ctx.log.warn("knowledge: vector delete failed", { error: String(err) }));
  }
}

/**
 * Catches the tenant's retrieval index up with D1 after its knowledge changed. A failure is logged
 * and changes nothing: the index catches up by itself before its next search (it follows the
 * knowledge version), so this only takes that work off a visitor's question.
 */
export async function refreshIndex(ctx: Pick<Ctx, "tenantId" | "knowledge" | "log">) {
  await ctx.knowledge
    .refresh(ctx.tenantId)
    .catch((err) => ctx.log.warn("knowledge: index refresh failed", { error: String(err) }));
}
