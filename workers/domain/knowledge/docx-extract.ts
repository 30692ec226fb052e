import { decodeEntities } from "./html-extract";
import { readZipEntry, ZipError } from "./zip-entry";

/**
 * DOCX → the chunker's markdown dialect: headings, list items, table rows. word/document.xml is
 * read with a decompressed-size cap (./zip-entry.ts) and scanned once, tag by tag with `indexOf`
 * (no lazy regexes over the whole document: `<w:tbl>[\s\S]*?<\/w:tbl>` rescanned to the end for
 * every unclosed table and went quadratic).
 */

/**
 * word/document.xml larger than this fails the source: markup is ~8× the text, so this already holds
 * about the 2M-character extract cap; the upload (≤ 20 MB), the XML and its string copy (up to 2×)
 * must stay well inside the Worker's 128 MB.
 */
export const MAX_DOCX_XML_BYTES = 16 * 1024 * 1024;

export class DocxError extends Error {}

type Para = { text: string; style: string; list: boolean };
type Table = { rows: string[][]; row: string[] | null; cell: string[] | null };

export function docxToText(bytes: Uint8Array): string {
  let xml: Uint8Array | undefined;
  try {
    xml = readZipEntry(bytes, "word/document.xml", MAX_DOCX_XML_BYTES);
  } catch (err) {
    if (err instanceof ZipError) throw new DocxError(`the DOCX file cannot be read: ${err.message}`);
    throw err;
  }
  if (!xml) throw new DocxError("the DOCX file has no word/document.xml");
  return wordXmlToText(new TextDecoder().decode(xml));
}

/** One pass over WordprocessingML; linear in its length. */
export function wordXmlToText(xml: string): string {
  const blocks: { text: string; list: boolean }[] = [];
  const tables: Table[] = [];
  let para: Para | null = null;
  let inText = false;
  const emit = (text: string, list = false) => {
    const table = tables.at(-1);
    if (table?.cell) table.cell.push(text);
    else if (!table) blocks.push({ text, list });
  };
  const endPara = () => {
    if (!para) return;
    const text = decodeEntities(para.text).trim();
    const heading = /^(?:Heading|heading)(\d)$/.exec(para.style)?.[1] ?? (para.style === "Title" ? "1" : "");
    const list = para.list || para.style.includes("List");
    if (text && tables.length) emit(text);
    else if (text && heading) emit(`${"#".repeat(Math.min(Number(heading), 6))} ${text}`);
    else if (text) emit(list ? `- ${text}` : text, list);
    para = null;
  };

  let i = 0;
  while (i < xml.length) {
    const lt = xml.indexOf("<", i);
    if (lt < 0) break;
    if (inText && para && lt > i) para.text += xml.slice(i, lt);
    const gt = xml.indexOf(">", lt);
    if (gt < 0) break;
    i = gt + 1;
    const raw = xml.slice(lt + 1, gt);
    const closing = raw.startsWith("/");
    const selfClosing = raw.endsWith("/");
    const nameEnd = raw.search(/[\s/]|$/);
    const name = closing ? raw.slice(1).trim() : raw.slice(0, nameEnd === 0 ? raw.length : nameEnd);
    if (closing) {
      if (name === "w:t") inText = false;
      else if (name === "w:p") endPara();
      else if (name === "w:tc") closeCell(tables.at(-1));
      else if (name === "w:tr") closeRow(tables.at(-1));
      else if (name === "w:tbl") {
        const done = tables.pop();
        if (done) emit(done.rows.map((cells) => `| ${cells.join(" | ")} |`).join("\n"));
      }
      continue;
    }
    switch (name) {
      case "w:p":
        endPara();
        if (!selfClosing) para = { text: "", style: "", list: false };
        break;
      case "w:pStyle":
        if (para) para.style = attr(raw, "w:val");
        break;
      case "w:numPr":
        if (para) para.list = true;
        break;
      case "w:t":
        inText = !selfClosing;
        break;
      case "w:tab":
        if (para) para.text += "\t";
        break;
      case "w:br":
        if (para) para.text += "\n";
        break;
      case "w:tbl":
        endPara();
        if (!selfClosing) tables.push({ rows: [], row: null, cell: null });
        break;
      case "w:tr":
        if (tables.at(-1)) tables.at(-1)!.row = [];
        break;
      case "w:tc":
        if (tables.at(-1)) tables.at(-1)!.cell = [];
        break;
    }
  }
  endPara();
  return join(blocks);
}

function closeCell(t: Table | undefined) {
  if (!t?.cell) return;
  (t.row ??= []).push(t.cell.join(" "));
  t.cell = null;
}

function closeRow(t: Table | undefined) {
  if (!t?.row) return;
  t.rows.push(t.row);
  t.row = null;
}

/** An attribute's value inside one tag's text (no regex over unbounded input). */
function attr(tag: string, name: string): string {
  const at = tag.indexOf(`${name}="`);
  if (at < 0) return "";
  const start = at + name.length + 2;
  const end = tag.indexOf('"', start);
  return end < 0 ? "" : tag.slice(start, end);
}

/** Blocks separated by blank lines; consecutive list items on consecutive lines. */
function join(blocks: { text: string; list: boolean }[]): string {
  let out = "";
  blocks.forEach((b, n) => {
    if (n > 0) out += b.list && blocks[n - 1]!.list ? "\n" : "\n\n";
    out += b.text;
  });
  return out;
}
