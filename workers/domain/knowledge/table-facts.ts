/**
 * Tables as row-wise facts. The extractors (markdown as is, HTML `<tr>`, DOCX `<w:tr>`) all hand the
 * chunker pipe rows (`| Pro | $9.99 per month | … |`); a row alone does not say what its cells are,
 * so a question ("how much is Pro per year?") could match the row but not cite it sensibly. Each
 * body row becomes one self-contained line that names every cell by its column:
 *
 *   | Plan | Monthly price | Yearly price |         Plan: Pro; Monthly price: $9.99 per month;
 *   | Pro  | $9.99 per month | $96 per year |  →    Yearly price: $96 per year.
 *
 * The first row is taken as the header (markdown always has one; HTML and DOCX tables nearly
 * always do). A one-row table, or one whose "header" looks like data (a cell with a digit or a
 * currency sign in every column after the first), is kept as plain rows.
 */

/** The cells of a pipe row ("| a | b |" → ["a", "b"]). */
export function cellsOf(row: string): string[] {
  return row
    .trim()
    .replace(/^\|/, "")
    .replace(/\|$/, "")
    .split("|")
    .map((c) => c.trim());
}

const EMPTY_CELL = /^(?:|-+|—|–|n\/a)$/i;

/** Pipe rows (separator rows already dropped) → one fact line per body row. */
export function tableFacts(rows: string[]): string[] {
  const table = rows.map(cellsOf).filter((r) => r.some((c) => c));
  if (table.length < 2) return table.map((r) => r.filter((c) => !EMPTY_CELL.test(c)).join("; "));
  const [header, ...body] = table as [string[], ...string[][]];
  const headerLooksLikeData = header.length > 1 && header.slice(1).every((c) => /[\d$€£%]/.test(c));
  if (headerLooksLikeData) return table.map((r) => r.filter((c) => !EMPTY_CELL.test(c)).join("; "));
  return body.map((cells) => {
    const parts: string[] = [];
    cells.forEach((cell, i) => {
      if (EMPTY_CELL.test(cell)) return;
      const name = header[i]?.trim();
      parts.push(name ? `${name}: ${cell}` : cell);
    });
    const line = parts.join("; ");
    return /[.!?]$/.test(line) ? line : `${line}.`;
  });
}
