import { describe, expect, it } from "vitest";
import { chunkText } from "./chunk";

describe("chunkText", () => {
  it("starts a chunk at each heading and carries the heading path", () => {
    const chunks = chunkText(
      "# Billing\n\nIntro text.\n\n## Refunds\n\nYearly plans are refundable.\n\n# Sync\n\nSync is fast.",
    );
    expect(chunks.map((c) => c.heading)).toEqual(["Billing", "Billing › Refunds", "Sync"]);
    expect(chunks[1]!.text).toBe("Yearly plans are refundable.");
  });

  it("keeps a list whole and turns a table into one labelled fact per row (no separator row)", () => {
    const chunks = chunkText(
      "# Steps\n\n1. Open Settings.\n2. Click Billing.\n\n| Plan | Price |\n| --- | --- |\n| Plus | $5 |",
    );
    expect(chunks).toHaveLength(1);
    expect(chunks[0]!.text).toContain("1. Open Settings.\n2. Click Billing.");
    expect(chunks[0]!.text).toContain("Plan: Plus; Price: $5.");
    expect(chunks[0]!.text).not.toContain("|");
    expect(chunks[0]!.text).not.toContain("---");
  });

  it("splits long sections near the target size with a one-sentence overlap", () => {
    const para = (n: number) =>
      `Paragraph ${n} starts here. It has a second sentence about topic ${n} that is long enough to matter for sizing purposes.`;
    const text = `# Long\n\n${Array.from({ length: 20 }, (_, i) => para(i)).join("\n\n")}`;
    const chunks = chunkText(text, { target: 400, max: 800, overlap: 200 });
    expect(chunks.length).toBeGreaterThan(3);
    for (const c of chunks) expect(c.text.length).toBeLessThanOrEqual(800 + 200);
    // the last sentence of a chunk opens the next one
    const lastSentence = chunks[0]!.text.split(/(?<=\.)\s+/).pop()!;
    expect(chunks[1]!.text.startsWith(lastSentence)).toBe(true);
  });

  it("splits an oversized table by rows, every row still naming its columns", () => {
    const rows = Array.from({ length: 60 }, (_, i) => `| item ${i} | value ${i} with some padding text |`);
    const chunks = chunkText(`| Name | Value |\n${rows.join("\n")}`, { target: 500, max: 600, overlap: 100 });
    expect(chunks.length).toBeGreaterThan(2);
    for (const c of chunks)
      for (const line of c.text.split(/\n+/))
        expect(line).toMatch(/^Name: item \d+; Value: value \d+ with some padding text\.$/);
  });

  it("keeps HTML- and DOCX-style tables (no separator row) as row facts and skips empty cells", () => {
    const chunks = chunkText("| App | Minimum version |\n| Android | Android 12 or later |\n| Linux | — |");
    expect(chunks[0]!.text).toBe("App: Android; Minimum version: Android 12 or later.\nApp: Linux.");
  });

  it("returns nothing for blank text", () => {
    expect(chunkText("  \n\n ")).toEqual([]);
  });
});
