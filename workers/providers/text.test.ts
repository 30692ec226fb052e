import { describe, expect, it } from "vitest";
import { asksQuantity, contentTerms, derivedStems, isContractionStub, stem, synonymsOf } from "./text";

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
      "plus",
    ]);
    expect(contentTerms("How big can an attachment be on Teams?")).toEqual(["attachment", "teams"]);
    // not after "how": the word names something
    expect(contentTerms("long notes get cut off")).toEqual(["long", "notes", "cut"]);
    expect(contentTerms("too many requests error")).toEqual(["many", "requests", "error"]);
  });

  it("drops 'last' / 'take' closing a 'how long' question, and keeps them elsewhere", () => {
    expect(contentTerms("How long do team invites last?")).toEqual(["team", "invites"]);
    expect(contentTerms("how long does a refund take")).toEqual(["refund"]);
    expect(contentTerms("How long does it take to sync?")).toEqual(["sync"]);
    expect(contentTerms("where is the last version")).toEqual(["last", "version"]);
    expect(contentTerms("how long can I keep the last invoice")).toEqual(["keep", "last", "invoice"]);
    // light verbs and comparatives say nothing about the topic
    expect(contentTerms("can I make photos take up less room")).toEqual(["photos", "room"]);
  });

  it("knows a bare amount question is still a question", () => {
    expect(contentTerms("and how much?")).toEqual([]);
    expect(asksQuantity("and how much?")).toBe(true);
    expect(asksQuantity("How long?")).toBe(true);
    expect(asksQuantity("long")).toBe(false);
    expect(asksQuantity("thanks")).toBe(false);
  });
});

describe("phrasal verbs and irregular forms", () => {
  it("reads 'run out of' as reaching a limit, and 'back up' as the one word", () => {
    expect(contentTerms("what happens when I run out of storage")).toEqual(["happens", "reach", "limit", "storage"]);
    expect(contentTerms("how often do you back up my notes")).toEqual(["backup", "notes"]);
    // an idiom for undoing a decision
    expect(contentTerms("if I delete my account can I change my mind")).toEqual(["delete", "account", "cancel"]);
    // "how much is" asks for a price unless it is an amount of storage
    expect(contentTerms("how much is pro")).toEqual(["price", "pro"]);
    expect(contentTerms("how much is storage on pro")).toEqual(["storage", "pro"]);
    expect(contentTerms("will resetting my password log me out everywhere")).toEqual([
      "resetting",
      "password",
      "sign",
      "every",
      "device",
    ]);
    expect(contentTerms("how quickly do changes show up on my phone")).toEqual([
      "quickly",
      "changes",
      "appear",
      "phone",
    ]);
    expect(contentTerms("my card payment doesn't go through")).toEqual(["card", "payment", "fails"]);
    expect(contentTerms("I never got the password reset email")).toEqual(["receive", "password", "reset", "email"]);
    expect(contentTerms("does the web clipper cost extra")).toEqual(["web", "clipper", "cost", "free"]);
  });

  it("matches a verb's irregular past form, which the suffix stemmer cannot", () => {
    expect(synonymsOf("pay")).toContain("paid");
    expect(synonymsOf("paid")).toContain("pay");
    expect(synonymsOf("forgot")).toContain("forget");
    // "can I undo restoring?" ~ "restoring can be undone"
    expect(synonymsOf("undo")).toContain("undone");
    // British "bin" is the help centre's "trash"
    expect(synonymsOf("bin")).toContain("trash");
    expect(synonymsOf("bitcoin")).toContain("cryptocurrency");
    // "how much notice before maintenance" ~ "announced 72 hours in advance"
    expect(synonymsOf("notice")).toContain("announce");
    expect(synonymsOf("room")).toContain("space");
    expect(synonymsOf("photos")).toContain("image");
  });
});

describe("derivedStems: a word's family that the light stemmer keeps apart", () => {
  const family = (a: string, b: string) => derivedStems(a).includes(stem(b)) && derivedStems(b).includes(stem(a));
  it("joins a verb and its -ation, -ion, -ment, -al and -ification nouns, either way round", () => {
    for (const [a, b] of [
      ["invites", "invitations"],
      ["delete", "deletion"],
      ["pay", "payment"],
      ["renew", "renewal"],
      ["notify", "notifications"],
      ["cancel", "cancellation"],
      ["install", "installation"],
      ["organize", "organization"],
      ["compress", "compression"],
      ["located", "location"],
      ["refund", "refundable"],
    ] as const)
      expect(family(a, b), `${a} ~ ${b}`).toBe(true);
  });
  it("does not derive from short roots, numbers or unrelated words", () => {
    expect(family("local", "location")).toBe(false);
    expect(family("act", "action")).toBe(false);
    expect(family("nation", "nat")).toBe(false);
    expect(derivedStems("2fa")).toEqual([]);
    // the word's own stem is not repeated among its family
    expect(derivedStems("exported")).not.toContain(stem("exported"));
  });
});
