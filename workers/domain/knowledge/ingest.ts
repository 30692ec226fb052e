import { newId } from "../../lib/ids";
import { passageTerms } from "../../providers/text";
import type { KnowledgeSourceRow, NewKnowledgeChunkRow } from "../../storage/schema";
import type { BaseCtx } from "../ctx";
import type { AnswerCtx } from "./answer-types";
import { chunkText } from "./chunk";
import { ExtractionError, type Extracted, extract, type FileKind, kindOf } from "./extract";
import { IngestMessage, MAX_EXTRACTED_CHARS } from "./schemas";
import { deleteSource, r2KeyOf } from "./sources";
import { fetchPage } from "./url-fetch";
import { EgressFailed, EgressRefused, egressPolicyOf } from "../../lib/egress";

/** Chunks per source at most: a 20 MB text file makes about this many. */
export const MAX_CHUNKS_PER_SOURCE = 20_000;

/**
 * The queue consumer's verb for `knowledge.ingest`: extract → chunk → index in one D1 batch (chunks,
 * FTS rows, status `ready`, removal of the sources it replaces), so a source is either fully indexed
 * or not at all. A document that cannot be read becomes `failed` with the reason and no rows; an
 * infrastructure error (D1, R2) throws so the queue retries the message. Returns the tenant whose
 * knowledge it worked on: the consumer then lets that tenant's retrieval index catch up
 * (`refreshIndex`) after the message, without holding the batch's next message back.
 */
export async function processIngestMessage(base: BaseCtx, body: unknown): Promise<string | undefined> {
  const msg = IngestMessage.safeParse(body);
  if (!msg.success) {
    base.log.error("knowledge: invalid ingest message dropped", { issues: msg.error.issues.length });
    return;
  }
  await ingestSource({ ...base, tenantId: msg.data.tenantId }, msg.data.sourceId);
  return msg.data.tenantId;
}

/**
 * The queue gave up on an ingest message (every delivery hit an infrastructure error): the source
 * becomes `failed` with the reason instead of staying `processing` for ever; its older version, if
 * any, keeps serving. A source that reached `ready` meanwhile is left alone.
 */
export async function failIngestMessage(base: BaseCtx, body: unknown, error: unknown, attempts: number): Promise<void> {
  const msg = IngestMessage.safeParse(body);
  if (!msg.success) return;
  const { tenantId, sourceId } = msg.data;
  const repo = base.repos.knowledge;
  const source = await repo.get(tenantId, sourceId);
  if (!source || source.status === "ready" || source.status === "failed") return;
  const reason = `indexing failed after ${attempts} attempts (${String(error).slice(0, 300)}); upload it again`;
  await repo.update(tenantId, sourceId, {
    status: "failed",
    error: reason,
    chunkCount: 0,
    chars: 0,
    updatedAt: new Date(base.clock.now()),
  });
  base.log.error("knowledge: ingest given up", { tenantId, sourceId });
}

export async function ingestSource(ctx: AnswerCtx, sourceId: string): Promise<void> {
  const repo = ctx.repos.knowledge;
  const source = await repo.get(ctx.tenantId, sourceId);
  if (!source || source.status === "ready") return; // deleted meanwhile, or a redelivered message
  await repo.update(ctx.tenantId, sourceId, {
    status: "processing",
    error: null,
    updatedAt: new Date(ctx.clock.now()),
  });

  let extracted: Extracted & { bytes?: number };
  try {
    extracted = await readSource(ctx, source);
  } catch (err) {
    if (!(err instanceof ExtractionError || err instanceof EgressRefused || err instanceof EgressFailed)) throw err;
    await repo.update(ctx.tenantId, sourceId, {
      status: "failed",
      error: err.message.slice(0, 500),
      chunkCount: 0,
      chars: 0,
      updatedAt: new Date(ctx.clock.now()),
    });
    return;
  }
  const truncated = extracted.text.length > MAX_EXTRACTED_CHARS;
  const text = truncated ? extracted.text.slice(0, MAX_EXTRACTED_CHARS) : extracted.text;
  const chunks = chunkText(text).slice(0, MAX_CHUNKS_PER_SOURCE);
  if (chunks.length === 0) {
    await repo.update(ctx.tenantId, sourceId, {
      status: "failed",
      error: "no text could be extracted from the document",
      chunkCount: 0,
      chars: 0,
      updatedAt: new Date(ctx.clock.now()),
    });
    return;
  }

  const now = ctx.clock.now();
  const rows: NewKnowledgeChunkRow[] = chunks.map((c, ord) => ({
    id: newId("chk", now),
    tenantId: ctx.tenantId,
    sourceId,
    botId: source.botId,
    ord,
    heading: c.heading,
    text: c.text,
    // prepared once here so retrieval never re-tokenizes candidates per question (retrieve.ts rerank)
    terms: passageTerms(`${c.heading} ${c.text}`).join(" "),
  }));
  const title = source.type === "url" && extracted.title ? extracted.title.slice(0, 200) : source.title;
  const replaced = await repo.others(ctx.tenantId, source.dedupeKey, sourceId);
  await ctx.repos.knowledge.runBatch([
    ...repo.clearIndexStmts(ctx.tenantId, sourceId),
    ...repo.indexStmts(ctx.tenantId, sourceId, source.botId, title, rows),
    repo.updateStmt(ctx.tenantId, sourceId, {
      status: "ready",
      title,
      error: truncated ? `the text was cut at ${MAX_EXTRACTED_CHARS} characters` : null,
      chars: text.length,
      chunkCount: rows.length,
      ...(extracted.bytes !== undefined ? { bytes: extracted.bytes } : {}),
      updatedAt: new Date(now),
    }),
  ]);
  // deleted while we worked: take our rows back out
  if (!(await repo.get(ctx.tenantId, sourceId)))
    await ctx.repos.knowledge.runBatch(repo.clearIndexStmts(ctx.tenantId, sourceId));
  for (const old of replaced)
    await deleteSource(ctx, old.id).catch((err) =>
      ctx.log.warn("knowledge: replacing failed", { error: String(err), sourceId: old.id }),
    );
  await embedSource(ctx, sourceId);
}

async function readSource(ctx: AnswerCtx, source: KnowledgeSourceRow): Promise<Extracted & { bytes?: number }> {
  if (source.type === "url" && !source.r2Key) {
    const page = await fetchPage(source.url ?? "", egressPolicyOf(ctx.config));
    const kind = kindOf(new URL(page.finalUrl).pathname, page.contentType) ?? "html";
    const key = r2KeyOf(ctx.tenantId, source.id);
    await ctx.services.files.put(key, page.bytes, { httpMetadata: { contentType: page.contentType } });
    await ctx.repos.knowledge.update(ctx.tenantId, source.id, { r2Key: key });
    return {
      ...(await extract(kind === "pdf" || kind === "txt" || kind === "md" ? kind : "html", page.bytes)),
      bytes: page.bytes.byteLength,
    };
  }
  if (!source.r2Key) throw new ExtractionError("the source has no stored original");
  const obj = await ctx.services.files.get(source.r2Key);
  if (!obj) throw new ExtractionError("the stored original is missing");
  const bytes = new Uint8Array(await obj.arrayBuffer());
  const kind: FileKind | undefined = source.type === "file" ? kindOf(source.filename ?? "", source.mime) : "md";
  if (!kind) throw new ExtractionError("unsupported file type");
  return extract(kind, bytes);
}

/** Vectors for the source's chunks when an embedder exists (production); a failure leaves lexical search intact. */
async function embedSource(ctx: AnswerCtx, sourceId: string) {
  const providers = ctx.providers.retrieval();
  if (!providers) return;
  try {
    const chunks = await ctx.repos.knowledge.chunkSeqs(ctx.tenantId, sourceId);
    for (let i = 0; i < chunks.length; i += 100) {
      const batch = chunks.slice(i, i + 100);
      const vectors = await providers.embedder.embed(batch.map((c) => c.text));
      await providers.index.upsert(
        ctx.tenantId,
        batch.map((c, j) => ({ seq: c.seq, sourceId, vector: vectors[j]! })),
      );
    }
  } catch (err) {
    ctx.log.warn("knowledge: embedding failed; lexical search only for this source", { sourceId, error: String(err) });
  }
}
