import { splitSentences } from "../../providers/text";
import { tableFacts } from "./table-facts";

/**
 * Structure-aware chunking of the extractor's markdown dialect. Blocks (paragraphs, lists, tables)
 * are never split unless one alone exceeds the hard limit; a heading starts a new chunk and every
 * chunk carries its heading path ("Billing › Refunds"), which is indexed with a boost. Consecutive
 * chunks of one section overlap by their last sentence / list item / table row (tables repeat their
 * header row), so an answer that straddles a boundary is still found whole in one chunk.
 */
export const CHUNK_LIMITS = {
  /** Aim for chunks around this many characters... */
  target: 900,
  /** ...and never above this (a longer block is split by sentences or rows). */
  max: 1500,
  /** Overlap carried into the next chunk of the same section, at most. */
  overlap: 220,
} as const;

export type Chunk = { heading: string; text: string };
export type ChunkLimits = { target: number; max: number; overlap: number };

type Block = { kind: "para" | "list" | "table"; lines: string[] };
type Section = { path: string[]; blocks: Block[] };

export function chunkText(text: string, limits: ChunkLimits = CHUNK_LIMITS): Chunk[] {
  const chunks: Chunk[] = [];
  for (const section of sectionsOf(text)) {
    const heading = section.path.join(" › ");
    let cur: string[] = [];
    let carry = "";
    let size = 0;
    const emit = () => chunks.push({ heading, text: [carry, ...cur].filter(Boolean).join("\n\n") });
    for (const piece of section.blocks.flatMap((b) => splitBlock(b, limits.max))) {
      if (cur.length && size + piece.length > limits.target) {
        emit();
        // the carried overlap only ever travels with new content, never alone
        carry = overlapOf(cur[cur.length - 1]!, limits.overlap);
        cur = [];
        size = carry.length;
      }
      cur.push(piece);
      size += piece.length + 2;
    }
    if (cur.length) emit();
  }
  return chunks;
}

/** The tail of a piece to repeat at the start of the next chunk: last sentence, list item or table row (with header). */
function overlapOf(last: string, max: number): string {
  const lines = last.split("\n");
  let tail: string;
  if (lines[0]!.startsWith("|")) tail = lines.length > 2 ? `${lines[0]}\n${lines[lines.length - 1]}` : "";
  else if (lines.length > 1) tail = lines[lines.length - 1]!;
  else {
    const sentences = splitSentences(last);
    tail = sentences.length > 1 ? sentences[sentences.length - 1]! : "";
  }
  return tail.length <= max ? tail : "";
}

function sectionsOf(text: string): Section[] {
  const sections: Section[] = [{ path: [], blocks: [] }];
  const path: { level: number; title: string }[] = [];
  let block: Block | null = null;
  const close = () => {
    const b = block as Block | null;
    // a table is kept as one self-contained fact line per row ("Plan: Pro; Monthly price: $9.99"), so a row can be cited
    if (b && b.lines.length)
      sections[sections.length - 1]!.blocks.push(b.kind === "table" ? { kind: "list", lines: tableFacts(b.lines) } : b);
    block = null;
  };
  for (const raw of text.replace(/\r\n?/g, "\n").split("\n")) {
    const line = raw.trimEnd();
    const h = line.match(/^(#{1,6})\s+(.+?)\s*#*$/);
    if (h) {
      close();
      const level = h[1]!.length;
      while (path.length && path[path.length - 1]!.level >= level) path.pop();
      path.push({ level, title: h[2]!.trim() });
      sections.push({ path: path.map((p) => p.title), blocks: [] });
      continue;
    }
    if (!line.trim()) {
      close();
      continue;
    }
    const kind: Block["kind"] = /^\s*\|/.test(line)
      ? "table"
      : /^\s*(?:[-*+•]|\d+[.)])\s+/.test(line)
        ? "list"
        : "para";
    if (
      block &&
      (block as Block).kind !== kind &&
      !(kind === "para" && (block as Block).kind === "list" && /^\s+/.test(raw))
    )
      close();
    if (kind === "table" && /^\s*\|?\s*:?-{2,}/.test(line)) continue; // markdown table separator row
    block ??= { kind, lines: [] };
    block.lines.push(line.trim());
  }
  close();
  return sections.filter((s) => s.blocks.length);
}

/** A block as one piece, or split at sentence / row boundaries when it exceeds `max`. */
function splitBlock(b: Block, max: number): string[] {
  const whole = b.kind === "para" ? b.lines.join(" ") : b.lines.join("\n");
  if (whole.length <= max) return [whole];
  const units = b.kind === "para" ? splitSentences(whole) : b.kind === "table" ? b.lines.slice(1) : b.lines;
  const header = b.kind === "table" ? `${b.lines[0]}\n` : "";
  const out: string[] = [];
  let cur = "";
  for (const u of units.flatMap((x) => (x.length > max ? hardSplit(x, max) : [x]))) {
    if (cur && cur.length + u.length + 1 > max) {
      out.push(header + cur);
      cur = "";
    }
    cur = cur ? `${cur}${b.kind === "para" ? " " : "\n"}${u}` : u;
  }
  if (cur) out.push(header + cur);
  return out;
}

function hardSplit(s: string, max: number): string[] {
  const out: string[] = [];
  for (let i = 0; i < s.length; i += max) out.push(s.slice(i, i + max));
  return out;
}
