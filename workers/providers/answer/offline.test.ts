import { describe, expect, it } from "vitest";
import { diversePassages, extractAnswer, offlineAnswerModel } from "./offline";
import type { GroundedPrompt } from "./port";

const base: GroundedPrompt = {
  question: "How long are deleted notes kept in the trash?",
  history: [],
  passages: [
    {
      n: 1,
      sourceId: "doc_a",
      title: "Trash",
      url: null,
      heading: "Trash › Restore",
      text: "Deleted notes go to the Trash. They stay there for 30 days. After that they are gone for good.\n\nTo restore a note:\n1. Open the Trash.\n2. Click Restore.",
      score: 1,
    },
    {
      n: 2,
      sourceId: "doc_b",
      title: "Billing",
      url: null,
      heading: "Billing",
      text: "Invoices are emailed monthly.",
      score: 0.3,
    },
  ],
  botName: "Bot",
  instructions: "",
  language: null,
  answerLength: "medium",
  channel: "chat",
  terms: [
    { term: "deleted", weight: 2 },
    { term: "notes", weight: 0.5 },
    { term: "kept", weight: 1, alts: ["stay"] },
    { term: "trash", weight: 2 },
  ],
};

describe("offline extractive answerer", () => {
  it("selects the best-supported sentences, cites them, and only uses passage words", () => {
    const a = extractAnswer(base);
    expect(a).toContain("They stay there for 30 days.");
    expect(a).toMatch(/\[1\]$/);
    expect(a).not.toContain("Invoices");
    const passageWords = new Set(base.passages.flatMap((p) => p.text.split(/\W+/)));
    for (const w of a
      .replace(/\[\d\]/g, "")
      .split(/\W+/)
      .filter(Boolean))
      expect(passageWords.has(w), w).toBe(true);
  });

  it("brings the steps after a sentence that introduces a list", () => {
    const a = extractAnswer({
      ...base,
      question: "How do I restore a note?",
      terms: [
        { term: "restore", weight: 3 },
        { term: "note", weight: 0.5 },
      ],
    });
    expect(a).toContain("To restore a note:");
    expect(a).toContain("Open the Trash.");
    expect(a).toContain("Click Restore.");
  });

  it("answers shorter for voice, without citation markers", () => {
    const a = extractAnswer({ ...base, channel: "voice" });
    expect(a).not.toMatch(/\[\d\]/);
    expect(a.split(/(?<=\.)\s/).length).toBeLessThanOrEqual(2);
  });

  it("streams the same text in pieces and stops on abort", async () => {
    let s = "";
    for await (const p of offlineAnswerModel.stream(base)) s += p;
    expect(s).toBe(extractAnswer(base));
    const ac = new AbortController();
    ac.abort();
    const pieces: string[] = [];
    for await (const p of offlineAnswerModel.stream(base, ac.signal)) pieces.push(p);
    expect(pieces).toEqual([]);
  });

  it("states the asked cell of a table row, the steps in order, and leads a yes/no answer", () => {
    const plans: GroundedPrompt = {
      ...base,
      question: "whats the price of plus per year",
      questionType: "price",
      passages: [
        {
          ...base.passages[0]!,
          title: "Plans and pricing",
          heading: "Plans and pricing",
          text: "Students get 50% off Plus.\nPlan: Plus; Monthly price: $4.99 per month; Yearly price: $48 per year; Storage: 20 GB total.\nPlan: Pro; Monthly price: $9.99 per month; Yearly price: $96 per year; Storage: 200 GB total.",
        },
      ],
      terms: [
        { term: "price", weight: 1, alts: ["cost"] },
        { term: "plus", weight: 2 },
        { term: "year", weight: 1 },
      ],
    };
    expect(extractAnswer(plans)).toBe("Plan: Plus; Yearly price: $48 per year. [1]");
    // "1 business day" and "8 business hours" are durations as much as "3 days"
    const response = extractAnswer({
      ...base,
      question: "how quickly does support answer plus customers",
      questionType: "duration",
      passages: [
        {
          ...base.passages[0]!,
          heading: "Response times",
          text: "Plan: Free; First response within: 3 business days.\nPlan: Plus; First response within: 1 business day.\nPlan: Pro; First response within: 8 business hours.",
        },
      ],
      terms: [
        { term: "quickly", weight: 2, alts: ["fast", "quick", "soon"] },
        { term: "answer", weight: 1.5, alts: ["reply", "respond", "response"] },
        { term: "plus", weight: 0.7 },
        { term: "customers", weight: 1.2 },
      ],
    });
    expect(response).toBe("Plan: Plus; First response within: 1 business day. [1]");
    const steps = extractAnswer({
      ...base,
      question: "my notes are not syncing",
      questionType: "problem",
      passages: [
        {
          ...base.passages[0]!,
          heading: "Sync › Sync is stuck",
          text: "1. Check the status page.\n2. Update the app.\n3. Choose **Help > Force full sync**.",
        },
      ],
      terms: [{ term: "sync", weight: 2 }],
    });
    expect(steps).toBe("1. Check the status page.\n2. Update the app.\n3. Choose **Help > Force full sync**. [1]");
    const no = extractAnswer({
      ...base,
      question: "do you support SMS codes",
      questionType: "yesno",
      passages: [{ ...base.passages[0]!, text: "Turn on two-factor authentication. SMS codes are not supported." }],
      terms: [
        { term: "sms", weight: 3 },
        { term: "codes", weight: 1 },
      ],
    });
    expect(no).toBe("No. SMS codes are not supported. [1]");
    // a yes/no lead asserts the whole question: a sentence that leaves out what was asked ("pay")
    // gets no "Yes."; the heading counts as part of the sentence
    const invited = {
      ...base,
      question: "do invited people need to pay",
      questionType: "yesno" as const,
      passages: [{ ...base.passages[0]!, heading: "Members", text: "Admins invite people under **Admin > Members**." }],
      terms: [
        { term: "invited", weight: 2 },
        { term: "people", weight: 1 },
        { term: "pay", weight: 2 },
      ],
    };
    expect(extractAnswer(invited)).toBe("Admins invite people under **Admin > Members**. [1]");
    expect(extractAnswer({ ...invited, passages: [{ ...invited.passages[0]!, heading: "Who has to pay" }] })).toBe(
      "Yes. Admins invite people under **Admin > Members**. [1]",
    );
  });

  it("brings what happens after a sentence that only restates the question's condition", () => {
    const conflict: GroundedPrompt = {
      ...base,
      question: "What happens if I edit a note on two devices while offline?",
      answerLength: "short",
      passages: [
        {
          ...base.passages[0]!,
          heading: "Sync conflicts",
          text: 'If the same note was edited on two devices while one of them was offline, Nimbus keeps both versions. The second one is saved as a new note named "Conflicted copy". Offline notebooks need Plus.',
        },
      ],
      terms: [
        { term: "edit", weight: 1 },
        { term: "note", weight: 0.5 },
        { term: "devices", weight: 1.5 },
        { term: "offline", weight: 1.5 },
      ],
    };
    expect(extractAnswer(conflict)).toBe(
      'If the same note was edited on two devices while one of them was offline, Nimbus keeps both versions. The second one is saved as a new note named "Conflicted copy". [1]',
    );
    // a sentence that is not a condition stands alone, as before
    const plain = {
      ...conflict.passages[0]!,
      text: conflict.passages[0]!.text.replace(/^If the same note was edited/, "The same note edited"),
    };
    expect(extractAnswer({ ...conflict, passages: [plain] })).not.toContain("Conflicted copy");
  });

  it("reads a sentence whose subject is a pronoun with the sentence before, and brings that sentence", () => {
    const ai: GroundedPrompt = {
      ...base,
      question: "is the AI included in plus?",
      questionType: "yesno",
      answerLength: "short",
      passages: [
        {
          ...base.passages[0]!,
          heading: "Nimbus AI",
          text: "Nimbus AI summarises notes and answers questions about your notebooks. It is included in the Pro and Teams plans. Notes in Vault notebooks are never sent to Nimbus AI.",
        },
      ],
      terms: [
        { term: "ai", weight: 1.5 },
        { term: "included", weight: 2 },
        { term: "plus", weight: 1 },
      ],
    };
    const answer = extractAnswer(ai);
    expect(answer).toContain("It is included in the Pro and Teams plans.");
    expect(answer).toContain("Nimbus AI summarises notes");
    expect(answer).not.toContain("Vault");
  });

  /** A short-answer prompt over one or two passages (headings, texts and scores given) for `question`. */
  const shortPrompt = (
    question: string,
    questionType: GroundedPrompt["questionType"],
    passages: [heading: string, text: string, score: number][],
    terms: GroundedPrompt["terms"],
  ): GroundedPrompt => ({
    ...base,
    question,
    questionType,
    answerLength: "short",
    passages: passages.map(([heading, text, score], i) => ({ ...base.passages[i]!, heading, text, score })),
    terms,
  });

  it("answers a definition question with the sentence that opens with its subject", () => {
    const ai = shortPrompt(
      "what is Nimbus AI?",
      "other",
      [
        [
          "Nimbus AI › Privacy",
          "Notes in Vault notebooks are never sent to Nimbus AI. Requests are deleted after 30 days.",
          1,
        ],
        [
          "Nimbus AI",
          "Nimbus AI summarises notes and answers questions about your notebooks. It is included in the Pro plan.",
          0.9,
        ],
      ],
      [
        { term: "nimbus", weight: 1 },
        { term: "ai", weight: 1.5 },
      ],
    );
    expect(extractAnswer(ai)).toMatch(/^Nimbus AI summarises notes/);
    // the same passages for a question that is not a definition keep the first passage's sentence
    expect(extractAnswer({ ...ai, question: "are notes sent to nimbus AI?", questionType: "yesno" })).toMatch(
      /^(?:No\. )?Notes in Vault notebooks/,
    );
  });

  it("answers a which-plural question with the sentence that lists the members", () => {
    const ai = shortPrompt(
      "which browsers does the clipper work in",
      "other",
      [
        [
          "Web Clipper › Troubleshooting",
          'If the clipper says "Cannot clip this page", the site blocks extensions (for example some banking sites and the browser\'s own settings pages).',
          1,
        ],
        [
          "Web Clipper › Install",
          "The Web Clipper is available for Chrome, Firefox, Microsoft Edge and Safari (macOS 13 or later). Install it from your browser's extension store.",
          0.9,
        ],
      ],
      [
        { term: "browsers", weight: 2 },
        { term: "clipper", weight: 2 },
        { term: "work", weight: 0.5 },
      ],
    );
    expect(extractAnswer(ai)).toMatch(/^The Web Clipper is available for Chrome, Firefox/);
    // without the plural noun it is not a question for a list: the first passage's sentence stays
    expect(extractAnswer({ ...ai, question: "does the clipper work in my browser", questionType: "yesno" })).toMatch(
      /^If the clipper says/,
    );
  });

  it("a list under a heading that names the asked set answers a which-plural question", () => {
    const ai = shortPrompt(
      "what payment methods do you take",
      "other",
      [
        [
          "Billing › Payment methods we accept",
          "We accept Visa, Mastercard, American Express and PayPal. Upgrades take effect immediately and you pay only the prorated difference.",
          1,
        ],
      ],
      [
        { term: "payment", weight: 2, alts: ["pay"] },
        { term: "methods", weight: 2 },
      ],
    );
    expect(extractAnswer(ai)).toMatch(/^We accept Visa, Mastercard/);
  });

  it("a duration question whose best sentence has no duration also gets the sentence that has one", () => {
    const ai = shortPrompt(
      "how often can I export all my data",
      "duration",
      [
        [
          "Export › Export all your data",
          "Go to **Settings > Account > Export all data**. You receive a ZIP file with every note. You can request a full export once every 24 hours.",
          1,
        ],
      ],
      [
        { term: "export", weight: 2 },
        { term: "data", weight: 3 },
      ],
    );
    const answer = extractAnswer(ai);
    expect(answer).toContain("once every 24 hours");
    expect(answer).not.toContain("ZIP file");
    // a how-to question needs no duration: the menu path alone
    expect(extractAnswer({ ...ai, question: "how do I export all my data", questionType: "howto" })).not.toContain(
      "24 hours",
    );
  });

  it("'no limit' answers a how-many question, and a calendar point answers a when question", () => {
    const devices = shortPrompt(
      "how many devices can I sync on plus",
      "number",
      [
        ["Sync › Offline notebooks", "On Plus, Pro and Teams you can make notebooks available offline on mobile.", 1],
        [
          "Sync › Device limits",
          "The Free plan syncs on up to 2 devices. Plus, Pro and Teams have no device limit.",
          0.95,
        ],
      ],
      [
        // "mobile" is one of the device words (providers/text.ts synonyms)
        { term: "devices", weight: 1, alts: ["mobile"] },
        { term: "sync", weight: 1 },
        { term: "plus", weight: 2 },
      ],
    );
    const answer = extractAnswer(devices);
    expect(answer).toContain("Plus, Pro and Teams have no device limit.");
    expect(answer).not.toContain("offline");
    const renew = shortPrompt(
      "when do yearly plans renew",
      "when",
      [
        [
          "Refunds › Refund policy",
          "Yearly plans can be refunded in full within 30 days of the purchase or renewal date.",
          1,
        ],
        [
          "Billing › When you are charged",
          "Monthly plans renew on the same day each month; yearly plans renew on the same date each year.",
          0.95,
        ],
      ],
      [
        { term: "yearly", weight: 1 },
        { term: "plans", weight: 0.5 },
        { term: "renew", weight: 1.5 },
      ],
    );
    expect(extractAnswer(renew)).toMatch(/^Monthly plans renew on the same day each month/);
  });

  it("picks sentences from at most two passages of one page while another page is in the running", () => {
    const p = (id: string, sourceId: string) => ({ id, sourceId });
    const ids = (xs: { id: string }[]) => xs.map((x) => x.id);
    expect(ids(diversePassages([p("a1", "a"), p("a2", "a"), p("a3", "a"), p("b1", "b")]))).toEqual(["a1", "a2", "b1"]);
    // one page only: its three best passages
    expect(ids(diversePassages([p("a1", "a"), p("a2", "a"), p("a3", "a")]))).toEqual(["a1", "a2", "a3"]);
    expect(ids(diversePassages([p("a1", "a"), p("b1", "b"), p("a2", "a"), p("c1", "c")]))).toEqual(["a1", "b1", "a2"]);
  });

  it("returns nothing when no passage is given", () => {
    expect(extractAnswer({ ...base, passages: [] })).toBe("");
  });
});
