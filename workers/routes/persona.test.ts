import { describe, expect, it, vi } from "vitest";
import { sign } from "../lib/signatures";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { seedKnowledge } from "../domain/voice/test-support";
import { buildMessages } from "../providers/answer/prompt";
import type { GroundedPrompt } from "../providers/answer/port";
import { expectNoFrame, joinVisitor, newSession, type Frame } from "../rooms/test-client";

/**
 * Bots as personas (issue 19) through the public API: PATCH/GET of a persona and an avatar, two
 * bots of one tenant answering the same question from their own knowledge in their own voice,
 * a French bot's Twilio call, and mood frames in the widget's socket only for an avatar bot.
 */

vi.setConfig({ testTimeout: 60_000 });

const patch = (t: { token: string }, botId: string, json: unknown) =>
  call(`/api/bots/${botId}`, { method: "PATCH", token: t.token, json });

async function seedFor(t: TestTenant, botId: string, title: string, text: string) {
  const src = await expectJson(
    call("/api/knowledge/sources", { method: "POST", token: t.token, json: { type: "text", title, text, botId } }),
    202,
  );
  const s = await eventually(
    () => expectJson(call(`/api/knowledge/sources/${src.id}`, { token: t.token }), 200),
    (x) => x.status === "ready" || x.status === "failed",
    30_000,
  );
  expect(s.status).toBe("ready");
}

const ask = (t: TestTenant, botId: string, question: string) =>
  expectJson(call(`/api/bots/${botId}/ask`, { method: "POST", token: t.token, json: { question } }), 200);

describe("PATCH /api/bots/:id persona and avatar", () => {
  it("sets, returns, replaces and removes a persona; turns the avatar on", async () => {
    const t = await makeTenant();
    const persona = {
      name: "Camille",
      role: "the concierge of Hôtel Lumière",
      tone: "formal",
      instructions: "Mention breakfast hours when relevant.",
      language: "fr",
      languages: ["en"],
      styleRules: ["Use short sentences."],
      never: ["promise a refund"],
    };
    const b = await expectJson(patch(t, t.botId, { persona }), 200);
    expect(b.persona).toEqual(persona);
    expect(b.avatar).toEqual({ enabled: false, model: null });
    const got = await expectJson(call(`/api/bots/${t.botId}`, { token: t.token }), 200);
    expect(got.persona).toEqual(persona);
    // the whole persona is replaced, not merged
    const b2 = await expectJson(patch(t, t.botId, { persona: { name: "Max", tone: "friendly" } }), 200);
    expect(b2.persona).toEqual({ name: "Max", tone: "friendly" });
    const b3 = await expectJson(patch(t, t.botId, { avatar: { enabled: true } }), 200);
    expect(b3.avatar).toEqual({ enabled: true, model: null });
    expect(b3.persona).toEqual({ name: "Max", tone: "friendly" });
    const b4 = await expectJson(patch(t, t.botId, { persona: null }), 200);
    expect(b4.persona).toBeNull();
  });

  it("refuses a bad persona with problem+json naming the fields, and changes nothing", async () => {
    const t = await makeTenant();
    await expectJson(patch(t, t.botId, { persona: { name: "Ada" } }), 200);
    const bad = [
      { persona: { tone: "sarcastic" } },
      { persona: { language: "français" } },
      { persona: { instructions: "x".repeat(4001) } },
      { persona: { never: Array.from({ length: 21 }, (_, i) => `rule ${i}`) } },
      { persona: { styleRules: ["y".repeat(301)] } },
      { persona: { name: "" } },
      { persona: { mood: "happy" } },
      { avatar: { enabled: "yes" } },
      { avatar: { enabled: true, model: "x.glb" } },
    ];
    for (const json of bad) {
      const res = await patch(t, t.botId, json);
      expect(res.status, JSON.stringify(json)).toBe(400);
      expect(res.headers.get("content-type")).toContain("application/problem+json");
      const p = (await res.json()) as { code: string; errors: { path: string }[] };
      expect(p.code).toBe("INVALID_REQUEST");
      expect(p.errors[0]!.path).toMatch(/^(persona|avatar)/);
    }
    const got = await expectJson(call(`/api/bots/${t.botId}`, { token: t.token }), 200);
    expect(got.persona).toEqual({ name: "Ada" });
    expect(got.avatar).toEqual({ enabled: false, model: null });
  });

  it("another tenant's bot is 404; a viewer or agent may not set a persona (403); an admin may", async () => {
    const a = await makeTenant("A");
    const b = await makeTenant("B");
    await expectJson(patch(b, a.botId, { persona: { name: "Mallory" } }), 404);
    await expectJson(call(`/api/bots/${a.botId}`, { token: b.token }), 404);
    const viewer = await addMember(a, "viewer");
    const agent = await addMember(a, "agent");
    expect((await patch(viewer, a.botId, { persona: { name: "V" } })).status).toBe(403);
    expect((await patch(agent, a.botId, { avatar: { enabled: true } })).status).toBe(403);
    const admin = await addMember(a, "admin");
    await expectJson(patch(admin, a.botId, { persona: { name: "Ok" } }), 200);
    const got = await expectJson(call(`/api/bots/${a.botId}`, { token: a.token }), 200);
    expect(got.persona).toEqual({ name: "Ok" });
    expect(got.avatar).toEqual({ enabled: false, model: null });
  });
});

describe("two bots of one tenant answer in their own voice, from their own knowledge", () => {
  it("answers the same question differently: own facts, own name, own tone and language", async () => {
    const t = await makeTenant("Twins");
    const second = await expectJson(
      call("/api/bots", { method: "POST", token: t.token, json: { name: "Second" } }),
      201,
    );
    await expectJson(patch(t, t.botId, { persona: { name: "Sunny", tone: "friendly", language: "en" } }), 200);
    await expectJson(
      patch(t, second.id, {
        persona: { name: "Monsieur Durand", tone: "formal", language: "fr", never: ["tutoyer le client"] },
      }),
      200,
    );
    await seedFor(
      t,
      t.botId,
      "Shop hours",
      "Our shop opens at 9 am and closes at 6 pm from Monday to Saturday. The shop is closed on Sundays.",
    );
    await seedFor(
      t,
      second.id,
      "Horaires de l'hôtel",
      "La réception de l'hôtel ouvre à 7 heures et ferme à 23 heures tous les jours. Le petit-déjeuner est servi de 7 heures à 10 heures.",
    );

    // the same greeting: each in its own name, tone and language
    const hi1 = await ask(t, t.botId, "hello");
    const hi2 = await ask(t, second.id, "hello");
    expect(hi1.answer).toContain("Sunny");
    expect(hi1.answer).toMatch(/^Hey there!/);
    expect(hi2.answer).toContain("Monsieur Durand");
    expect(hi2.answer).toMatch(/^Bonjour, je me présente/);

    // the same question: each from its own knowledge, citing its own source
    const q = "What time does the reception open? heures réception ouvre";
    const a1 = await ask(t, t.botId, "When does the shop open?");
    expect(a1.answer).toContain("9 am");
    expect(a1.answer).not.toContain("7 heures");
    const a2 = await ask(t, second.id, q);
    expect(a2.answer).toContain("7 heures");
    expect(a2.sources[0].title).toBe("Horaires de l'hôtel");

    // a question neither knows: each abstains in its own voice and language
    const u1 = await ask(t, t.botId, "Do you sell gift cards for the spaceship museum?");
    const u2 = await ask(t, second.id, "Do you sell gift cards for the spaceship museum?");
    expect(u1.handoff).toBe(true);
    expect(u2.handoff).toBe(true);
    expect(u1.answer).toContain("I don't have that one in my notes");
    expect(u2.answer).toContain("Je regrette de ne pouvoir vous répondre");
    expect(u1.answer).not.toBe(u2.answer);

    // the shopping bot's first bot knows nothing of the hotel, and the other way round
    const cross = await ask(t, t.botId, "Le petit-déjeuner est servi à quelle heure ?");
    expect(cross.answer).not.toContain("10 heures");
  });

  it("the one prompt builder carries the persona: name, role, tone, style rules, never-rules, language", () => {
    const p: GroundedPrompt = {
      question: "Quand ouvre la réception ?",
      history: [],
      passages: [{ n: 1, sourceId: "s", title: "T", url: null, heading: "", text: "Ouvre à 7 h.", score: 1 }],
      botName: "Bot",
      instructions: "Company rule.",
      language: "fr",
      answerLength: "short",
      channel: "chat",
      terms: [],
      persona: {
        name: "Monsieur Durand",
        role: "the concierge of Hôtel Lumière",
        tone: "formal",
        styleRules: ["Use short sentences."],
        never: ["promise a refund"],
        languages: ["en"],
      },
    };
    const system = buildMessages(p)[0]!.content;
    expect(system).toContain("You are Monsieur Durand, the concierge of Hôtel Lumière.");
    expect(system).toContain("Your tone is formal");
    expect(system).toContain("- Use short sentences.");
    expect(system).toContain("You must never:\n- promise a refund");
    expect(system).toContain('Answer in the language with code "fr", unless the visitor writes in one of "en"');
    expect(system).toContain("Company rule.");
    // without a persona the prompt is the plain assistant's
    const plain = buildMessages({ ...p, persona: null, language: null })[0]!.content;
    expect(plain).toContain("You are Bot, a customer-support assistant.");
    expect(plain).not.toContain("must never");
    expect(plain).not.toContain("The passages say nothing about");
    // words the knowledge never uses: the model is told the reply already says so, and not to claim anything about them
    const uncovered = buildMessages({ ...p, uncovered: ["faxes"] })[0]!.content;
    expect(uncovered).toContain('The passages say nothing about "faxes".');
    expect(uncovered).toContain("claim nothing about it");
  });
});

describe("multilingual voice: a French bot's Twilio call", () => {
  it("greets in French with language fr-FR on Say and Gather, and answers a French question in French", async () => {
    const t = await makeTenant("Lumiere");
    await expectJson(patch(t, t.botId, { persona: { name: "Camille", tone: "formal", language: "fr" } }), 200);
    await seedKnowledge(t.token, "Horaires", [
      "La réception de l'hôtel ouvre à 7 heures et ferme à 23 heures tous les jours.",
      "Le parking de l'hôtel coûte 15 euros par nuit.",
    ]);
    const vint = await expectJson(
      call("/api/voice/integrations", {
        method: "POST",
        token: t.token,
        json: { provider: "twilio", botId: t.botId, secrets: { authToken: "twilio-auth-token-fr" }, settings: {} },
      }),
      201,
    );
    const post = async (url: string, p: Record<string, string>) =>
      call(new URL(url).pathname + new URL(url).search, {
        method: "POST",
        body: new URLSearchParams(p).toString(),
        headers: {
          "content-type": "application/x-www-form-urlencoded",
          "x-twilio-signature": await sign.twilio("twilio-auth-token-fr", url, p),
        },
      });
    const base = { CallSid: "CAFR01", AccountSid: "AC" + "0".repeat(32), From: "+33155550123", To: "+33155550199" };
    const incoming = await post(vint.webhookUrl, { ...base, CallStatus: "ringing" });
    expect(incoming.status).toBe(200);
    const xml = await incoming.text();
    expect(xml).toMatch(/<Gather input="speech"[^>]* language="fr-FR">/);
    expect(xml).toContain(
      '<Say language="fr-FR">Bonjour, je me présente : Camille. En quoi puis-je vous être utile ?</Say>',
    );

    const q = await post(`${vint.webhookUrl}/gather?turn=1`, {
      ...base,
      CallStatus: "in-progress",
      SpeechResult: "Combien coûte le parking de l'hôtel ?",
    });
    const answer = await q.text();
    expect(answer).toContain('<Say language="fr-FR">');
    expect(answer).toContain("15 euros par nuit");

    const silence = await post(`${vint.webhookUrl}/gather?turn=2`, { ...base, CallStatus: "in-progress" });
    expect(await silence.text()).toContain("Désolé, je n&apos;ai pas bien compris. Pouvez-vous répéter ?");

    // an integration language wins over the bot's
    const en = await expectJson(
      call(`/api/voice/integrations/${vint.id}`, {
        method: "PATCH",
        token: t.token,
        json: { settings: { language: "fr-CA" } },
      }),
      200,
    );
    expect(en.id).toBe(vint.id);
    const again = await post(vint.webhookUrl, { ...base, CallSid: "CAFR02", CallStatus: "ringing" });
    expect(await again.text()).toContain('<Say language="fr-CA">');
  });
});

describe("avatar mood frames in the widget socket", () => {
  const isMood = (f: Frame) => f.type === "mood";

  it("an avatar bot's visitor gets thinking, then a mood from the outcome; a bot without avatar gets none", async () => {
    const t = await makeTenant("Moody");
    await seedKnowledge(t.token, "Billing", ["Invoices are sent on the first day of every month by email."]);
    await expectJson(patch(t, t.botId, { avatar: { enabled: true } }), 200);
    const s = await newSession(t);
    expect(s.bot.avatar).toEqual({ enabled: true, model: null });
    const v = await joinVisitor(s);
    v.send({ type: "msg", cid: "q1", text: "When are invoices sent?" });
    const thinking = await v.waitFor(isMood);
    expect(thinking.mood).toBe("thinking");
    const ai = await v.waitFor((f) => f.type === "msg" && f.role === "ai");
    const after = await v.waitFor((f) => isMood(f) && f.mood !== "thinking");
    expect(ai.text).toContain("first day");
    expect(["happy", "neutral"]).toContain(after.mood);
    // an unknown question: the answerer abstains (concerned), the room hands over
    v.send({ type: "msg", cid: "q2", text: "Can I pay with seashells from the moon?" });
    const n = v.frames.length;
    await v.waitFor((f) => isMood(f) && f.mood === "handing-over", 8000, n);
    const moods = v.frames
      .slice(n)
      .filter(isMood)
      .map((f) => f.mood);
    expect(moods).toEqual(["thinking", "concerned", "handing-over"]);

    // the same tenant's bot without the avatar: no mood frame, ever
    await expectJson(patch(t, t.botId, { avatar: { enabled: false } }), 200);
    const s2 = await newSession(t);
    expect(s2.bot.avatar).toEqual({ enabled: false, model: null });
    const w = await joinVisitor(s2);
    w.send({ type: "msg", cid: "q1", text: "When are invoices sent?" });
    await w.waitFor((f) => f.type === "msg" && f.role === "ai");
    expectNoFrame(w, isMood);
  });
});
