import { unzipSync } from "fflate";

/**
 * Text extraction for every supported format, into one light markdown dialect the chunker reads:
 * `#` headings, `- ` list items, `| a | b |` table rows, blank lines between blocks.
 * Everything here runs in workerd: unpdf (a serverless build of PDF.js) for PDF, fflate + the
 * WordprocessingML of word/document.xml for DOCX, hand-rolled readers for HTML and CSV.
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
      return { text: docxToText(bytes) };
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

export function docxToText(bytes: Uint8Array): string {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => f.name === "word/document.xml" });
  } catch {
    throw new ExtractionError("the DOCX file is not a valid zip archive");
  }
  const xml = files["word/document.xml"];
  if (!xml) throw new ExtractionError("the DOCX file has no word/document.xml");
  const body = new TextDecoder().decode(xml);
  const blocks: string[] = [];
  // tables first become placeholders so their paragraphs are not read twice
  const withoutTables = body.replace(/<w:tbl>[\s\S]*?<\/w:tbl>/g, (tbl) => {
    const rows = [...tbl.matchAll(/<w:tr[ >][\s\S]*?<\/w:tr>/g)].map((r) =>
      [...r[0].matchAll(/<w:tc>([\s\S]*?)<\/w:tc>/g)].map((c) =>
        paragraphsOf(c[1]!)
          .map((p) => p.text)
          .join(" "),
      ),
    );
    blocks.push(rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
    return `<w:p><w:r><w:t>\u0000TABLE${blocks.length - 1}\u0000</w:t></w:r></w:p>`;
  });
  const out: string[] = [];
  for (const p of paragraphsOf(withoutTables)) {
    const table = p.text.match(/^\u0000TABLE(\d+)\u0000$/);
    if (table) out.push(blocks[Number(table[1])]!);
    else if (p.heading) out.push(`${"#".repeat(Math.min(p.heading, 6))} ${p.text}`);
    else if (p.list) out.push(`- ${p.text}`);
    else out.push(p.text);
  }
  return out
    .filter((s) => s.trim())
    .join("\n\n")
    .replace(/(^- .*)\n\n(?=- )/gm, "$1\n");
}

function paragraphsOf(xml: string): { text: string; heading: number; list: boolean }[] {
  return [...xml.matchAll(/<w:p[ >][\s\S]*?<\/w:p>|<w:p\/>/g)]
    .map((m) => {
      const p = m[0];
      const style = p.match(/<w:pStyle w:val="([^"]+)"/)?.[1] ?? "";
      const heading = /^(?:Heading|heading)(\d)$/.exec(style)?.[1] ?? (style === "Title" ? "1" : "");
      const text = decodeEntities(
        [...p.matchAll(/<w:t(?: [^>]*)?>([\s\S]*?)<\/w:t>|<w:tab\/>|<w:br\/>/g)]
          .map((r) => r[1] ?? (r[0] === "<w:tab/>" ? "\t" : "\n"))
          .join(""),
      ).trim();
      return { text, heading: heading ? Number(heading) : 0, list: /<w:numPr>/.test(p) || /List/.test(style) };
    })
    .filter((p) => p.text);
}

export function htmlToText(html: string): Extracted {
  const title = decodeEntities(html.match(/<title[^>]*>([\s\S]*?)<\/title>/i)?.[1] ?? "").trim() || undefined;
  let s = html
    .replace(/<!--[\s\S]*?-->/g, "")
    .replace(/<(script|style|noscript|template|svg|head|nav|footer)[\s\S]*?<\/\1>/gi, "")
    .replace(
      /<h([1-6])[^>]*>([\s\S]*?)<\/h\1>/gi,
      (_, n: string, t: string) => `\n\n${"#".repeat(Number(n))} ${inline(t)}\n\n`,
    )
    .replace(/<li[^>]*>([\s\S]*?)<\/li>/gi, (_, t: string) => `\n- ${inline(t)}\n`)
    .replace(
      /<tr[^>]*>([\s\S]*?)<\/tr>/gi,
      (_, row: string) =>
        `\n| ${[...row.matchAll(/<t[hd][^>]*>([\s\S]*?)<\/t[hd]>/gi)].map((c) => inline(c[1]!)).join(" | ")} |\n`,
    )
    .replace(/<br\s*\/?>/gi, "\n")
    .replace(/<\/(p|div|section|article|table|ul|ol|blockquote|pre|main|header)>/gi, "\n\n")
    .replace(/<[^>]+>/g, " ");
  s = decodeEntities(s)
    .split("\n")
    .map((l) => l.replace(/[ \t\u00a0]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
  return { text: s, title: title ?? s.match(/^#\s+(.+)$/m)?.[1] };
}

function inline(t: string): string {
  return t
    .replace(/<[^>]+>/g, " ")
    .replace(/\s+/g, " ")
    .trim();
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
  euro: "€",
  copy: "©",
};

export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]+|#\d+|[a-z]+);/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
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
