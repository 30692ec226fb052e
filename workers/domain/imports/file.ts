import { AppError, Invalid } from "../../lib/errors";
import { CsvError, parseCsv } from "./csv";
import { readHeader, type HeaderMap } from "./rows";
import {
  MAX_IMPORT_BYTES,
  MAX_REPORTED_ERRORS,
  OPTIONAL_COLUMNS,
  REQUIRED_COLUMNS,
  type ImportRowError,
} from "./schemas";

/** A file-level refusal (400): nothing in the file is read further, nothing written. */
export function refuseFile(detail: string, problems: string[]): never {
  throw new Invalid(
    detail,
    problems.map((message) => ({ path: "file", message })),
  );
}

/**
 * The checks every CSV import makes before reading a row: size, RFC 4180 syntax (the refusal names
 * the CSV row), at least one data row, at most `maxRows`, and a usable header (required columns
 * present, none repeated). Row numbers count the header as row 1.
 */
export function readCsvFile(
  input: { csv: string; bytes: number },
  maxRows: number,
  required: readonly string[] = REQUIRED_COLUMNS,
  optional: readonly string[] = OPTIONAL_COLUMNS,
): { records: string[][]; header: HeaderMap } {
  if (input.bytes > MAX_IMPORT_BYTES)
    throw new AppError("PAYLOAD_TOO_LARGE", `the file is over the ${MAX_IMPORT_BYTES} byte import limit`);
  let records: string[][];
  try {
    records = parseCsv(input.csv);
  } catch (err) {
    if (err instanceof CsvError)
      throw new Invalid("the file is not valid CSV", [{ path: `rows[${err.row}]`, message: err.message }]);
    throw err;
  }
  if (records.length < 2) refuseFile("the file holds no rows", ["a header row and at least one data row are needed"]);
  if (records.length - 1 > maxRows)
    refuseFile("the file has too many rows", [`at most ${maxRows} rows per import; split the file`]);
  const header = readHeader(records[0]!, required, optional);
  if ("problems" in header) refuseFile("the header row is not usable", header.problems);
  return { records, header };
}

/** The whole file refused for its refused rows (imports without `partial=true`), each named `rows[N].column`. */
export function refuseRows(errors: ImportRowError[], refusedRows: number): never {
  throw new Invalid(
    `${refusedRows} row(s) refused; nothing was imported (fix them, or import with partial=true)`,
    errors.slice(0, MAX_REPORTED_ERRORS).map((e) => ({
      path: `rows[${e.row}]${e.column ? `.${e.column}` : ""}`,
      message: e.message,
    })),
  );
}
