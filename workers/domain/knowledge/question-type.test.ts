import { describe, expect, it } from "vitest";
import { resolveFollowUp } from "./answer";
import { questionType } from "./question-type";

describe("questionType", () => {
  it("tells what kind of answer a question wants", () => {
    const cases: [string, string][] = [
      ["How much does the Pro plan cost?", "price"],
      ["¿Cuánto cuesta el plan Pro?", "price"],
      ["Was kostet Pro?", "price"],
      ["how many notes can a single import contain", "number"],
      ["how long are team invitations valid", "duration"],
      ["how often do you back up my notes", "duration"],
      ["when do you do planned maintenance", "when"],
      ["what are your support hours", "when"],
      ["How do I change my billing email?", "howto"],
      ["how do i see how much storage i'm using", "howto"],
      ["Where can I download my invoices?", "where"],
      ["my notes aren't syncing between my phone and laptop", "problem"],
      ["Is the web clipper available for Safari?", "yesno"],
      ["which android version do I need", "other"],
    ];
    for (const [q, type] of cases) expect(questionType(q), q).toBe(type);
  });
});

describe("resolveFollowUp", () => {
  const history = [
    { role: "visitor" as const, text: "How much is the Pro plan?" },
    { role: "ai" as const, text: "Plan: Pro; Monthly price: $9.99 per month. [1]" },
  ];
  it("reads a follow-up against the previous question, with its answer type", () => {
    expect(resolveFollowUp("and yearly?", history)).toEqual({
      question: "and yearly? How much is the Pro plan?",
      type: "price",
    });
    // a thanks in between is skipped: the previous *question* counts
    const withThanks = [
      ...history,
      { role: "visitor" as const, text: "thanks" },
      { role: "ai" as const, text: "You're welcome!" },
    ];
    expect(resolveFollowUp("what about Plus?", withThanks).question).toBe("what about Plus? How much is the Pro plan?");
  });
  it("leaves a new, complete question alone", () => {
    expect(resolveFollowUp("How do I export all my notes as PDF files?", history)).toEqual({
      question: "How do I export all my notes as PDF files?",
      type: "howto",
    });
    expect(resolveFollowUp("and yearly?", [])).toEqual({ question: "and yearly?", type: "other" });
  });
});
