import { describe, expect, it } from "vitest";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { expectNoFrame, joinVisitor, newSession, type Frame } from "./test-client";

/**
 * Dialogue acts through the real widget socket and the real (embedded) answerer: the bot answers
 * them itself, never hands off for low confidence, and a "yes" to its own offer of a person hands
 * off as asked_for_human while "no thanks" does not.
 */
const aiMsgs = (frames: Frame[]) => frames.filter((f) => f.type === "msg" && f.role === "ai");
/** A hand-off follows the AI message at once; give it time to show before asserting there is none. */
const settle = () => new Promise((r) => setTimeout(r, 300));

/** A tenant whose knowledge answers "how do I export my notes?", so the first turn is an answer. */
async function tenantWithExport(): Promise<TestTenant> {
  const t = await makeTenant();
  const text = "To export your notes, open Settings and choose Export. Exports are PDF or Markdown files.";
  const src = await expectJson<{ id: string }>(
    call("/api/knowledge/sources", { method: "POST", token: t.token, json: { type: "text", title: "Export", text } }),
    202,
  );
  await eventually(
    () => expectJson<{ status: string }>(call(`/api/knowledge/sources/${src.id}`, { token: t.token }), 200),
    (s) => s.status === "ready",
    45_000,
  );
  return t;
}

describe("dialogue acts in a live conversation", () => {
  it("greets, thanks and says goodbye without a hand-off, even three acts in a row", async () => {
    const t = await makeTenant();
    const v = await joinVisitor(await newSession(t));
    const turns: [string, RegExp][] = [
      ["hi", /What can I help you with/],
      ["thanks!", /welcome/],
      ["bye", /goodbye/],
    ];
    for (const [i, [text, reply]] of turns.entries()) {
      v.send({ type: "msg", cid: `a${i}`, text });
      await v.waitFor((f) => aiMsgs(v.frames).length === i + 1, 15_000);
      expect(aiMsgs(v.frames)[i]!.text).toMatch(reply);
    }
    await settle();
    expectNoFrame(v, (f) => f.type === "mode");
    v.close();
  });

  it("hands off on 'yes' to the bot's offer of a person (after a complaint), as asked_for_human", async () => {
    const t = await makeTenant();
    const v = await joinVisitor(await newSession(t));
    v.send({ type: "msg", cid: "c1", text: "that didn't help" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai", 15_000);
    expect(aiMsgs(v.frames)[0]!.text).toMatch(/connect you with a person/);
    await settle();
    expectNoFrame(v, (f) => f.type === "mode");
    v.send({ type: "msg", cid: "c2", text: "yes please" });
    expect(await v.waitFor((f) => f.type === "mode", 15_000)).toMatchObject({
      type: "mode",
      mode: "human",
      reason: "asked_for_human",
    });
    v.close();
  });

  it("answers a plain complaint about an answer, and hands an upset one to a person", { timeout: 90_000 }, async () => {
    const t = await tenantWithExport();
    // a visitor whose first question is answered from the knowledge, then says `complaint`
    const afterAnswer = async (complaint: string) => {
      const v = await joinVisitor(await newSession(t));
      v.send({ type: "msg", cid: "q", text: "how do I export my notes?" });
      await v.waitFor(() => aiMsgs(v.frames).length === 1, 15_000);
      expect(aiMsgs(v.frames)[0]!.text).toMatch(/Settings/);
      v.send({ type: "msg", cid: "c", text: complaint });
      return v;
    };
    // "that didn't help at all" scores high on its own words; nothing beside them says the visitor is upset
    const plain = await afterAnswer("that didn't help at all");
    await plain.waitFor(() => aiMsgs(plain.frames).length === 2, 15_000);
    expect(aiMsgs(plain.frames)[1]!.text).toMatch(/connect you with a person/);
    await settle();
    expectNoFrame(plain, (f) => f.type === "mode");
    plain.close();
    // the same complaint with frustration beside it is handed over
    const upset = await afterAnswer("that's not what I asked, this is so frustrating");
    expect(await upset.waitFor((f) => f.type === "mode", 15_000)).toMatchObject({
      type: "mode",
      mode: "human",
      reason: "frustration",
    });
    upset.close();
  });

  it("does not hand off on 'no thanks' to the offer", async () => {
    const t = await makeTenant();
    const v = await joinVisitor(await newSession(t));
    v.send({ type: "msg", cid: "n1", text: "that didn't help" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai", 15_000);
    v.send({ type: "msg", cid: "n2", text: "no thanks" });
    await v.waitFor(() => aiMsgs(v.frames).length === 2, 15_000);
    expect(aiMsgs(v.frames)[1]!.text).toMatch(/anything else/);
    await settle();
    expectNoFrame(v, (f) => f.type === "mode");
    v.close();
  });
});
