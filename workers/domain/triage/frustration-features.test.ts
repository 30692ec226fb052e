import { describe, expect, it } from "vitest";
import { frustrationCues, frustrationFeatures, valence } from "./frustration-features";
import { words } from "./text";
import { calibrateScore, scoreFrustration } from "./frustration";
import { nbRatios, plattScale, trainFrustration } from "./frustration-train";

const CFG = { bigrams: true, charNgrams: null, negation: true, lexicon: true, lexiconScale: 1 } as const;

describe("valence (AFINN-165 with negation and intensifiers)", () => {
  it("sums negative and positive word valences", () => {
    const v = valence(words("This is terrible and I hate it"));
    // AFINN-165: terrible -3, hate -3
    expect(v.negative).toBe(6);
    expect(v.positive).toBe(0);
    expect(v.worst).toBe(3);
    expect(v.flipped).toBe(0);
    expect(valence(words("Thanks, that is great")).positive).toBeGreaterThan(0);
    expect(valence(words("where is the export button")).negative).toBe(0);
  });

  it("a negator within three words flips a word's valence at half strength", () => {
    const happy = valence(words("I am happy"));
    const notHappy = valence(words("I am not happy"));
    expect(happy.positive).toBe(3);
    expect(notHappy.positive).toBe(0);
    expect(notHappy.negative).toBe(1.5);
    expect(notHappy.flipped).toBe(1);
    // "not bad" is mildly positive, not negative
    const notBad = valence(words("honestly not bad at all"));
    expect(notBad.negative).toBe(0);
    expect(notBad.positive).toBe(1.5);
    // the scope ends after three words
    expect(valence(words("not that I would say it is bad")).negative).toBe(3);
  });

  it("an intensifier right before a word multiplies it by 1.5", () => {
    expect(valence(words("really annoying")).negative).toBe(1.5 * valence(words("annoying")).negative);
    expect(valence(words("so disappointed")).worst).toBe(3);
  });

  it("ignores inherited object keys", () => {
    expect(valence(words("constructor toString hasOwnProperty __proto__"))).toEqual({
      negative: 0,
      positive: 0,
      worst: 0,
      flipped: 0,
    });
  });
});

describe("conversation cues", () => {
  it("finds repeated contact, a threat to leave, accusations, rhetorical questions and sarcasm", () => {
    expect(frustrationCues("This is the third time I ask").repeatContact).toBeGreaterThan(0);
    expect(frustrationCues("I already told you my order number").repeatContact).toBeGreaterThan(0);
    expect(frustrationCues("I'm going to cancel my subscription").leave).toBeGreaterThan(0);
    expect(frustrationCues("How do I change my subscription?").leave).toBe(0);
    expect(frustrationCues("I'm done, switching to a competitor").leave).toBe(2);
    expect(frustrationCues("You people never listen").accusation).toBeGreaterThan(0);
    expect(frustrationCues("Why is this so hard?").rhetorical).toBeGreaterThan(0);
    expect(frustrationCues("Why is the sky blue").rhetorical).toBe(0);
    expect(frustrationCues("Oh great, it crashed again. Thanks for nothing").sarcasm).toBe(2);
    expect(frustrationCues("this is sooo slow").elongated).toBe(1);
    expect(frustrationCues("visit www.example.com").elongated).toBe(0);
    expect(frustrationCues("Seriously?!").interrobang).toBe(1);
  });

  it("a plain support question has none", () => {
    expect(frustrationCues("Hi, how do I export my notes to PDF?")).toEqual({
      repeatContact: 0,
      leave: 0,
      accusation: 0,
      rhetorical: 0,
      sarcasm: 0,
      elongated: 0,
      interrobang: 0,
    });
  });
});

describe("frustrationFeatures", () => {
  it("adds the valence and cue blocks only when the config asks for them", () => {
    const text = "Oh great, not happy at all, this is the third time!";
    const plain = frustrationFeatures(text, CFG);
    const full = frustrationFeatures(text, { ...CFG, sentiment: true, cues: true });
    expect([...plain.keys()].some((k) => k.startsWith("s:") || k.startsWith("q:"))).toBe(false);
    expect(full.get("s:neg")).toBeGreaterThan(0);
    expect(full.get("s:flipped")).toBeGreaterThan(0);
    expect(full.get("q:repeat")).toBeGreaterThan(0);
    expect(full.get("q:sarcasm")).toBeGreaterThan(0);
    // the n-gram block is unchanged by the extra blocks
    for (const [k, v] of plain) if (k.startsWith("w:") || k.startsWith("b:")) expect(full.get(k)).toBe(v);
    // the lexicon scale scales the new blocks too
    const scaled = frustrationFeatures(text, { ...CFG, lexiconScale: 2, sentiment: true, cues: true });
    expect(scaled.get("s:neg")).toBeCloseTo(2 * full.get("s:neg")!, 10);
  });
});

describe("Platt calibration", () => {
  it("recovers the scaling of under-confident scores", () => {
    // raw scores sigmoid(z); the truth is sigmoid(2z + 0.5): the raw model is too timid
    const gold: boolean[] = [];
    const scores: number[] = [];
    for (let z = -3; z <= 3.0001; z += 0.25) {
      const truth = 1 / (1 + Math.exp(-(2 * z + 0.5)));
      const pos = Math.round(200 * truth);
      for (let i = 0; i < 200; i++) {
        gold.push(i < pos);
        scores.push(1 / (1 + Math.exp(-z)));
      }
    }
    const cal = plattScale(gold, scores);
    expect(cal.a).toBeCloseTo(2, 1);
    expect(cal.b).toBeCloseTo(0.5, 1);
    expect(calibrateScore(0.5, cal)).toBeCloseTo(1 / (1 + Math.exp(-0.5)), 1);
  });

  it("without a calibration the score is unchanged, and calibration keeps the order", () => {
    expect(calibrateScore(0.3)).toBeCloseTo(0.3, 10);
    const cal = { a: 1.9, b: 0.7 };
    const xs = [0.05, 0.2, 0.34, 0.5, 0.8, 0.99].map((p) => calibrateScore(p, cal));
    for (let i = 1; i < xs.length; i++) expect(xs[i]!).toBeGreaterThan(xs[i - 1]!);
  });
});

describe("naive-Bayes scaled n-grams (NBSVM)", () => {
  const rows = [
    { text: "this is awful and useless", frustrated: true },
    { text: "awful service again", frustrated: true },
    { text: "still broken, useless", frustrated: true },
    { text: "where is the export button", frustrated: false },
    { text: "how do I export my notes", frustrated: false },
    { text: "thanks, the export works", frustrated: false },
  ];

  it("the log-count ratio is positive for words of frustrated rows and negative for the others", () => {
    const xs = rows.map((r) => frustrationFeatures(r.text, CFG));
    const r = nbRatios(
      xs,
      rows.map((x) => x.frustrated),
      1,
    );
    expect(r.get("w:awful")!).toBeGreaterThan(0);
    expect(r.get("w:export")!).toBeLessThan(0);
    // lexicon and rule features are not n-grams and get no ratio
    expect([...r.keys()].every((k) => /^[wnb]:/.test(k))).toBe(true);
    // "is" is seen once on each side: its ratio lies between the two sides' words
    expect(r.get("w:is")!).toBeLessThan(r.get("w:awful")!);
    expect(r.get("w:is")!).toBeGreaterThan(r.get("w:export")!);
  });

  it("the ratio is folded into the stored weights, so the Worker scores raw features and ranks as trained", () => {
    const cfg = {
      features: CFG,
      train: { epochs: 20, l2: 1e-3, learningRate: 0.3, seed: 7 },
      prune: 0,
      nbAlpha: 1,
    };
    const model = trainFrustration(rows, cfg, 0.5);
    // no ratio table in the model: a word's weight already carries its ratio's sign
    expect(Object.keys(model).sort()).toEqual(["bias", "features", "threshold", "version", "weights"]);
    expect(model.weights["w:awful"]!).toBeGreaterThan(0);
    expect(model.weights["w:export"]!).toBeLessThan(0);
    const angry = scoreFrustration("awful and useless", model);
    const calm = scoreFrustration("how do I export", model);
    expect(angry).toBeGreaterThan(0.5);
    expect(calm).toBeLessThan(0.5);
    // without the ratio the same recipe gives a different model (the option is not ignored)
    const plain = trainFrustration(rows, { ...cfg, nbAlpha: undefined }, 0.5);
    expect(plain.weights["w:awful"]).not.toBe(model.weights["w:awful"]);
  });
});
