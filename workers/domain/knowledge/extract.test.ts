import { describe, expect, it } from "vitest";
import { makeDocx, makePdf } from "../../test/fixtures/knowledge-docs";
import { csvToQa, ExtractionError, extract, htmlToText, kindOf, parseCsv } from "./extract";

describe("extract", () => {
  it("detects kinds by extension, then content type", () => {
    expect(kindOf("a.PDF")).toBe("pdf");
    expect(kindOf("notes.markdown")).toBe("md");
    expect(kindOf("blob", "text/csv; charset=utf-8")).toBe("csv");
    expect(kindOf("a.exe", "application/octet-stream")).toBeUndefined();
  });

  it("turns HTML structure into headings, list items and table rows, without scripts", async () => {
    const r = await htmlToText(
      "<html><head><title>Help &amp; FAQ</title><script>evil()</script></head><body><h2>Plans</h2><ul><li>Free</li><li>Pro</li></ul><table><tr><th>Plan</th><th>Price</th></tr><tr><td>Pro</td><td>&euro;9</td></tr></table><p>Bye&nbsp;now</p></body></html>",
    );
    expect(r.title).toBe("Help & FAQ");
    expect(r.text).toContain("## Plans");
    expect(r.text).toContain("- Free\n");
    expect(r.text).toContain("| Pro | €9 |");
    expect(r.text).not.toContain("evil");
  });

  it("parses quoted CSV and skips a header row", () => {
    expect(parseCsv('a,"b, ""c"""\r\nd,e\n')).toEqual([
      ["a", 'b, "c"'],
      ["d", "e"],
    ]);
    const qa = csvToQa("question,answer\nHow much is Pro?,$9.99 per month\n");
    expect(qa).toBe("## How much is Pro?\n\n$9.99 per month");
    expect(() => csvToQa("only one column\n")).toThrow(ExtractionError);
  });

  it("reads a DOCX: headings, list items and tables", async () => {
    const bytes = makeDocx([
      { heading: "Vault" },
      { text: "Vault notes are end-to-end encrypted." },
      { list: ["Open settings", "Create vault"] },
      {
        table: [
          ["Plan", "Vault"],
          ["Pro", "yes"],
        ],
      },
    ]);
    const { text } = await extract("docx", bytes);
    expect(text).toContain("# Vault");
    expect(text).toContain("Vault notes are end-to-end encrypted.");
    expect(text).toContain("- Open settings\n- Create vault");
    expect(text).toContain("| Plan | Vault |\n| Pro | yes |");
  });

  it("reads a PDF with unpdf inside workerd", { timeout: 60_000 }, async () => {
    const { text } = await extract("pdf", makePdf(["The Zephyr plan stores 77 GB.", "Second line here."]));
    expect(text).toContain("Zephyr plan stores 77 GB");
  });

  it("fails a broken PDF and invalid UTF-8 with an ExtractionError", { timeout: 60_000 }, async () => {
    await expect(extract("pdf", new TextEncoder().encode("%PDF-1.4 this is not really a pdf"))).rejects.toBeInstanceOf(
      ExtractionError,
    );
    await expect(extract("txt", new Uint8Array([0xff, 0xfe, 0x00, 0xd8]))).rejects.toBeInstanceOf(ExtractionError);
    await expect(extract("docx", new Uint8Array([1, 2, 3]))).rejects.toBeInstanceOf(ExtractionError);
  });
});
