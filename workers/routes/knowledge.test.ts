import { env } from "cloudflare:test";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setUrlFetcher } from "../domain/knowledge/url-fetch";
import { addMember, call, eventually, expectJson, makeTenant, type TestTenant } from "../test/fixtures";
import { makeDocx, makePdf } from "../test/fixtures/knowledge-docs";

// PDF.js loads on first use and the machine is shared: give ingestion room, never assert time.
const SLOW = { timeout: 60_000 };

function upload(t: TestTenant, name: string, body: Uint8Array | string, extra: Record<string, string> = {}, type = "") {
  const form = new FormData();
  form.append("file", new File([typeof body === "string" ? body : new Uint8Array(body)], name, { type }));
  for (const [k, v] of Object.entries(extra)) form.append(k, v);
  return call("/api/knowledge/sources", { method: "POST", token: t.token, body: form });
}

const addJson = (t: TestTenant, json: Record<string, unknown>, token = t.token) =>
  call("/api/knowledge/sources", { method: "POST", token, json });

async function settled(t: TestTenant, id: string) {
  return eventually(
    () => expectJson(call(`/api/knowledge/sources/${id}`, { token: t.token }), 200),
    (s) => s.status === "ready" || s.status === "failed",
    45_000,
  );
}

const ask = (t: TestTenant, question: string, botId = t.botId) =>
  expectJson(call(`/api/bots/${botId}/ask`, { method: "POST", token: t.token, json: { question } }), 200);
const search = (t: TestTenant, query: string, botId?: string) =>
  expectJson(call("/api/knowledge/search", { method: "POST", token: t.token, json: { query, botId } }), 200);

describe("POST /api/knowledge/sources (every file type)", () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Files");
  });

  const cases: { name: string; body: () => Uint8Array | string; question: string; fact: RegExp }[] = [
    {
      name: "plans.txt",
      body: () => "Quokka Cloud plans\n\nThe Quokka plan costs 17 dollars per month and includes 300 projects.",
      question: "How much does the Quokka plan cost?",
      fact: /17 dollars per month/,
    },
    {
      name: "limits.md",
      body: () =>
        "# Upload limits\n\n## Attachments\n\nEvery attachment in Larkspur can be at most 42 MB.\n\n## Other\n\nNothing else here.",
      question: "What is the maximum attachment size in Larkspur?",
      fact: /42 MB/,
    },
    {
      name: "hours.html",
      body: () =>
        "<html><head><title>Support hours</title></head><body><h1>Support hours</h1><p>The Marmoset support desk opens at 07:30 on weekdays.</p><script>var x = 'ignore me';</script></body></html>",
      question: "When does the Marmoset support desk open?",
      fact: /07:30/,
    },
    {
      name: "storage.pdf",
      body: () => makePdf(["Storage", "The Zephyrine plan stores 77 GB of files for each user."]),
      question: "How much storage does the Zephyrine plan have?",
      fact: /77 GB/,
    },
    {
      name: "vault.docx",
      body: () =>
        makeDocx([
          { heading: "Vault" },
          { text: "Ocelot vault passphrases must be at least 14 characters long." },
          { list: ["Open settings", "Create a vault"] },
        ]),
      question: "How long must an Ocelot vault passphrase be?",
      fact: /14 characters/,
    },
    {
      name: "faq.csv",
      body: () =>
        'question,answer\nCan I pay for Tamarin with PayPal?,"Yes, Tamarin accepts PayPal and Visa."\nDoes Tamarin work offline?,Only the desktop app works offline.\n',
      question: "Can I pay for Tamarin using PayPal?",
      fact: /accepts PayPal/,
    },
  ];

  for (const c of cases) {
    it(`indexes ${c.name} and answers its fact with that source`, SLOW, async () => {
      const created = await expectJson(upload(t, c.name, c.body()), 202);
      expect(created).toMatchObject({ type: "file", filename: c.name, status: "queued" });
      const s = await settled(t, created.id);
      expect(s.status, JSON.stringify(s)).toBe("ready");
      expect(s.chunkCount).toBeGreaterThan(0);
      const a = await ask(t, c.question);
      expect(a.handoff, JSON.stringify(a)).toBe(false);
      expect(a.answer).toMatch(c.fact);
      expect(a.sources[0].sourceId).toBe(created.id);
      expect(a.confidence).toBeGreaterThanOrEqual(0.35);
      expect(a.timings.totalMs).toBeGreaterThanOrEqual(0);
    });
  }

  it("marks a broken PDF failed with a reason and indexes nothing of it", SLOW, async () => {
    const created = await expectJson(
      upload(t, "broken.pdf", "%PDF-1.7\nthis is no pdf at all: Wombatine secret 991"),
      202,
    );
    const s = await settled(t, created.id);
    expect(s.status).toBe("failed");
    expect(s.error).toMatch(/PDF/);
    expect(s.chunkCount).toBe(0);
    const hits = await search(t, "Wombatine secret 991");
    expect(hits.data.filter((h: { sourceId: string }) => h.sourceId === created.id)).toEqual([]);
  });

  it("refuses unsupported and empty files with 400", async () => {
    const bad = await expectJson(upload(t, "tool.exe", "MZ..."), 400);
    expect(bad.errors[0].path).toBe("file");
    await expectJson(upload(t, "empty.txt", ""), 400);
  });
});

describe("JSON sources, replacement, deletion and bot scope", () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Json");
  });

  it("indexes text and qa sources and keeps the external id", SLOW, async () => {
    const text = await expectJson(
      addJson(t, {
        type: "text",
        title: "Gecko retention",
        text: "Gecko keeps deleted notes in the trash for 45 days.",
        externalId: "kb-1",
      }),
      202,
    );
    const qa = await expectJson(
      addJson(t, {
        type: "qa",
        question: "Does Gecko have a student discount?",
        answer: "Students get 60% off Gecko Pro.",
      }),
      202,
    );
    expect((await settled(t, text.id)).status).toBe("ready");
    expect((await settled(t, qa.id)).status).toBe("ready");
    const hits = await search(t, "how long are deleted notes kept in the trash");
    expect(hits.data[0]).toMatchObject({ sourceId: text.id, externalId: "kb-1" });
    const a = await ask(t, "Is there a student discount for Gecko?");
    expect(a.answer).toContain("60% off");
    expect(a.sources[0].sourceId).toBe(qa.id);
  });

  it("replaces an older source with the same title once the new one is ready", SLOW, async () => {
    const v1 = await expectJson(
      addJson(t, { type: "text", title: "Heron pricing", text: "Heron Pro costs 11 euros per month." }),
      202,
    );
    await settled(t, v1.id);
    const v2 = await expectJson(
      addJson(t, { type: "text", title: "Heron pricing", text: "Heron Pro costs 13 euros per month." }),
      202,
    );
    expect((await settled(t, v2.id)).status).toBe("ready");
    await expectJson(call(`/api/knowledge/sources/${v1.id}`, { token: t.token }), 404);
    const a = await ask(t, "How much does Heron Pro cost?");
    expect(a.answer).toContain("13 euros");
    expect(a.answer).not.toContain("11 euros");
  });

  it("deletes a source with its chunks, index rows and original", SLOW, async () => {
    const s = await expectJson(
      addJson(t, { type: "text", title: "Ibis export", text: "Ibis exports notebooks as EPUB files." }),
      202,
    );
    await settled(t, s.id);
    expect(await env.FILES.head(`knowledge/${t.tenantId}/${s.id}`)).not.toBeNull();
    const res = await call(`/api/knowledge/sources/${s.id}`, { method: "DELETE", token: t.token });
    expect(res.status).toBe(204);
    await expectJson(call(`/api/knowledge/sources/${s.id}`, { token: t.token }), 404);
    expect((await search(t, "Ibis exports notebooks EPUB")).data).toEqual([]);
    expect(await env.FILES.head(`knowledge/${t.tenantId}/${s.id}`)).toBeNull();
    const left = await env.DB.prepare("SELECT count(*) AS n FROM knowledge_chunks WHERE source_id = ?")
      .bind(s.id)
      .first<{ n: number }>();
    expect(left?.n).toBe(0);
  });

  it("serves a bot-scoped source only to that bot; unscoped sources to every bot", SLOW, async () => {
    const other = await expectJson(
      call("/api/bots", { method: "POST", token: t.token, json: { name: "Second" } }),
      201,
    );
    const scoped = await expectJson(
      addJson(t, { type: "text", title: "Jackal secret", text: "The Jackal bot only code is 5521.", botId: t.botId }),
      202,
    );
    await settled(t, scoped.id);
    expect((await search(t, "Jackal bot code", t.botId)).data.map((h: { sourceId: string }) => h.sourceId)).toContain(
      scoped.id,
    );
    expect(
      (await search(t, "Jackal bot code", other.id)).data.map((h: { sourceId: string }) => h.sourceId),
    ).not.toContain(scoped.id);
    expect((await search(t, "Gecko trash days", other.id)).data.length).toBeGreaterThan(0);
    await expectJson(addJson(t, { type: "text", title: "x", text: "y", botId: "bot_doesnotexist0000000000" }), 404);
  });

  it("fetches url sources through the injectable fetcher", SLOW, async () => {
    const seen: string[] = [];
    const restore = setUrlFetcher(async (req) => {
      seen.push(req.url);
      return new Response(
        "<html><head><title>Kestrel FAQ</title></head><body><p>Kestrel backups run every 6 hours.</p></body></html>",
        { headers: { "content-type": "text/html" } },
      );
    });
    try {
      const s = await expectJson(addJson(t, { type: "url", url: "https://help.kestrel.example/faq" }), 202);
      const done = await settled(t, s.id);
      expect(done).toMatchObject({ status: "ready", title: "Kestrel FAQ", url: "https://help.kestrel.example/faq" });
      expect(seen).toEqual(["https://help.kestrel.example/faq"]);
      expect((await ask(t, "How often do Kestrel backups run?")).answer).toContain("every 6 hours");
    } finally {
      restore();
    }
  });
});

describe("abstention", () => {
  let t: TestTenant;
  beforeAll(async () => {
    t = await makeTenant("Abstain");
    const s = await expectJson(
      addJson(t, {
        type: "text",
        title: "Lemur plans",
        text: "# Plans\n\nLemur Plus costs 5 dollars per month. Lemur Pro costs 10 dollars per month.\n\n# Sync\n\nLemur syncs notes on up to 3 devices on the free plan.",
      }),
      202,
    );
    await settled(t, s.id);
  }, 60_000);

  for (const q of [
    "What is the capital of Australia?",
    "Can you recommend a good pizza recipe?",
    "How do I fix my car's brakes?",
    "What's the weather in Paris tomorrow?",
    "Does Lemur integrate with Salesforce CRM?",
  ]) {
    it(`hands off "${q}" without inventing an answer`, async () => {
      const a = await ask(t, q);
      expect(a.handoff, JSON.stringify(a)).toBe(true);
      expect(a.sources).toEqual([]);
      expect(a.answer).toMatch(/not sure|person/);
      expect(a.answer).not.toMatch(/dollars|devices/);
    });
  }

  it("answers dialogue acts itself, in the visitor's language, without retrieval or a hand-off", async () => {
    for (const [q, phrase] of [
      ["Hi", /What can I help you with/],
      ["Hi there", /What can I help you with/],
      ["hello!", /What can I help you with/],
      ["ok", /tell me a bit more/],
      ["Ok, thanks!", /welcome/],
      ["Thanks, that helps a lot.", /welcome/],
      ["thanks, bye", /goodbye/],
      ["???", /tell me a bit more/],
      ["Hola, buenos días", /ayudarte/],
      ["Vielen Dank!", /Gern geschehen/],
      ["are you a bot?", /AI assistant/],
      ["that didn't help", /connect you with a person/],
    ] as const) {
      const a = await ask(t, q);
      expect(a, q).toMatchObject({ handoff: false, sources: [] });
      expect(a.answer, q).toMatch(phrase);
    }
    // a real question with a greeting is still looked up
    expect((await ask(t, "Hi, how many devices can I sync on the free plan?")).answer).toContain("3 devices");
  });

  it("hands off on 'yes' to its own offer of a person, and not on 'no thanks'", async () => {
    const history = [
      { role: "visitor", text: "What is the capital of Australia?" },
      {
        role: "ai",
        text: "I'm not sure about that, and I'd rather not guess. Would you like me to connect you with a person from our team?",
      },
    ];
    const askWith = (question: string) =>
      expectJson(
        call(`/api/bots/${t.botId}/ask`, { method: "POST", token: t.token, json: { question, history } }),
        200,
      );
    expect(await askWith("yes please")).toMatchObject({ handoff: true, handoffReason: "asked_for_human", sources: [] });
    const no = await askWith("no thanks");
    expect(no).toMatchObject({ handoff: false, sources: [] });
    expect(no.answer).toMatch(/anything else/);
  });

  it("localises the fixed phrases (es)", async () => {
    const a = await ask(t, "¿Cuál es la capital de Australia?");
    expect(a.handoff).toBe(true);
    expect(a.answer).toMatch(/persona/);
  });

  it("answers when the knowledge covers the question", async () => {
    const a = await ask(t, "How many devices can I sync on the free plan?");
    expect(a.handoff, JSON.stringify(a)).toBe(false);
    expect(a.answer).toContain("3 devices");
  });
});

describe("questions about something the knowledge never mentions", () => {
  let t: TestTenant;
  const askWith = (question: string, history: { role: string; text: string }[] = []) =>
    expectJson(call(`/api/bots/${t.botId}/ask`, { method: "POST", token: t.token, json: { question, history } }), 200);
  beforeAll(async () => {
    t = await makeTenant("Uncovered");
    const s = await expectJson(
      addJson(t, {
        type: "text",
        title: "Lemur sync and sending",
        text: "# Sync\n\nLemur syncs notes on up to 3 devices on the free plan.\n\n# Sending\n\nLemur can send a note by email to anyone.",
      }),
      202,
    );
    await settled(t, s.id);
    // the bot always answers here, so what the answer says is what is tested (not the threshold)
    await expectJson(
      call(`/api/bots/${t.botId}`, { method: "PATCH", token: t.token, json: { settings: { confidenceThreshold: 0 } } }),
      200,
    );
  }, 60_000);

  it("says first that the help centre does not mention the thing asked about, then the closest passage, then offers a person", async () => {
    const a = await askWith("Can Lemur send faxes?");
    expect(a).toMatchObject({ handoff: false, uncovered: ["faxes"] });
    expect(a.cached).toBeUndefined();
    expect(a.answer).toMatch(/^I don't know about “faxes”: our help centre doesn't mention it\. The closest I found: /);
    expect(a.answer).toContain("send a note by email");
    expect(a.answer).toMatch(/would you like me to connect you with a person from our team\?$/);
    // the offer is a real one: "yes" brings in a person
    const yes = await askWith("yes please", [
      { role: "visitor", text: "Can Lemur send faxes?" },
      { role: "ai", text: a.answer },
    ]);
    expect(yes).toMatchObject({ handoff: true, handoffReason: "asked_for_human" });
  });

  it("answers plainly when the unknown word is a detail, a verb or a time, or when every word is known", async () => {
    for (const q of [
      "How many devices can I sync notes to with my smartwatch?", // in a prepositional phrase
      "How many devices do I sync on the free plan?",
      "How many devices did I sync last week on the free plan?", // time
    ]) {
      const a = await askWith(q);
      expect(a.answer, q).not.toMatch(/don't know/);
      expect(a.uncovered, q).toBeUndefined();
      expect(a.answer, q).toContain("3 devices");
    }
  });
});

describe("auth and tenant isolation", () => {
  let owner: TestTenant;
  let stranger: TestTenant;
  let sourceId: string;
  beforeAll(async () => {
    owner = await makeTenant("Owner");
    stranger = await makeTenant("Stranger");
    const s = await expectJson(
      addJson(owner, { type: "text", title: "Marten codes", text: "The Marten door code is 8086." }),
      202,
    );
    sourceId = s.id;
    await settled(owner, s.id);
  }, 60_000);

  it("answers 401 without credentials", async () => {
    await expectJson(call("/api/knowledge/sources"), 401);
    await expectJson(
      call("/api/knowledge/sources", { method: "POST", json: { type: "text", title: "a", text: "b" } }),
      401,
    );
    await expectJson(call(`/api/bots/${owner.botId}/ask`, { method: "POST", json: { question: "hi" } }), 401);
  });

  it("lets a viewer read but not write (403)", async () => {
    const viewer = await addMember(owner, "viewer");
    await expectJson(call("/api/knowledge/sources", { token: viewer.token }), 200);
    await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: viewer.token,
        json: { type: "text", title: "a", text: "b" },
      }),
      403,
    );
    await expectJson(call(`/api/knowledge/sources/${sourceId}`, { method: "DELETE", token: viewer.token }), 403);
  });

  it("validates input (400 with errors)", async () => {
    const r = await expectJson(addJson(owner, { type: "text", title: "" }), 400);
    expect(r.errors.length).toBeGreaterThan(0);
    await expectJson(addJson(owner, { type: "url", url: "ftp://example.com/x" }), 400);
    await expectJson(addJson(owner, { type: "nope" }), 400);
    await expectJson(
      call(`/api/bots/${owner.botId}/ask`, { method: "POST", token: owner.token, json: { question: "" } }),
      400,
    );
    await expectJson(
      call("/api/knowledge/search", { method: "POST", token: owner.token, json: { query: "x", limit: 500 } }),
      400,
    );
    await expectJson(call("/api/knowledge/sources", { method: "POST", token: owner.token }), 400);
  });

  it("hides another tenant's sources: get, delete, search and ask (404 / nothing)", async () => {
    await expectJson(call(`/api/knowledge/sources/${sourceId}`, { token: stranger.token }), 404);
    await expectJson(call(`/api/knowledge/sources/${sourceId}`, { method: "DELETE", token: stranger.token }), 404);
    expect((await expectJson(call("/api/knowledge/sources", { token: stranger.token }), 200)).data).toEqual([]);
    expect((await search(stranger, "Marten door code")).data).toEqual([]);
    const a = await ask(stranger, "What is the Marten door code?");
    expect(a.handoff).toBe(true);
    expect(a.answer).not.toContain("8086");
    await expectJson(
      call(`/api/bots/${owner.botId}/ask`, {
        method: "POST",
        token: stranger.token,
        json: { question: "Marten door code?" },
      }),
      404,
    );
    await expectJson(
      call("/api/knowledge/search", {
        method: "POST",
        token: stranger.token,
        json: { query: "Marten", botId: owner.botId },
      }),
      404,
    );
    // and nothing changed for the owner
    expect((await expectJson(call(`/api/knowledge/sources/${sourceId}`, { token: owner.token }), 200)).status).toBe(
      "ready",
    );
    expect((await ask(owner, "What is the Marten door code?")).answer).toContain("8086");
  });
});

describe("/api/settings/providers/openai", () => {
  let t: TestTenant;
  afterAll(() => undefined);
  beforeAll(async () => {
    t = await makeTenant("Providers");
  });

  it("stores the key encrypted, shows only a hint, and deletes", async () => {
    await expectJson(call("/api/settings/providers/openai", { token: t.token }), 404);
    const saved = await expectJson(
      call("/api/settings/providers/openai", {
        method: "PUT",
        token: t.token,
        json: { apiKey: "sk-test-abcdefghijklmnop1234", baseURL: "https://llm.providers.example/v1", model: "tiny" },
      }),
      200,
    );
    expect(saved).toMatchObject({
      provider: "openai",
      baseURL: "https://llm.providers.example/v1",
      model: "tiny",
      keyHint: "••••1234",
    });
    expect(JSON.stringify(saved)).not.toContain("abcdefgh");
    const row = await env.DB.prepare("SELECT ciphertext FROM tenant_secrets WHERE tenant_id = ? AND name = 'openai'")
      .bind(t.tenantId)
      .first<{ ciphertext: string }>();
    expect(row?.ciphertext).not.toContain("abcdefgh");
    expect(await expectJson(call("/api/settings/providers/openai", { token: t.token }), 200)).toMatchObject({
      keyHint: "••••1234",
    });
    expect((await call("/api/settings/providers/openai", { method: "DELETE", token: t.token })).status).toBe(204);
    await expectJson(call("/api/settings/providers/openai", { token: t.token }), 404);
  });

  it("validates, requires auth and the settings permission, and is per tenant", async () => {
    await expectJson(
      call("/api/settings/providers/openai", { method: "PUT", token: t.token, json: { apiKey: "short" } }),
      400,
    );
    await expectJson(
      call("/api/settings/providers/openai", { method: "PUT", json: { apiKey: "sk-test-abcdefghijklmnop1234" } }),
      401,
    );
    const agent = await addMember(t, "agent");
    await expectJson(
      call("/api/settings/providers/openai", {
        method: "PUT",
        token: agent.token,
        json: { apiKey: "sk-test-abcdefghijklmnop1234" },
      }),
      403,
    );
    await expectJson(
      call("/api/settings/providers/openai", {
        method: "PUT",
        token: t.token,
        json: { apiKey: "sk-test-abcdefghijklmnop1234" },
      }),
      200,
    );
    const other = await makeTenant("Other");
    await expectJson(call("/api/settings/providers/openai", { token: other.token }), 404);
    await expectJson(call("/api/settings/providers/openai", { method: "DELETE", token: other.token }), 404);
    await expectJson(call("/api/settings/providers/openai", { token: t.token }), 200);
  });
});

describe("OpenAPI document", () => {
  it("describes the knowledge, ask and provider routes", async () => {
    const doc = await expectJson(call("/api/openapi.json"), 200);
    for (const p of [
      "/api/knowledge/sources",
      "/api/knowledge/sources/{id}",
      "/api/knowledge/search",
      "/api/bots/{id}/ask",
      "/api/settings/providers/openai",
    ]) {
      expect(doc.paths[p], p).toBeDefined();
    }
    expect(Object.keys(doc.paths["/api/knowledge/sources"].post.requestBody.content)).toEqual([
      "application/json",
      "multipart/form-data",
    ]);
  });
});
