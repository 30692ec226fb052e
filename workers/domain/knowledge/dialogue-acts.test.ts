import { describe, expect, it } from "vitest";
import { complaintCues, dialogueActOf, offersPerson, replyToAct } from "./dialogue-acts";
import { PHRASES } from "./language";

const answered = [
  { role: "visitor" as const, text: "How do I cancel my subscription?" },
  { role: "ai" as const, text: "Click **Cancel subscription** under Settings > Billing. [1]" },
];
const offered = [
  { role: "visitor" as const, text: "What is the capital of Mongolia?" },
  { role: "ai" as const, text: PHRASES.en.dontKnow },
];

describe("dialogueActOf", () => {
  it("recognises greetings, thanks, goodbyes and acknowledgements in the widget's languages", () => {
    const cases: [string, string, string | null][] = [
      ["hi", "greeting", "en"],
      ["Good morning!", "greeting", "en"],
      ["hey there, how are you?", "how_are_you", "en"],
      ["Thanks, that helps a lot.", "thanks", "en"],
      ["ok thanks", "thanks", "en"],
      ["thanks, bye", "goodbye", "en"],
      ["Hola, buenos días", "greeting", "es"],
      ["¡Muchas gracias!", "thanks", "es"],
      ["Merci beaucoup, au revoir", "goodbye", "fr"],
      ["Vielen Dank!", "thanks", "de"],
      ["Tschüss", "goodbye", "de"],
      ["Obrigado pela ajuda", "thanks", "pt"],
      ["Bom dia", "greeting", "pt"],
      ["👍", "empty", null],
    ];
    for (const [text, act, lang] of cases) {
      const a = dialogueActOf(text, answered);
      expect(a?.act, text).toBe(act);
      expect(a?.lang, text).toBe(lang);
    }
  });

  it("recognises praise, a request for help without a topic, and what the bot can do", () => {
    const cases: [string, string, string | null][] = [
      ["you're awesome", "thanks", "en"],
      ["That's helpful!", "thanks", "en"],
      ["great job, thanks", "thanks", "en"],
      ["can you help me?", "greeting", "en"],
      ["I have a question", "greeting", "en"],
      ["hi, I need help", "greeting", "en"],
      ["hello, anyone there?", "greeting", "en"],
      ["am I talking to a real human?", "bot_identity", "en"],
      ["what can you do?", "bot_identity", "en"],
      ["necesito ayuda", "greeting", "es"],
      ["j'ai une question", "greeting", "fr"],
      ["Können Sie mir helfen?", "greeting", "de"],
      ["preciso de ajuda", "greeting", "pt"],
      ["o que você pode fazer?", "bot_identity", "pt"],
    ];
    for (const [text, act, lang] of cases) {
      const a = dialogueActOf(text, []);
      expect(a?.act, text).toBe(act);
      expect(a?.lang, text).toBe(lang);
    }
    // with a topic it is a question
    for (const text of ["can you help me export a notebook?", "I have a question about billing", "help me export"])
      expect(dialogueActOf(text, []), text).toBeNull();
  });

  it("leaves anything with a question in it to retrieval", () => {
    for (const text of [
      "thanks, and how do I export a notebook?",
      "Hi, how many devices can I sync on the free plan?",
      "can I speak to someone from your team please",
      "how much does pro cost",
      "no sync on my phone",
    ])
      expect(dialogueActOf(text, answered), text).toBeNull();
  });

  it("answers yes/no to the bot's own offer of a person, and only then", () => {
    expect(dialogueActOf("yes please", offered)?.act).toBe("accept_offer");
    expect(dialogueActOf("Sí, por favor", [{ role: "ai", text: PHRASES.es.dontKnow }])?.act).toBe("accept_offer");
    expect(dialogueActOf("ja gerne", [{ role: "ai", text: PHRASES.de.dontKnow }])?.act).toBe("accept_offer");
    expect(dialogueActOf("no thanks", offered)?.act).toBe("decline_offer");
    expect(dialogueActOf("non merci", [{ role: "ai", text: PHRASES.fr.dontKnow }])?.act).toBe("decline_offer");
    // without an offer, "yes" is an acknowledgement and never a hand-off
    expect(dialogueActOf("yes", answered)?.act).toBe("ack");
    expect(dialogueActOf("no thanks", answered)?.act).toBe("decline_offer");
    // the offer must be the bot's last word: an operator's reply in between ends it
    expect(dialogueActOf("yes", [...offered, { role: "agent", text: "Hi, Sam here." }])?.act).toBe("ack");
  });

  it("recognises complaints about the last answer and questions about the bot", () => {
    expect(dialogueActOf("that didn't help", answered)?.act).toBe("complaint");
    expect(dialogueActOf("No, that's not what I asked!", answered)?.act).toBe("complaint");
    expect(dialogueActOf("that didn't help at all", answered)?.act).toBe("complaint");
    expect(dialogueActOf("honestly that still doesn't help me", answered)?.act).toBe("complaint");
    // an intensifier does not make a question an act
    expect(dialogueActOf("that didn't help, how do I export at all?", answered)).toBeNull();
    expect(dialogueActOf("eso no me ayudó", answered)?.act).toBe("complaint");
    expect(dialogueActOf("Das hilft mir nicht", answered)?.act).toBe("complaint");
    expect(dialogueActOf("are you a bot?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("Am I talking to a real person?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("¿Eres un bot?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("Você é um robô?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("Who am I talking to?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("what's your name?", [])?.act).toBe("bot_identity");
    expect(dialogueActOf("you are not helping", answered)?.act).toBe("complaint");
    expect(dialogueActOf("not what I meant", answered)?.act).toBe("complaint");
    // a question that opens with an act word is still a question
    expect(dialogueActOf("wrong password error when I sign in", answered)).toBeNull();
    expect(dialogueActOf("no problem with sync, but export fails", answered)).toBeNull();
    // thanks "for the help" in the widget's other languages
    expect(dialogueActOf("muchas gracias por tu ayuda", answered)?.act).toBe("thanks");
    expect(dialogueActOf("vielen Dank für die Hilfe", answered)?.act).toBe("thanks");
    expect(dialogueActOf("obrigado pela ajuda", answered)?.act).toBe("thanks");
    // the same in the widget's other languages, apostrophes and accents as visitors type them
    expect(dialogueActOf("¿Con quién hablo?", [])).toMatchObject({ act: "bot_identity", lang: "es" });
    expect(dialogueActOf("Wie heißt du?", [])).toMatchObject({ act: "bot_identity", lang: "de" });
    expect(dialogueActOf("c’est qui ?", [])).toMatchObject({ act: "bot_identity", lang: "fr" });
    expect(dialogueActOf("qual é o seu nome?", [])).toMatchObject({ act: "bot_identity", lang: "pt" });
    expect(dialogueActOf("c'est faux", answered)).toMatchObject({ act: "complaint", lang: "fr" });
    expect(dialogueActOf("Das war nicht hilfreich.", answered)).toMatchObject({ act: "complaint", lang: "de" });
    expect(dialogueActOf("não foi isso que perguntei", answered)).toMatchObject({ act: "complaint", lang: "pt" });
    expect(dialogueActOf("c'est faux, comment exporter ?", answered)).toBeNull();
    // "no worries" after an offer of a person declines it, and never hands off
    expect(dialogueActOf("no worries", offered)?.act).toBe("decline_offer");
  });
});

describe("stretched words", () => {
  it("reads 'heyy', 'hiii', 'thanksss' and 'byeee' as the act words they stretch", () => {
    expect(dialogueActOf("heyy", [])?.act).toBe("greeting");
    expect(dialogueActOf("hiii there", [])?.act).toBe("greeting");
    expect(dialogueActOf("thanksss", answered)?.act).toBe("thanks");
    expect(dialogueActOf("byeee!", answered)?.act).toBe("goodbye");
    // a word that is not an act word stays a question
    expect(dialogueActOf("heyy exportt", [])).toBeNull();
  });
});

describe("a problem with nothing said about what", () => {
  it("asks what does not work, and after an answer counts as a complaint about it", () => {
    for (const t of ["it doesn't work", "WHY DOESN'T THIS WORK", "still not working!", "I have a problem"])
      expect(dialogueActOf(t, [])?.act, t).toBe("problem");
    expect(dialogueActOf("no funciona", [])).toMatchObject({ act: "problem", lang: "es" });
    expect(dialogueActOf("ça ne marche pas", [])).toMatchObject({ act: "problem", lang: "fr" });
    expect(dialogueActOf("Es funktioniert nicht", [])).toMatchObject({ act: "problem", lang: "de" });
    expect(dialogueActOf("não funciona", [])).toMatchObject({ act: "problem", lang: "pt" });
    expect(dialogueActOf("it still doesn't work", answered)?.act).toBe("complaint");
    // saying what does not work makes it a question
    expect(dialogueActOf("sync doesn't work", [])).toBeNull();
    expect(dialogueActOf("the web clipper is broken", [])).toBeNull();
    // the reply asks for the missing detail and offers a person, so a "yes" next hands off
    const reply = replyToAct(dialogueActOf("it doesn't work", [])!, "en", "Nimbus");
    expect(reply).toMatch(/which feature/);
    expect(offersPerson(reply)).toBe(true);
    for (const lang of ["es", "fr", "de", "pt"] as const)
      expect(offersPerson(replyToAct({ act: "problem", found: ["problem"], lang }, lang, "Nimbus")), lang).toBe(true);
  });

  it("finds complaints and bare problems inside longer messages, for triage", () => {
    expect(complaintCues("that's not what I asked, this is so frustrating")).toEqual({
      complaint: true,
      problem: false,
      // what the visitor says beside the complaint, for triage to score apart
      rest: "this is so frustrating",
    });
    expect(complaintCues("that didn't help at all").rest).toBe("at all");
    expect(complaintCues("WHY DOESN'T THIS WORK")).toMatchObject({ complaint: false, problem: true });
    expect(complaintCues("Das hilft mir nicht, ich bin sauer")).toMatchObject({
      complaint: true,
      rest: "ich bin sauer",
    });
    // one-word phrases ("help", "broken") inside a question are not a complaint or a bare problem
    expect(complaintCues("can you help me export my notes?")).toMatchObject({ complaint: false, problem: false });
    expect(complaintCues("how do I report a broken link?")).toMatchObject({ complaint: false, problem: false });
  });
});

describe("replies", () => {
  it("speaks in the act's language, in the bot's name, and offers a person after a complaint", () => {
    const hi = dialogueActOf("Hallo", [])!;
    expect(replyToAct(hi, "de", "Nimbus Help")).toContain("Ich bin Nimbus Help");
    const complaint = replyToAct(dialogueActOf("that didn't help", answered)!, "en", "Nimbus Help");
    expect(offersPerson(complaint)).toBe(true);
    for (const lang of ["en", "es", "fr", "de", "pt"] as const)
      expect(offersPerson(PHRASES[lang].dontKnow), lang).toBe(true);
    // "ok" before any answer asks what the visitor needs
    expect(replyToAct(dialogueActOf("ok", [])!, "en", "X")).toMatch(/tell me a bit more/);
  });
});
