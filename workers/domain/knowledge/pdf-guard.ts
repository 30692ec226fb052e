import { Inflate } from "fflate";

/**
 * A PDF's streams are mostly FlateDecode: a few KB can inflate to gigabytes inside PDF.js, past the
 * Worker's 128 MB. Before PDF.js sees the file, every `stream … endstream` body that starts with a
 * zlib header is inflated here in small steps, counting bytes, and the file is refused once the
 * total passes the cap. Cost: at most the cap in inflate work, once (the scan itself is linear).
 */
export const MAX_PDF_INFLATED_BYTES = 32 * 1024 * 1024;
const STEP = 1024;

class Cap extends Error {}

/** A reason to refuse the PDF (its streams inflate past `max`), or null. */
export function pdfTooLarge(bytes: Uint8Array, max = MAX_PDF_INFLATED_BYTES): string | null {
  // one byte per code unit, so string offsets are byte offsets
  const text = new TextDecoder("latin1").decode(bytes);
  const seen = { bytes: 0 };
  let pos = 0;
  for (;;) {
    const at = text.indexOf("stream", pos);
    if (at < 0) return null;
    pos = at + 6;
    if (text.startsWith("end", at - 3)) continue;
    const start = at + 6 + (text.startsWith("\r\n", at + 6) ? 2 : text[at + 6] === "\n" ? 1 : 0);
    const end = text.indexOf("endstream", start);
    if (end < 0) return null;
    pos = end + 9;
    if (bytes[start] !== 0x78) continue; // not zlib: other filters are left to PDF.js
    try {
      countInflated(bytes.subarray(start + 2, end), seen, max);
    } catch (err) {
      if (err instanceof Cap) return `the PDF's compressed streams inflate past the ${max} byte limit`;
      // broken DEFLATE: what inflated before the break still counts; PDF.js decides the rest
    }
  }
}

function countInflated(data: Uint8Array, seen: { bytes: number }, max: number) {
  const inflate = new Inflate((chunk) => {
    seen.bytes += chunk.length;
    if (seen.bytes > max) throw new Cap();
  });
  for (let i = 0; i < data.length; i += STEP) inflate.push(data.subarray(i, i + STEP), i + STEP >= data.length);
}
