import { describe, expect, it } from "vitest";
import { focusOn, resolveFollowUp } from "./answer";
import { extractAnswer } from "../../providers/answer/offline";
import { questionType } from "./question-type";

describe("questionType", () => {
  it("tells what kind of answer a question wants", () => {
    const cases: [string, string][] = [
      ["How much does the Pro plan cost?", "price"],
      ["¿Cuánto cuesta el plan Pro?", "price"],
      ["Was kostet Pro?", "price"],
      ["how many notes can a single import contain", "number"],
      ["how long are team invitations valid", "duration"],
      ["how fast will teams customers get a reply", "duration"],
      // an amount of attachments, not a price (the amount nouns are shared with providers/text.ts)
      ["how much are attachments limited to on plus", "number"],
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

describe("focusOn", () => {
  it("lets what a follow-up names into the answer, not only what the previous question named", () => {
    const terms = [
      { term: "teams", weight: 0.7 },
      { term: "fast", weight: 2, alts: ["quick", "quickly", "soon"] },
      { term: "reply", weight: 1.5, alts: ["respond", "response", "answer"] },
      { term: "plus", weight: 1 },
    ];
    // twice its weight, and at least half again the previous question's heaviest word
    expect(focusOn("what about Teams?", terms).map((t) => t.weight)).toEqual([3, 2, 1.5, 1]);
    expect(focusOn("and reply?", terms).map((t) => t.weight)).toEqual([0.7, 2, 3, 1]);
    const prompt = {
      question: "what about Teams?",
      history: [],
      botName: "Nimbus Help",
      instructions: "",
      language: null,
      answerLength: "short" as const,
      channel: "chat" as const,
      questionType: "duration" as const,
      passages: [
        {
          n: 1,
          sourceId: "s1",
          title: "Contact support",
          url: null,
          heading: "Response times",
          score: 1,
          text: "Plan: Plus; First response within: 1 business day.\nPlan: Teams; First response within: 4 business hours.",
        },
      ],
    };
    // the looked-up question is "what about Teams? How fast does support reply on Plus?": weighed
    // evenly, the previous question's Plus row is the whole answer
    expect(extractAnswer({ ...prompt, terms })).toBe("Plan: Plus; First response within: 1 business day. [1]");
    expect(extractAnswer({ ...prompt, terms: focusOn("what about Teams?", terms) })).toBe(
      "Plan: Teams; First response within: 4 business hours. [1]",
    );
  });
});
