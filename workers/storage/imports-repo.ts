import { and, eq, inArray, sql } from "drizzle-orm";
import type { Db } from "./db";
import { type ImportKind, type NewImportRecordRow, importRecords } from "./schema";

/** D1 allows at most 100 bound parameters per statement: external ids looked up per query. */
const IDS_PER_QUERY = 90;
/** An import record binds 6 parameters. */
const RECORDS_PER_STMT = 16;

/** Records of CSV imports, by the id a record had in the old tool. Tenant first in every WHERE. */
export const importsRepo = (db: Db) => ({
  /** The external ids of `ids` already imported, with what they became. */
  existing: async (tenantId: string, kind: ImportKind, ids: string[]) => {
    const out = new Map<string, string>();
    for (let i = 0; i < ids.length; i += IDS_PER_QUERY) {
      const rows = await db
        .select({ externalId: importRecords.externalId, targetId: importRecords.targetId })
        .from(importRecords)
        .where(
          and(
            eq(importRecords.tenantId, tenantId),
            eq(importRecords.kind, kind),
            inArray(importRecords.externalId, ids.slice(i, i + IDS_PER_QUERY)),
          ),
        )
        .all();
      for (const r of rows) out.set(r.externalId, r.targetId);
    }
    return out;
  },
  /**
   * Records imported items, chunked under the parameter limit. A known external id is left as it is
   * (`ignore`: a conversation imported once stays) or pointed at what it became now (`replace`: a
   * re-imported Q&A pair).
   */
  recordStmts: (rows: NewImportRecordRow[], onKnown: "ignore" | "replace") => {
    const out = [];
    for (let i = 0; i < rows.length; i += RECORDS_PER_STMT) {
      const insert = db.insert(importRecords).values(rows.slice(i, i + RECORDS_PER_STMT));
      out.push(
        onKnown === "ignore"
          ? insert.onConflictDoNothing()
          : insert.onConflictDoUpdate({
              target: [importRecords.tenantId, importRecords.kind, importRecords.externalId],
              set: { targetId: sql`excluded.target_id`, importId: sql`excluded.import_id` },
            }),
      );
    }
    return out;
  },
});
