import { strToU8, zipSync, zlibSync } from "fflate";
import { describe, expect, it } from "vitest";
import { makeDocx } from "../../test/fixtures/knowledge-docs";
import { MAX_DOCX_XML_BYTES, wordXmlToText } from "./docx-extract";
import { ExtractionError, extract } from "./extract";
import { htmlToText, type HtmlStats, plainHtmlText } from "./html-extract";
import { MAX_PDF_INFLATED_BYTES, pdfTooLarge } from "./pdf-guard";
import { readZipEntry, ZipError } from "./zip-entry";

/**
 * Ingestion is bounded (issue 13, item 6). The old HTML reader ran lazy regexes such as
 * `<li[^>]*>([\s\S]*?)<\/li>` over the page: every unclosed `<li>` rescanned to the end, so an
 * 800 KB page of them cost ~n²/2 character steps (minutes; measured in the report). These tests feed
 * that page to the new reader: the test's own timeout would notice a quadratic pass, and the work
 * counter must grow linearly with the input. No wall-clock assertion.
 */
const UNIT = "<li><h2 class=x><tr><td>word ";
const pathological = (bytes: number) => UNIT.repeat(Math.ceil(bytes / UNIT.length));

describe("bounded HTML extraction", () => {
  it("reads an 800 KB page of unclosed tags in linear work", async () => {
    const page = pathological(800 * 1024);
    expect(page.length).toBeGreaterThanOrEqual(800 * 1024);
    const stats: HtmlStats = { events: 0 };
    const r = await htmlToText(page, stats);
    // every word is there, once
    expect(r.text.split("word").length - 1).toBe(Math.ceil((800 * 1024) / UNIT.length));
    // HTMLRewriter stops at its open-element limit, the linear fallback reads the page: about one
    // step per tag and text run, never a rescan
    const tags = page.split("<").length - 1;
    expect(stats.events).toBeLessThan(2 * tags);
  });

  it("the fallback reader's work grows linearly: 8× the input, 8× the steps (quadratic would be 64×)", () => {
    const small: HtmlStats = { events: 0 };
    const big: HtmlStats = { events: 0 };
    plainHtmlText(pathological(100 * 1024), small);
    plainHtmlText(pathological(800 * 1024), big);
    expect(big.events / small.events).toBeGreaterThan(7.5);
    expect(big.events / small.events).toBeLessThan(8.5);
    expect(plainHtmlText("<p>a<script>x<y</script>b<!-- c -->d<style>e</style>")).toBe("\na bd ");
  });

  it("keeps structure: title, headings, lists, tables, entities; skips scripts, an unclosed head does not hide the body", async () => {
    const r = await htmlToText(
      "<html><head><title>Help &amp; FAQ</title><script>if (a < b) evil()</script><body><h1>Start</h1><p>One&nbsp;two<br>three</p><ul><li>A <b>bold</b> item</li></ul><table><tr><th>k</th><th>v</th></tr><tr><td>x</td><td>&#x20AC;1</td></tr></table><nav>menu</nav><p>end</p></body></html>",
    );
    expect(r.title).toBe("Help & FAQ");
    expect(r.text).toContain("# Start");
    expect(r.text).toContain("One two\nthree");
    expect(r.text).toContain("- A bold item");
    expect(r.text).toContain("| k | v |\n");
    expect(r.text).toContain("| x | €1 |");
    expect(r.text).toContain("end");
    expect(r.text).not.toMatch(/evil|menu/);
  });
});

/** A DOCX whose word/document.xml is `size` bytes of paragraphs: a few KB zipped. */
function docxBomb(size: number): Uint8Array {
  const para = "<w:p><w:r><w:t>Boom boom boom.</w:t></w:r></w:p>";
  const xml = `<w:document><w:body>${para.repeat(Math.ceil(size / para.length))}</w:body></w:document>`;
  return zipSync({ "word/document.xml": strToU8(xml) }, { level: 9 });
}

/** Rewrites the central directory's uncompressed size of every entry (a lying archive). */
function lieAboutSizes(zip: Uint8Array, size: number): Uint8Array {
  const out = zip.slice();
  const view = new DataView(out.buffer);
  for (let p = 0; p + 46 <= out.length; p++)
    if (view.getUint32(p, true) === 0x02014b50) view.setUint32(p + 24, size, true);
  return out;
}

describe("bounded DOCX and PDF", () => {
  it("refuses a zip bomb from its declared size before inflating", async () => {
    const bomb = docxBomb(MAX_DOCX_XML_BYTES + 1024 * 1024);
    expect(bomb.length).toBeLessThan(200 * 1024);
    await expect(extract("docx", bomb)).rejects.toThrow(ExtractionError);
    await expect(extract("docx", bomb)).rejects.toThrow(/word\/document\.xml inflates to \d+ bytes, over the 16777216/);
  });

  it("stops inflating at the cap when the directory lies about the size", () => {
    const liar = lieAboutSizes(docxBomb(8 * 1024 * 1024), 100);
    expect(() => readZipEntry(liar, "word/document.xml", 1024 * 1024)).toThrow(ZipError);
    expect(() => readZipEntry(liar, "word/document.xml", 1024 * 1024)).toThrow(/inflates past the 1048576 byte limit/);
  });

  it("still reads an honest DOCX through the capped reader", async () => {
    const { text } = await extract(
      "docx",
      makeDocx([{ heading: "Vault" }, { list: ["One", "Two"] }, { text: "Body." }]),
    );
    expect(text).toBe("# Vault\n\n- One\n- Two\n\nBody.");
  });

  it("scans WordprocessingML linearly: thousands of unclosed tables and paragraphs", () => {
    const xml = "<w:tbl><w:tr><w:tc><w:p><w:r><w:t>cell</w:t>".repeat(20_000);
    const text = wordXmlToText(xml);
    expect(text).toBe(""); // nothing closed, nothing emitted, and no rescans
    expect(wordXmlToText(`${"<w:p><w:r><w:t>para".repeat(20_000)}</w:t></w:r></w:p>`).length).toBeGreaterThan(0);
  });

  it(
    "refuses a PDF whose compressed streams inflate past the cap, before PDF.js sees it",
    { timeout: 60_000 },
    async () => {
      const zeros = zlibSync(new Uint8Array(MAX_PDF_INFLATED_BYTES + 1024 * 1024), { level: 9 });
      const head = strToU8(`%PDF-1.4\n1 0 obj\n<< /Length ${zeros.length} /Filter /FlateDecode >>\nstream\n`);
      const tail = strToU8("\nendstream\nendobj\ntrailer\n<< >>\n%%EOF\n");
      const pdf = new Uint8Array(head.length + zeros.length + tail.length);
      pdf.set(head);
      pdf.set(zeros, head.length);
      pdf.set(tail, head.length + zeros.length);
      expect(pdf.length).toBeLessThan(200 * 1024);
      expect(pdfTooLarge(pdf)).toMatch(/inflate past the 33554432 byte limit/);
      await expect(extract("pdf", pdf)).rejects.toThrow(/inflate past/);
    },
  );
});
