import { describe, expect, it } from "vitest";
import { isSubstantive, problemOf } from "./problem";

const m = (text: string) => ({ text });

describe("problemOf (the visitor message that states the problem)", () => {
  it.each([
    [["Hi", "hello there!", "My order 1234 never arrived"], "My order 1234 never arrived"],
    [["Can I talk to a human?", "the invoice for March is wrong"], "the invoice for March is wrong"],
    [["Thanks!", "refund?"], "refund?"],
    [["Hello", "Thanks"], "Hello"],
    [["Bonjour", "Ma commande n'est jamais arrivée"], "Ma commande n'est jamais arrivée"],
    [
      ["I want a human, my parcel was delivered to the wrong address and nobody answers"],
      "I want a human, my parcel was delivered to the wrong address and nobody answers",
    ],
  ])("%j → %s", (texts, expected) => {
    expect(problemOf(texts.map(m))?.text).toBe(expected);
  });

  it("is undefined without messages", () => {
    expect(problemOf([])).toBeUndefined();
  });

  it.each([
    ["thank you so much", false],
    ["agent please", false],
    ["are you a bot?", false],
    ["", false],
    ["How do I change my billing email?", true],
    ["refund", true],
  ])("isSubstantive(%j) = %s", (text, expected) => {
    expect(isSubstantive(text)).toBe(expected);
  });
});
