import { Inflate } from "fflate";

/**
 * Reads one entry of a ZIP archive (DOCX) with a decompressed-size cap, so a small "zip bomb" can
 * neither exhaust the Worker's 128 MB nor burn CPU inflating what will be thrown away (issue 13,
 * item 6: a 123 KB .docx inflating to 120 MB took the local worker to 666 MB). The size the central
 * directory declares is checked before inflating; the inflated bytes are counted while inflating in
 * small slices (a declared size can lie), and inflation stops at the cap.
 */

export class ZipError extends Error {}

/** Compressed bytes per inflate step: DEFLATE expands at most ~1032×, so one step yields ≤ ~1 MB. */
const STEP = 1024;

type Entry = { name: string; method: number; compressedSize: number; size: number; localOffset: number };

/** The central directory's entries (no ZIP64: a DOCX within our upload limit never needs it). */
export function zipEntries(zip: Uint8Array): Entry[] {
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  let eocd = -1;
  for (let i = zip.length - 22; i >= Math.max(0, zip.length - 22 - 0xffff); i--) {
    if (view.getUint32(i, true) === 0x06054b50) {
      eocd = i;
      break;
    }
  }
  if (eocd < 0) throw new ZipError("not a zip archive");
  const count = view.getUint16(eocd + 10, true);
  let p = view.getUint32(eocd + 16, true);
  const entries: Entry[] = [];
  const decoder = new TextDecoder();
  for (let n = 0; n < count; n++) {
    if (p + 46 > zip.length || view.getUint32(p, true) !== 0x02014b50) throw new ZipError("a broken zip directory");
    const nameLength = view.getUint16(p + 28, true);
    const entry: Entry = {
      method: view.getUint16(p + 10, true),
      compressedSize: view.getUint32(p + 20, true),
      size: view.getUint32(p + 24, true),
      localOffset: view.getUint32(p + 42, true),
      name: decoder.decode(zip.subarray(p + 46, p + 46 + nameLength)),
    };
    if (entry.size === 0xffffffff || entry.compressedSize === 0xffffffff) throw new ZipError("ZIP64 is not supported");
    entries.push(entry);
    p += 46 + nameLength + view.getUint16(p + 30, true) + view.getUint16(p + 32, true);
  }
  return entries;
}

/** The bytes of `name`, or undefined when the archive has no such entry; throws ZipError past `maxBytes`. */
export function readZipEntry(zip: Uint8Array, name: string, maxBytes: number): Uint8Array | undefined {
  const entry = zipEntries(zip).find((e) => e.name === name);
  if (!entry) return undefined;
  if (entry.size > maxBytes)
    throw new ZipError(`${name} inflates to ${entry.size} bytes, over the ${maxBytes} byte limit`);
  const view = new DataView(zip.buffer, zip.byteOffset, zip.byteLength);
  const at = entry.localOffset;
  if (at + 30 > zip.length || view.getUint32(at, true) !== 0x04034b50) throw new ZipError("a broken zip entry");
  const start = at + 30 + view.getUint16(at + 26, true) + view.getUint16(at + 28, true);
  const data = zip.subarray(start, start + entry.compressedSize);
  if (entry.method === 0) {
    if (data.length > maxBytes) throw new ZipError(`${name} is over the ${maxBytes} byte limit`);
    return data.slice();
  }
  if (entry.method !== 8) throw new ZipError(`${name} uses an unsupported compression method`);
  return inflateCapped(data, name, maxBytes);
}

function inflateCapped(data: Uint8Array, name: string, maxBytes: number): Uint8Array {
  const parts: Uint8Array[] = [];
  let total = 0;
  const inflate = new Inflate((chunk) => {
    total += chunk.length;
    // a declared size that lies is caught here, after at most one step past the cap
    if (total > maxBytes) throw new ZipError(`${name} inflates past the ${maxBytes} byte limit`);
    parts.push(chunk);
  });
  try {
    for (let i = 0; i < data.length; i += STEP) inflate.push(data.subarray(i, i + STEP), i + STEP >= data.length);
    if (data.length === 0) inflate.push(new Uint8Array(0), true);
  } catch (err) {
    if (err instanceof ZipError) throw err;
    throw new ZipError(`${name} is not valid DEFLATE data`);
  }
  const out = new Uint8Array(total);
  let o = 0;
  for (const part of parts) {
    out.set(part, o);
    o += part.length;
  }
  return out;
}
