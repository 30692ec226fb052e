import { describe, expect, it } from "vitest";
import { asksQuantity, contentTerms, isContractionStub } from "./text";

describe("contentTerms", () => {
  it("drops contractions typed without the apostrophe, and keeps the stub of a negated auxiliary", () => {
    expect(contentTerms("whats the price of plus per year")).toEqual(["price", "plus", "per", "year"]);
    // "aren't" tokenizes to "aren" + "t": forum-style knowledge says "aren't", so the stub stays a
    // question word; retrieval weighs it 0 where the knowledge never uses it (term-stats.test.ts)
    expect(contentTerms("my notes aren't syncing")).toEqual(["notes", "aren", "syncing"]);
    expect(isContractionStub("aren")).toBe(true);
    expect(isContractionStub("doesn")).toBe(true);
    expect(isContractionStub("syncing")).toBe(false);
  });

  it("drops the amount word of 'how long / many / much / far' but keeps it elsewhere", () => {
    expect(contentTerms("How long is the Pro free trial?")).toEqual(["pro", "free", "trial"]);
    expect(contentTerms("how many devices can I sync")).toEqual(["devices", "sync"]);
    expect(contentTerms("how far back does version history go on plus")).toEqual([
      "back",
      "version",
      "history",
      "go",
      "plus",
    ]);
    expect(contentTerms("How big can an attachment be on Teams?")).toEqual(["attachment", "teams"]);
    // not after "how": the word names something
    expect(contentTerms("long notes get cut off")).toEqual(["long", "notes", "cut"]);
    expect(contentTerms("too many requests error")).toEqual(["many", "requests", "error"]);
  });

  it("knows a bare amount question is still a question", () => {
    expect(contentTerms("and how much?")).toEqual([]);
    expect(asksQuantity("and how much?")).toBe(true);
    expect(asksQuantity("How long?")).toBe(true);
    expect(asksQuantity("long")).toBe(false);
    expect(asksQuantity("thanks")).toBe(false);
  });
});
