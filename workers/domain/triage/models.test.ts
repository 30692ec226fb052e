import { describe, expect, it } from "vitest";
import { classifyText, trainCategoryModel } from "./classifier";
import { frustrationModel, frustrationTrend, scoreFrustration } from "./frustration";
import { asksForHuman, shouts } from "./lexicon";
import { decideEscalation, DEFAULT_POLICY, type EscalationSignals } from "./policy";
import { computePriority } from "./priority";
import { chooseRoute } from "./routing";
import { DEFAULT_SLA, dueTimes } from "./sla";
import { summarize } from "./drafts";
import { textSimilarity } from "./text";
import type { RoutingRuleRow } from "../../storage/schema";

const ANGRY = [
  "This is ridiculous, my invoice is wrong AGAIN!!!",
  "I've asked three times and it's still not working. Useless.",
  "What the hell is wrong with your app?! Fix it!",
  "Seriously? This is a joke. Waste of my time.",
];
const CALM = [
  "Hi, how do I export my notes to PDF?",
  "Thanks, that helped a lot!",
  "Can I change my billing email?",
  "Where can I find the keyboard shortcuts?",
];

describe("frustration model", () => {
  it("loads the committed weights and scores deterministically in 0..1", () => {
    const m = frustrationModel();
    expect(Object.keys(m.weights).length).toBeGreaterThan(1000);
    expect(m.threshold).toBeGreaterThan(0.1);
    const a = scoreFrustration(ANGRY[0]!);
    expect(scoreFrustration(ANGRY[0]!)).toBe(a);
    for (const t of [...ANGRY, ...CALM, "", "!!!"]) {
      const s = scoreFrustration(t);
      expect(s).toBeGreaterThanOrEqual(0);
      expect(s).toBeLessThanOrEqual(1);
    }
  });

  it("scores angry support messages above the model's threshold and calm ones below it", () => {
    const { threshold } = frustrationModel();
    for (const t of ANGRY)
      expect(scoreFrustration(t), t).toBeGreaterThan(Math.max(threshold, DEFAULT_POLICY.negativeThreshold));
    for (const t of CALM) expect(scoreFrustration(t), t).toBeLessThan(DEFAULT_POLICY.negativeThreshold);
    expect(Math.min(...ANGRY.map((t) => scoreFrustration(t)))).toBeGreaterThan(
      Math.max(...CALM.map((t) => scoreFrustration(t))),
    );
  });

  it("trend is an EWMA: it climbs with anger and decays after calm messages", () => {
    expect(frustrationTrend([])).toBe(0);
    expect(frustrationTrend([0.2, 0.9, 0.9])).toBeCloseTo(0.5 * 0.9 + 0.5 * (0.5 * 0.9 + 0.5 * 0.2), 10);
    expect(frustrationTrend([0.9, 0.1, 0.1])).toBeCloseTo(0.3, 10);
    expect(frustrationTrend([0.1, 0.9, 0.95])).toBeGreaterThan(frustrationTrend([0.1, 0.9]));
  });
});

describe("category classifier", () => {
  const examples = [
    ...["I want my money back", "please refund my order", "how do I get a refund", "refund the charge please"].map(
      (text) => ({ text, label: "refund" }),
    ),
    ...["I forgot my password", "reset my password", "can't log in, password wrong", "how do I change my password"].map(
      (text) => ({ text, label: "password" }),
    ),
    ...[
      "where is my package",
      "my order has not arrived",
      "when will my delivery come",
      "tracking number for my parcel",
    ].map((text) => ({ text, label: "delivery" })),
  ];

  it("learns from a few examples per label and is deterministic", () => {
    const m = trainCategoryModel(examples);
    expect(m.labels).toEqual(["delivery", "password", "refund"]);
    expect(classifyText(m, "I need a refund for this")?.label).toBe("refund");
    expect(classifyText(m, "password reset link please")?.label).toBe("password");
    expect(classifyText(m, "my parcel still has not arrived")?.label).toBe("delivery");
    const p = classifyText(m, "I need a refund for this")!;
    expect(Object.values(p.scores).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 6);
    expect(classifyText(trainCategoryModel(examples), "I need a refund for this")).toEqual(p);
  });

  it("a correction (a new example) changes the prediction", () => {
    const text = "the app charged me but I never got the premium features";
    const before = classifyText(trainCategoryModel(examples), text)!.label;
    const target = before === "refund" ? "delivery" : "refund";
    const more = [...examples, { text, label: target }, { text: "charged but never got premium", label: target }];
    expect(classifyText(trainCategoryModel(more), text)!.label).toBe(target);
  });

  it("handles no labels and a single label", () => {
    expect(classifyText(trainCategoryModel([]), "hello")).toBeNull();
    const one = trainCategoryModel([{ text: "refund please", label: "refund" }]);
    expect(classifyText(one, "refund my order")).toMatchObject({ label: "refund" });
  });
});

describe("escalation policy", () => {
  const base: EscalationSignals = {
    text: "hello there friend",
    score: 0.1,
    trend: 0.1,
    visitorMessages: 3,
    negativeStreak: 0,
    sameQuestionCount: 1,
    lowConfidenceStreak: 0,
  };
  it("fires each rule with its reason", () => {
    expect(decideEscalation(DEFAULT_POLICY, base)).toBeNull();
    expect(decideEscalation(DEFAULT_POLICY, { ...base, text: "Can I talk to a real person please?" })?.reason).toBe(
      "asked_for_human",
    );
    expect(decideEscalation(DEFAULT_POLICY, { ...base, score: 0.99 })?.reason).toBe("frustration");
    expect(decideEscalation(DEFAULT_POLICY, { ...base, score: 0.8, negativeStreak: 2 })?.reason).toBe("frustration");
    expect(decideEscalation(DEFAULT_POLICY, { ...base, trend: 0.85 })?.reason).toBe("frustration");
    // one message is not a trend: its own score answers to the single-message threshold (0.95)
    expect(decideEscalation(DEFAULT_POLICY, { ...base, score: 0.85, trend: 0.85, visitorMessages: 1 })).toBeNull();
    expect(decideEscalation(DEFAULT_POLICY, { ...base, sameQuestionCount: 3 })?.reason).toBe("repeated_question");
    expect(decideEscalation(DEFAULT_POLICY, { ...base, lowConfidenceStreak: 2 })?.reason).toBe("low_confidence");
    expect(decideEscalation({ ...DEFAULT_POLICY, enabled: false }, { ...base, score: 0.99 })).toBeNull();
    // a complaint about the answer hands off when the visitor is upset, not otherwise
    expect(decideEscalation(DEFAULT_POLICY, { ...base, complaint: true, score: 0.88 })?.reason).toBe("frustration");
    expect(decideEscalation(DEFAULT_POLICY, { ...base, complaint: true, score: 0.6 })).toBeNull();
    // "that didn't help" scores high on its own words; only what is said beside them counts as upset
    expect(
      decideEscalation(DEFAULT_POLICY, { ...base, complaint: true, score: 0.77, complaintScore: 0.19 }),
    ).toBeNull();
    expect(
      decideEscalation(DEFAULT_POLICY, { ...base, complaint: true, score: 0.84, complaintScore: 0.82 })?.reason,
    ).toBe("frustration");
    // shouting that something is broken hands off; shouting a plain question does not
    expect(decideEscalation(DEFAULT_POLICY, { ...base, shouting: true, problem: true, score: 0.34 })?.reason).toBe(
      "frustration",
    );
    expect(decideEscalation(DEFAULT_POLICY, { ...base, shouting: true, score: 0.4 })).toBeNull();
    expect(decideEscalation(DEFAULT_POLICY, { ...base, problem: true, score: 0.34 })).toBeNull();
    expect(
      decideEscalation({ ...DEFAULT_POLICY, consecutiveNegative: 0 }, { ...base, score: 0.8, negativeStreak: 5 }),
    ).toBeNull();
  });

  it("tells shouting from acronyms and short words", () => {
    expect(shouts("WHY DOESN'T THIS WORK")).toBe(true);
    expect(shouts("THIS IS NOT WORKING!!!")).toBe(true);
    expect(shouts("How do I export to PDF or HTML?")).toBe(false);
    expect(shouts("OK THX")).toBe(false);
    expect(shouts("[NAME] is here")).toBe(false);
  });

  it("recognises asks for a person and repeated questions", () => {
    for (const t of ["talk to a human", "Agent please", "I want a real person", "can I speak with someone?", "human"])
      expect(asksForHuman(t), t).toBe(true);
    // the many ways of asking, in the widget's languages
    for (const t of [
      "I'd like to talk to a person",
      "is there a human I can talk to?",
      "connect me with support",
      "I want to speak with customer service",
      "put me through to a human being",
      "could you pass me to a colleague",
      "please have someone contact me",
      "can you get someone from support to contact me",
      "can someone from your staff call me back",
      "can a person look at this",
      "Is anyone from the team available?",
      "need human help",
      "escalate this please",
      "quiero hablar con una persona",
      "je veux parler à un humain",
      "ich möchte mit einem Menschen sprechen",
      "quero falar com um atendente",
      "Can you connect me with your billing team?",
      "I need to speak to the sales department",
    ])
      expect(asksForHuman(t), t).toBe(true);
    // questions about people, teams and support that the help centre answers
    for (const t of [
      "how do humans use this",
      "the agent field in settings",
      "my personal details",
      "how do I contact support",
      "can I share a note with someone",
      "can I transfer a notebook to a colleague",
      "can I chat with my team in notes",
      "is there a person limit on the teams plan",
      "how do I transfer ownership of the workspace to another admin",
      "can I talk to the AI about my notes",
      "can anyone help?",
      "can someone help me export my notes?",
      "how do I switch to the team plan",
      "can I transfer it to the team workspace?",
      "what is the callback URL for webhooks?",
    ])
      expect(asksForHuman(t), t).toBe(false);
    expect(textSimilarity("How do I reset my password?", "how do i reset my password")).toBeGreaterThan(0.95);
    expect(textSimilarity("How do I reset my password?", "Where is my parcel?")).toBeLessThan(0.3);
  });
});

describe("priority, SLA and routing", () => {
  it("derives priority from frustration, category and the customer", () => {
    expect(computePriority({ frustrationTrend: 0.1, frustrationMax: 0.2 }).priority).toBe("normal");
    expect(
      computePriority({ frustrationTrend: 0.6, frustrationMax: 0.9, escalationReason: "frustration" }).priority,
    ).toBe("high");
    expect(computePriority({ frustrationTrend: 0.85, frustrationMax: 0.9 }).priority).toBe("urgent");
    expect(computePriority({ frustrationTrend: 0.1, frustrationMax: 0.2, categoryPriority: "high" }).priority).toBe(
      "high",
    );
    expect(
      computePriority({ frustrationTrend: 0.1, frustrationMax: 0.2, visitor: { metadata: { plan: "Enterprise" } } })
        .priority,
    ).toBe("high");
    expect(
      computePriority({
        frustrationTrend: 0.6,
        frustrationMax: 0.6,
        escalationReason: "frustration",
        visitor: { metadata: { vip: "true" } },
      }).priority,
    ).toBe("urgent");
  });

  it("computes due times from the SLA table", () => {
    const d = dueTimes(DEFAULT_SLA, "urgent", 1_000_000);
    expect(d.firstResponseDueAt.getTime()).toBe(1_000_000 + 15 * 60_000);
    expect(d.resolutionDueAt.getTime()).toBe(1_000_000 + 4 * 3600_000);
  });

  const rule = (r: Partial<RoutingRuleRow>): RoutingRuleRow => ({
    id: 1,
    tenantId: "t",
    position: 0,
    categoryId: null,
    minPriority: null,
    targetType: "team",
    targetUserId: null,
    teamName: "billing",
    teamUserIds: ["a", "b", "c"],
    maxOpenPerAgent: 2,
    lastUserId: null,
    createdAt: new Date(0),
    ...r,
  });
  it("round-robins among online agents under the cap, after the last one", () => {
    const agents = [
      { userId: "a", online: true, open: 0 },
      { userId: "b", online: false, open: 0 },
      { userId: "c", online: true, open: 2 },
    ];
    expect(chooseRoute([rule({})], { categoryId: null, priority: "normal" }, agents).assigneeId).toBe("a");
    expect(chooseRoute([rule({ lastUserId: "a" })], { categoryId: null, priority: "normal" }, agents).assigneeId).toBe(
      "a",
    ); // b offline, c at cap
    const all = agents.map((a) => ({ ...a, online: true, open: 0 }));
    expect(chooseRoute([rule({ lastUserId: "a" })], { categoryId: null, priority: "normal" }, all).assigneeId).toBe(
      "b",
    );
    expect(chooseRoute([rule({ lastUserId: "c" })], { categoryId: null, priority: "normal" }, all).assigneeId).toBe(
      "a",
    );
    const none = chooseRoute(
      [rule({})],
      { categoryId: null, priority: "normal" },
      agents.map((a) => ({ ...a, online: false })),
    );
    expect(none).toMatchObject({ assigneeId: null, team: "billing" });
  });
  it("matches category and minimum priority in rule order", () => {
    const agents = [
      { userId: "a", online: true, open: 0 },
      { userId: "z", online: false, open: 0 },
    ];
    const rules = [
      rule({ id: 1, categoryId: "cat_x", targetType: "agent", targetUserId: "z" }),
      rule({ id: 2, minPriority: "high", teamUserIds: ["a"] }),
    ];
    expect(chooseRoute(rules, { categoryId: "cat_x", priority: "low" }, agents)).toMatchObject({
      ruleId: 1,
      assigneeId: "z",
    });
    expect(chooseRoute(rules, { categoryId: null, priority: "urgent" }, agents)).toMatchObject({
      ruleId: 2,
      assigneeId: "a",
    });
    expect(chooseRoute(rules, { categoryId: null, priority: "normal" }, agents)).toMatchObject({
      ruleId: null,
      assigneeId: null,
    });
  });
});

describe("summary", () => {
  it("names the issue, what was tried, the sentiment and what is pending", () => {
    const s = summarize(
      [
        { role: "visitor", text: "My invoice shows a double charge for March. Please check." },
        { role: "ai", text: "Duplicate charges are usually pending authorisations. They drop off in 3 days." },
        { role: "visitor", text: "It's been two weeks, this is ridiculous!!! Still charged twice." },
      ],
      { category: "Billing", escalationReason: "frustration" },
    );
    expect(s.summary).toContain("My invoice shows a double charge for March.");
    expect(s.summary).toContain("Billing");
    expect(s.summary).toContain("the assistant answered 1 time");
    expect(s.parts.sentiment).not.toBe("calm");
    expect(s.parts.pending).toContain("Still charged twice");
  });
});

describe("optional LLM classifiers (OpenAI wire format, stubbed HTTP)", () => {
  const reply =
    (content: string): typeof fetch =>
    async () =>
      new Response(
        JSON.stringify({
          id: "x",
          object: "chat.completion",
          created: 0,
          model: "m",
          choices: [{ index: 0, finish_reason: "stop", message: { role: "assistant", content } }],
        }),
        { headers: { "content-type": "application/json" } },
      );

  it("uses the model's JSON score and falls back to the embedded model on garbage", async () => {
    const { openAiFrustration, openAiCategoryChooser } = await import("./llm");
    expect(
      await openAiFrustration({
        apiKey: "k",
        model: "m",
        baseURL: "http://llm.test/v1",
        fetch: reply('{"frustration": 0.83}'),
      }).score("whatever"),
    ).toBe(0.83);
    const text = "This is ridiculous, my invoice is wrong AGAIN!!!";
    expect(
      await openAiFrustration({
        apiKey: "k",
        model: "m",
        baseURL: "http://llm.test/v1",
        fetch: reply("no idea"),
      }).score(text),
    ).toBe(scoreFrustration(text));
    const cats = [
      { id: "cat_1", name: "Billing", description: "", examples: ["refund"] },
      { id: "cat_2", name: "Login", description: "", examples: [] },
    ];
    expect(
      await openAiCategoryChooser({
        apiKey: "k",
        model: "m",
        baseURL: "http://llm.test/v1",
        fetch: reply('{"category": "Login"}'),
      }).choose("can't sign in", cats),
    ).toBe("cat_2");
    expect(
      await openAiCategoryChooser({
        apiKey: "k",
        model: "m",
        baseURL: "http://llm.test/v1",
        fetch: reply('{"category": "Nope"}'),
      }).choose("x", cats),
    ).toBeNull();
  });
});
