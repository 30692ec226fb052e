import { sql, type SQL } from "drizzle-orm";
import { conversations } from "./schema";
import { scopeToken } from "./search";

/**
 * Full-text search over message bodies: the FTS5 table `messages_fts` (migrations/0011_ux.sql),
 * filled by a trigger on every message row the rooms copy to D1. Conversation lists filter on it
 * with `conversationMatch`; the tenant is part of the MATCH expression and the conversations query
 * re-checks it, so a search never reaches another workspace.
 */

/** Words of a search kept (more would only narrow an already specific query). */
export const MAX_SEARCH_TERMS = 8;

/** The words of a search box value: letters and digits in any script, lower-cased, deduplicated. */
export function searchTerms(q: string): string[] {
  const words = q.toLowerCase().match(/[\p{L}\p{N}]+/gu) ?? [];
  return [...new Set(words)].slice(0, MAX_SEARCH_TERMS);
}

/**
 * The FTS5 MATCH expression: every word must occur in one message (each as a prefix, so "refun"
 * finds "refund"), within the tenant's scope. Words are quoted, so no FTS5 operator can be injected;
 * undefined when the search holds no word.
 */
export function messageMatch(tenantId: string, q: string): string | undefined {
  const terms = searchTerms(q);
  if (terms.length === 0) return undefined;
  return `scope:${scopeToken(tenantId)} AND body:(${terms.map((t) => `"${t}"*`).join(" AND ")})`;
}

/** WHERE fragment: the conversation has a message matching `match` (from messageMatch). */
export const conversationMatch = (match: string): SQL =>
  sql`${conversations.id} IN (SELECT conversation_id FROM messages_fts WHERE messages_fts MATCH ${match})`;
