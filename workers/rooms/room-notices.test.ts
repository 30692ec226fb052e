import { afterEach, describe, expect, it } from "vitest";
import { PHRASE_LANGUAGES } from "../domain/knowledge/language";
import { call, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { handoffPresenceText } from "./presence";
import { setRoomAnswererForTesting } from "./room-ctx";
import { noticeLanguage, ROOM_NOTICES } from "./room-notices";
import { apply, initialState } from "./room-state";
import { joinOperator, joinVisitor, newSession, quietAnswerer, type Frame } from "./test-client";

/**
 * Issue 19: the system lines a visitor reads at hand-off follow the bot's language (persona, else
 * bot setting, "auto": the visitor's), through the real room over real sockets.
 */

const patchBot = (t: TestTenant, body: unknown) =>
  expectJson(call(`/api/bots/${t.botId}`, { method: "PATCH", token: t.token, json: body }), 200);

const systemLine = (f: Frame) => f.type === "msg" && f.role === "system";

afterEach(() => setRoomAnswererForTesting(undefined));

describe("room notices table", () => {
  it("has every line in every language, and none is left in English", () => {
    const en = ROOM_NOTICES.en;
    for (const lang of PHRASE_LANGUAGES.filter((l) => l !== "en")) {
      const n = ROOM_NOTICES[lang];
      expect(Object.keys(n.handoff).sort(), lang).toEqual(Object.keys(en.handoff).sort());
      expect(Object.keys(n.asked).sort(), lang).toEqual(Object.keys(en.asked).sort());
      expect(Object.keys(n.nobodyLead).sort(), lang).toEqual(Object.keys(en.nobodyLead).sort());
      for (const reason of Object.keys(en.handoff)) expect(n.handoff[reason], lang).not.toBe(en.handoff[reason]);
      for (const k of ["handoffDefault", "teammateSoon", "nobody", "back", "closed"] as const)
        expect(n[k], `${lang}.${k}`).not.toBe(en[k]);
      expect(n.joined("Dana")).toContain("Dana");
      expect(n.joined("Dana")).not.toBe(en.joined("Dana"));
    }
  });

  it("picks the bot's language, its primary subtag, and the visitor's language only for auto", () => {
    expect(noticeLanguage("fr", "How much is it?")).toBe("fr");
    expect(noticeLanguage("fr-CA", null)).toBe("fr");
    expect(noticeLanguage("it", "¿Cómo puedo pagar?")).toBe("en");
    expect(noticeLanguage("auto", "¿Cómo puedo pagar la factura?")).toBe("es");
    expect(noticeLanguage(undefined, null)).toBe("en");
  });

  it("writes the transition's lines in the language asked, English by default", () => {
    const ask = { type: "ask_human" } as const;
    expect(apply(initialState(0), ask, 1).out.system).toBe(ROOM_NOTICES.en.handoff.asked_for_human);
    expect(apply(initialState(0), ask, 1, "de").out.system).toBe(ROOM_NOTICES.de.handoff.asked_for_human);
    const closed = apply(initialState(0), { type: "close" }, 1, "pt").out.system;
    expect(closed).toBe("Esta conversa foi encerrada.");
    expect(handoffPresenceText("low_confidence", false, "es")).toBe(
      `${ROOM_NOTICES.es.nobodyLead.low_confidence}${ROOM_NOTICES.es.nobody}`,
    );
  });
});

describe("hand-off notice in the bot's language (room over sockets)", () => {
  it("a French bot's hand-off notice is French", async () => {
    const t = await makeTenant();
    await patchBot(t, { persona: { name: "Camille", language: "fr" } });
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "human" });
    const sys = await v.waitFor(systemLine);
    // nobody from the team is online in a test: the presence-aware line, in French
    expect(sys.text, JSON.stringify(sys)).toBe(ROOM_NOTICES.fr.nobody);
    expect(sys.text).toMatch(/Personne de l'équipe n'est en ligne/);
    v.close();
  });

  it("an English bot still hands off in English (the same steps, the other language)", async () => {
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "human" });
    const sys = await v.waitFor(systemLine);
    expect(sys.text, JSON.stringify(sys)).toBe(ROOM_NOTICES.en.nobody);
    v.close();
  });

  it("follows the bot setting when there is no persona, and an operator joining is announced in it", async () => {
    const t = await makeTenant();
    await patchBot(t, { settings: { language: "de" } });
    const s = await newSession(t);
    const v = await joinVisitor(s);
    const op = await joinOperator(s.conversationId, t.token);
    op.send({ type: "takeover" });
    const joined = await v.waitFor((f) => systemLine(f) && / ist dem Gespräch beigetreten\.$/.test(f.text));
    expect(joined.text, JSON.stringify(v.frames)).toMatch(/ ist dem Gespräch beigetreten\.$/);
    op.send({ type: "release" });
    const back = await v.waitFor((f) => systemLine(f) && f.text === ROOM_NOTICES.de.back);
    expect(back.text).toBe("Sie sprechen wieder mit dem Assistenten.");
    op.close();
    v.close();
  });

  it("an auto bot hands off in the visitor's language", async () => {
    setRoomAnswererForTesting(quietAnswerer);
    const t = await makeTenant();
    const s = await newSession(t);
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "c1", text: "Hola, ¿cómo puedo pagar la factura de este mes?" });
    await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    v.send({ type: "human" });
    const sys = await v.waitFor(systemLine);
    expect(sys.text, JSON.stringify(sys)).toBe(ROOM_NOTICES.es.nobody);
    v.close();
  });
});
