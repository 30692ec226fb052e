/**
 * A strict RFC 4180 CSV reader for imports (seed 004). Small on purpose: Workers have no Node
 * streams, and the imports need exact row numbers and a refusal (not a guess) on malformed quoting.
 * - fields separated by `,`, records by CRLF or LF (a lone CR inside a quoted field is kept);
 * - a field in double quotes may hold commas, quotes (doubled: `""`) and line breaks;
 * - a UTF-8 byte order mark at the start is dropped; a final line break is optional;
 * - a quote inside an unquoted field, text after a closing quote, or a quote left open is an error
 *   naming the record (row) it is in, counting the header as row 1 — the row a spreadsheet shows
 *   when no field holds a line break.
 */
export class CsvError extends Error {
  override readonly name = "CsvError";
  constructor(
    message: string,
    readonly row: number,
  ) {
    super(`row ${row}: ${message}`);
  }
}

/** Parses `text` into records of fields. Blank lines (no characters at all) are skipped. */
export function parseCsv(text: string): string[][] {
  const s = text.charCodeAt(0) === 0xfeff ? text.slice(1) : text;
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let i = 0;
  let quoted = false; // the current field started with a quote
  let afterQuote = false; // the current quoted field has closed
  const endRecord = () => {
    row.push(field);
    if (!(row.length === 1 && row[0] === "" && !quoted && !afterQuote)) rows.push(row);
    row = [];
    field = "";
    quoted = false;
    afterQuote = false;
  };
  while (i < s.length) {
    const c = s[i]!;
    if (quoted && !afterQuote) {
      if (c === '"') {
        if (s[i + 1] === '"') {
          field += '"';
          i += 2;
          continue;
        }
        afterQuote = true;
        i++;
        continue;
      }
      field += c;
      i++;
      continue;
    }
    if (c === ",") {
      row.push(field);
      field = "";
      quoted = false;
      afterQuote = false;
      i++;
    } else if (c === "\r" && s[i + 1] === "\n") {
      endRecord();
      i += 2;
    } else if (c === "\n") {
      endRecord();
      i++;
    } else if (afterQuote) {
      throw new CsvError("text after a closing quote (a quote inside a field must be doubled)", rows.length + 1);
    } else if (c === '"') {
      if (field !== "") throw new CsvError("a quote inside an unquoted field", rows.length + 1);
      quoted = true;
      i++;
    } else {
      field += c;
      i++;
    }
  }
  if (quoted && !afterQuote) throw new CsvError("a quoted field is never closed", rows.length + 1);
  if (field !== "" || row.length || quoted) endRecord();
  return rows;
}
