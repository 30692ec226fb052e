import { sha256Hex } from "../../lib/crypto";
import { NotFound } from "../../lib/errors";
import type { NewImportRecordRow } from "../../storage/schema";
import { audit } from "../audit";
import type { Ctx } from "../ctx";
import { MAX_QA_CHARS } from "../knowledge/schemas";
import { createQaSource } from "../knowledge/sources";
import { readCsvFile, refuseRows } from "./file";
import type { HeaderMap } from "./rows";
import {
  MAX_EXTERNAL_ID,
  MAX_QA_ROWS,
  MAX_REPORTED_ERRORS,
  QA_OPTIONAL_COLUMNS,
  QA_REQUIRED_COLUMNS,
  type ImportQuery,
  type ImportRowError,
  type QaImportReport,
} from "./schemas";

/**
 * POST /api/imports?type=qa: a help desk's saved question/answer pairs into knowledge, one source
 * per pair (columns in schemas.ts). Every row is validated before anything is written; by default a
 * refused row refuses the file (400 naming `rows[N].column`), with `partial=true` refused rows are
 * left out and listed. Idempotent: each pair is recorded (import_records, kind `qa`) under its key —
 * the bot, the `id` column (else the question) — as `<source id>:<hash of question and answer>`, so a
 * re-import skips unchanged pairs, and a changed pair becomes a new source with the same dedupe key,
 * which replaces the old one once it is indexed (answers never go dark in between). A pair whose
 * source was deleted since is imported again.
 */

type Pair = { row: number; question: string; answer: string; id?: string; botId?: string; key: string };

const cell = (r: string[], header: HeaderMap, name: string) => {
  const i = header.index[name];
  return i === undefined ? "" : (r[i] ?? "").trim();
};
const norm = (s: string) => s.toLowerCase().replace(/\s+/g, " ").trim();
/** Sources created at once: each is an R2 put, a D1 insert and a queue message. */
const CONCURRENCY = 8;

export async function importQa(
  ctx: Ctx,
  input: { csv: string; bytes: number; query: ImportQuery },
): Promise<QaImportReport> {
  const { records, header } = readCsvFile(input, MAX_QA_ROWS, QA_REQUIRED_COLUMNS, QA_OPTIONAL_COLUMNS);
  if (input.query.botId && !(await ctx.repos.bots.get(ctx.tenantId, input.query.botId)))
    throw new NotFound("bot", input.query.botId);
  const bots = new Set((await ctx.repos.bots.list(ctx.tenantId)).map((b) => b.id));
  const errors: ImportRowError[] = [];
  const refused = new Set<number>();
  const refuse = (row: number, column: string | null, message: string) => {
    errors.push({ row, column, message });
    refused.add(row);
  };
  const seen = new Map<string, number>();
  const pairs: Pair[] = [];
  records.slice(1).forEach((r, k) => {
    const row = k + 2;
    const question = cell(r, header, "question");
    const answer = cell(r, header, "answer");
    const id = cell(r, header, "id") || undefined;
    const botId = cell(r, header, "bot_id") || input.query.botId || undefined;
    if (!question) refuse(row, "question", "empty");
    else if (question.length > MAX_QA_CHARS) refuse(row, "question", `longer than ${MAX_QA_CHARS} characters`);
    if (!answer) refuse(row, "answer", "empty");
    else if (answer.length > MAX_QA_CHARS) refuse(row, "answer", `longer than ${MAX_QA_CHARS} characters`);
    if (id && id.length > MAX_EXTERNAL_ID) refuse(row, "id", `longer than ${MAX_EXTERNAL_ID} characters`);
    if (botId && !bots.has(botId)) refuse(row, "bot_id", "no bot of this workspace has this id");
    if (refused.has(row)) return;
    const key = `${botId ?? "*"}|${id ? `id:${id}` : `q:${norm(question)}`}`;
    const earlier = seen.get(key);
    if (earlier !== undefined)
      return refuse(row, id ? "id" : "question", `the same pair as row ${earlier} (one row per question)`);
    seen.set(key, row);
    pairs.push({ row, question, answer, key, ...(id ? { id } : {}), ...(botId ? { botId } : {}) });
  });
  if (errors.length && !input.query.partial) refuseRows(errors, refused.size);

  // each pair's record: its key (hashed: ids and questions can be long) → `<source id>:<content hash>`
  const keys = await Promise.all(pairs.map(async (p) => (await sha256Hex(p.key)).slice(0, 32)));
  const contents = await Promise.all(
    pairs.map(async (p) => (await sha256Hex(`${p.question}\n${p.answer}`)).slice(0, 16)),
  );
  const existing = await ctx.repos.imports.existing(ctx.tenantId, "qa", keys);
  const stillThere = await ctx.repos.knowledge.existingIds(
    ctx.tenantId,
    [...existing.values()].map((t) => t.split(":")[0]!),
  );
  let skipped = 0;
  let updated = 0;
  const todo: { pair: Pair; key: string; content: string }[] = [];
  pairs.forEach((pair, i) => {
    const [key, content] = [keys[i]!, contents[i]!];
    const [sourceId, before] = existing.get(key)?.split(":") ?? [];
    if (sourceId && before === content && stillThere.has(sourceId)) return void skipped++;
    if (sourceId && before !== content) updated++;
    todo.push({ pair, key, content });
  });
  const sourceIds: string[] = [];
  if (!input.query.dryRun && todo.length) {
    const made: NewImportRecordRow[] = [];
    const now = new Date(ctx.clock.now());
    for (let i = 0; i < todo.length; i += CONCURRENCY) {
      const batch = await Promise.all(
        todo.slice(i, i + CONCURRENCY).map(async ({ pair, key, content }) => {
          const src = await createQaSource(
            ctx,
            { question: pair.question, answer: pair.answer, botId: pair.botId, externalId: pair.id },
            true,
          );
          return { key, content, sourceId: src.id };
        }),
      );
      for (const m of batch) {
        sourceIds.push(m.sourceId);
        made.push({
          tenantId: ctx.tenantId,
          kind: "qa",
          externalId: m.key,
          targetId: `${m.sourceId}:${m.content}`,
          importId: ctx.requestId,
          createdAt: now,
        });
      }
    }
    const [first, ...rest] = ctx.repos.imports.recordStmts(made, "replace");
    if (first) await ctx.repos.batch([first, ...rest]);
    await audit(ctx, "knowledge.imported", null, {
      pairs: todo.length,
      updated,
      skipped,
      refusedRows: refused.size,
    });
  }
  return {
    type: "qa",
    dryRun: input.query.dryRun,
    rows: records.length - 1,
    pairs: { imported: todo.length - updated, updated, skipped },
    sourceIds,
    refusedRows: refused.size,
    errors: errors.slice(0, MAX_REPORTED_ERRORS),
    ignoredColumns: header.ignored,
  };
}
