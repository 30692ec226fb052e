import { DocxError, docxToText } from "./docx-extract";
import { decodeEntities, htmlToText } from "./html-extract";
import { pdfTooLarge } from "./pdf-guard";

export { decodeEntities, docxToText, htmlToText };

/**
 * Text extraction for every supported format, into one light markdown dialect the chunker reads:
 * `#` headings, `- ` list items, `| a | b |` table rows, blank lines between blocks.
 * Everything here runs in workerd: unpdf (a serverless build of PDF.js) for PDF, a capped zip reader
 * + a one-pass scan of word/document.xml for DOCX, HTMLRewriter for HTML, a hand-rolled CSV reader.
 * Work per source is bounded (issue 13, item 6): linear-time parsers, decompressed-size caps for
 * DOCX and PDF, so one tenant's file cannot hold the queue batch other tenants' sources share.
 */
export const FILE_KINDS = ["txt", "md", "html", "pdf", "docx", "csv"] as const;
export type FileKind = (typeof FILE_KINDS)[number];

export type Extracted = {
  /** Markdown-ish text (for csv: one `## question` + answer block per row). */
  text: string;
  /** A title found in the document (html <title>, first heading), if any. */
  title?: string;
};

export class ExtractionError extends Error {}

const EXT_KIND: Record<string, FileKind> = {
  txt: "txt",
  text: "txt",
  md: "md",
  markdown: "md",
  html: "html",
  htm: "html",
  pdf: "pdf",
  docx: "docx",
  csv: "csv",
};
const MIME_KIND: Record<string, FileKind> = {
  "text/plain": "txt",
  "text/markdown": "md",
  "text/html": "html",
  "application/pdf": "pdf",
  "application/vnd.openxmlformats-officedocument.wordprocessingml.document": "docx",
  "text/csv": "csv",
};

/** The kind of an upload from its extension, else its content type; undefined when unsupported. */
export function kindOf(filename: string, mime?: string | null): FileKind | undefined {
  const ext = filename.toLowerCase().split(".").pop() ?? "";
  return EXT_KIND[ext] ?? (mime ? MIME_KIND[mime.split(";")[0]!.trim().toLowerCase()] : undefined);
}

export async function extract(kind: FileKind, bytes: Uint8Array): Promise<Extracted> {
  switch (kind) {
    case "txt":
      return { text: decodeText(bytes) };
    case "md":
      return {
        text: decodeText(bytes),
        title: decodeText(bytes)
          .match(/^#\s+(.+)$/m)?.[1]
          ?.trim(),
      };
    case "html":
      return htmlToText(decodeText(bytes));
    case "csv":
      return { text: csvToQa(decodeText(bytes)) };
    case "pdf":
      return pdfToText(bytes);
    case "docx":
      try {
        return { text: docxToText(bytes) };
      } catch (err) {
        if (err instanceof DocxError) throw new ExtractionError(err.message);
        throw err;
      }
  }
}

function decodeText(bytes: Uint8Array): string {
  // fatal: a binary file renamed .txt fails loudly instead of indexing mojibake
  try {
    return new TextDecoder("utf-8", { fatal: true }).decode(bytes).replace(/^\uFEFF/, "");
  } catch {
    throw new ExtractionError("the file is not valid UTF-8 text");
  }
}

async function pdfToText(bytes: Uint8Array): Promise<Extracted> {
  const tooLarge = pdfTooLarge(bytes);
  if (tooLarge) throw new ExtractionError(tooLarge);
  const { getDocumentProxy, extractText } = await import("unpdf");
  let pages: string[];
  try {
    const doc = await getDocumentProxy(new Uint8Array(bytes));
    pages = (await extractText(doc, { mergePages: false })).text;
  } catch (err) {
    throw new ExtractionError(`the PDF could not be read: ${err instanceof Error ? err.message : String(err)}`);
  }
  // PDF text has no structure markers; keep the page breaks as block breaks
  const text = pages
    .map((p) => p.replace(/[ \t]+\n/g, "\n").trim())
    .filter(Boolean)
    .join("\n\n");
  return { text };
}

/** RFC 4180 CSV (quoted fields, doubled quotes, CRLF). */
export function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = "";
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const ch = text[i]!;
    if (quoted) {
      if (ch === '"' && text[i + 1] === '"') ((field += '"'), i++);
      else if (ch === '"') quoted = false;
      else field += ch;
    } else if (ch === '"') quoted = true;
    else if (ch === ",") (row.push(field), (field = ""));
    else if (ch === "\n" || ch === "\r") {
      if (ch === "\r" && text[i + 1] === "\n") i++;
      row.push(field);
      rows.push(row);
      ((row = []), (field = ""));
    } else field += ch;
  }
  if (field || row.length) (row.push(field), rows.push(row));
  return rows.filter((r) => r.some((c) => c.trim()));
}

/** question,answer rows (an optional header row naming them is skipped) → one QA block per row. */
export function csvToQa(text: string): string {
  const rows = parseCsv(text);
  if (rows.length && /^\s*question\s*$/i.test(rows[0]![0] ?? "") && /^\s*answer\s*$/i.test(rows[0]![1] ?? ""))
    rows.shift();
  const qa = rows.filter((r) => r.length >= 2 && r[0]!.trim() && r[1]!.trim());
  if (qa.length === 0) throw new ExtractionError("the CSV has no question,answer rows");
  return qa.map((r) => qaBlock(r[0]!, r[1]!)).join("\n\n");
}

/** A question/answer pair in the chunker's dialect: the question is the section heading. */
export function qaBlock(question: string, answer: string): string {
  return `## ${question.replace(/\s+/g, " ").trim()}\n\n${answer.trim()}`;
}
