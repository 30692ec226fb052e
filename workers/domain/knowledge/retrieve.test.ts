import { env } from "cloudflare:test";
import { beforeAll, describe, expect, it } from "vitest";
import { requestCtx } from "../../compose";
import { d1VectorIndex } from "../../providers/embeddings/d1-index";
import type { Embedder } from "../../providers/embeddings/port";
import { call, eventually, expectJson, makeTenant, type TestTenant } from "../../test/fixtures";
import type { AnswerCtx } from "./answer-types";
import { mulberry32 } from "../../lib/prng.mjs";
import { passageTerms, stem, stemSet } from "../../providers/text";
import {
  bigramCoverage,
  bySource,
  coverageOf,
  ftsTermsOf,
  fuse,
  type RankedChunk,
  rerank,
  retrieve,
  uncoveredFocus,
  properNames,
  RETRIEVAL_TUNING,
} from "./retrieve";

const chunk = (seq: number, sourceId: string, title: string, score: number): RankedChunk => ({
  seq,
  chunkId: `chk_${seq}`,
  sourceId,
  heading: "",
  text: "",
  terms: null,
  title,
  url: null,
  externalId: null,
  bm25: -score,
  score,
  coverage: 0,
});

describe("uncoveredFocus: the words at the heart of a question that the knowledge never uses", () => {
  // weights as retrieval gives them: a word the knowledge never uses (df 0) has the largest IDF
  const weigh = (q: Record<string, [number, number]>) => ({
    terms: Object.entries(q).map(([term, [weight]]) => ({ term, weight })),
    df: Object.values(q).map(([, df]) => df),
  });
  const focus = (question: string, q: Record<string, [number, number]>) => {
    const { terms, df } = weigh(q);
    return uncoveredFocus(question, terms, df);
  };

  it("names an unknown object or subject that holds a real share of the question", () => {
    expect(
      focus("Can Nimbus Notes send faxes?", { nimbus: [1, 30], notes: [1, 30], send: [2.8, 3], faxes: [4.8, 0] }),
    ).toEqual(["faxes"]);
    expect(focus("Is there a dark mode?", { dark: [4.8, 0], mode: [3, 2] })).toEqual(["dark mode"]);
    expect(
      focus("What is the keyboard shortcut to open the clipper?", {
        keyboard: [4.8, 0],
        shortcut: [4.8, 0],
        open: [2, 3],
        clipper: [3, 2],
      }),
    ).toEqual(["keyboard shortcut"]);
    expect(focus("Where are your data centers, and where is my data?", { data: [2, 5], centers: [4.8, 0] })).toEqual([
      "centers",
    ]);
  });

  it("leaves out details in a prepositional phrase, likely verbs, times and degrees, and contraction stubs", () => {
    expect(
      focus("How do I share a notebook with a colleague?", { share: [2, 4], notebook: [2, 6], colleague: [4.8, 0] }),
    ).toEqual([]);
    expect(focus("How do I switch off two-factor?", { switch: [4.8, 0], two: [2, 3], factor: [2, 3] })).toEqual([]);
    expect(
      focus("Can I restore a note deleted last week?", {
        restore: [3, 2],
        note: [1, 20],
        deleted: [2, 4],
        last: [4.8, 0],
        week: [4.8, 0],
      }),
    ).toEqual([]);
    expect(focus("What's the biggest file on Free?", { biggest: [4.8, 0], file: [2, 4], free: [2, 5] })).toEqual([]);
    expect(focus("Why doesn't sync start?", { doesn: [4.8, 0], sync: [2, 4], start: [2, 3] })).toEqual([]);
  });

  it("counts the object of availability and integration words: there the phrase is the subject", () => {
    expect(
      focus("is nimbus available on chromebook", { nimbus: [1, 30], available: [2, 4], chromebook: [4.8, 0] }),
    ).toEqual(["chromebook"]);
    expect(
      focus("Does Nimbus integrate with Slack?", { nimbus: [1, 30], integrate: [4.8, 0], slack: [4.8, 0] }),
    ).toEqual(["integrate", "slack"]);
    expect(
      focus("Can I send notes to my Kindle?", { send: [2.8, 3], notes: [1, 30], my: [0.5, 40], kindle: [4.8, 0] }),
    ).toEqual(["kindle"]);
    // a detail stays a detail after other words, and after "between"
    expect(
      focus("How do I share a notebook with a colleague?", { share: [2, 4], notebook: [2, 6], colleague: [4.8, 0] }),
    ).toEqual([]);
    expect(
      focus("do my notes sync between devices at work", {
        notes: [1, 30],
        sync: [2, 4],
        devices: [2, 3],
        work: [4.8, 0],
      }),
    ).toEqual([]);
  });

  it("names a product the knowledge never mentions even when each of its words is known", () => {
    // "Windows" and "phone" are both in the help centre; "Windows Phone" is not (phrase count 0)
    expect(
      uncoveredFocus(
        "Is there a Nimbus Notes app for Windows Phone?",
        [
          { term: "nimbus", weight: 1 },
          { term: "notes", weight: 1 },
          { term: "app", weight: 2 },
          { term: "windows", weight: 3 },
          { term: "phone", weight: 2.5 },
        ],
        [30, 30, 6, 2, 4],
        [["windows", "phone"]],
      ),
    ).toEqual(["windows phone"]);
    // a name inside a detail (a person to share with) is not the subject
    expect(
      uncoveredFocus(
        "How do I share a notebook with Anna Schmidt?",
        [
          { term: "share", weight: 2 },
          { term: "notebook", weight: 2 },
          { term: "anna", weight: 4.8 },
          { term: "schmidt", weight: 4.8 },
        ],
        [4, 6, 0, 0],
        [["anna", "schmidt"]],
      ),
    ).toEqual([]);
  });

  it("finds names: capitalised runs of two or more words, not a sentence's first word, not Title Case", () => {
    expect(properNames("Can I pay with Apple Pay?")).toEqual([["apple", "pay"]]);
    expect(properNames("Does Nimbus work with Google Calendar or Microsoft Teams?")).toEqual([
      ["google", "calendar"],
      ["microsoft", "teams"],
    ]);
    expect(properNames("Nimbus Notes keeps crashing")).toEqual([]);
    expect(properNames("How Do I Export My Notes To Evernote")).toEqual([]);
    expect(properNames("WHY IS MY ACCOUNT LOCKED")).toEqual([]);
    expect(properNames("is the Pro plan worth it")).toEqual([]);
  });

  it("needs a third of the question's weight, and English", () => {
    expect(
      focus("How are seats billed when I add a member mid-month?", {
        seats: [3, 2],
        billed: [3, 2],
        add: [2, 4],
        member: [2, 4],
        mid: [3.5, 0],
        month: [2, 5],
      }),
    ).toEqual([]);
    expect(
      focus("¿Cuánto cuesta el plan Pro?", { cuanto: [4.8, 0], cuesta: [4.8, 0], plan: [1, 10], pro: [1, 10] }),
    ).toEqual([]);
    expect(focus("How do I export?", { export: [2, 3] })).toEqual([]);
  });
});

describe("ranking helpers", () => {
  it("fuses two rankings by reciprocal rank", () => {
    const a = [chunk(1, "d1", "A", 1), chunk(2, "d2", "B", 0.9), chunk(3, "d3", "C", 0.8)];
    const b = [chunk(2, "d2", "B", 0), chunk(3, "d3", "C", 0)];
    expect(fuse(a, b).map((c) => c.seq)).toEqual([2, 3, 1]);
  });

  it("lists each source once and demotes repeats of one title", () => {
    const ranked = bySource(
      [
        chunk(1, "d1", "Same", 1),
        chunk(2, "d1", "Same", 0.99),
        chunk(3, "d2", "Same", 0.98),
        chunk(4, "d3", "Other", 0.9),
      ],
      0.8,
    );
    expect(ranked.map((s) => s.sourceId)).toEqual(["d1", "d3", "d2"]);
  });

  it("counts question word pairs found next to each other", () => {
    const terms = [
      { term: "export", weight: 1 },
      { term: "notebooks", weight: 1 },
      { term: "pdf", weight: 1 },
    ];
    expect(bigramCoverage("You can export a notebook as PDF", terms)).toBe(1);
    expect(bigramCoverage("Export notebooks and other files as PDF", terms)).toBe(0.5);
    expect(bigramCoverage("PDF notebook export", terms)).toBe(0);
  });

  it("weighs coverage by IDF and accepts synonyms", () => {
    expect(
      coverageOf("Refunds take 5 days", [
        { term: "refund", weight: 3 },
        { term: "days", weight: 1 },
      ]),
    ).toBe(1);
    expect(
      coverageOf("Refunds take 5 days", [
        { term: "refund", weight: 3 },
        { term: "bitcoin", weight: 5 },
      ]),
    ).toBeCloseTo(3 / 8);
    expect(coverageOf("Our response time is one day", [{ term: "reply", weight: 1, alts: ["response"] }])).toBe(1);
  });

  it("ranks chunks the same from word lists prepared at ingest as from their text", () => {
    const terms = [
      { term: "exporting", weight: 2 },
      { term: "notebooks", weight: 1.5, alts: ["download"] },
      { term: "pdf", weight: 3 },
      { term: "using", weight: 0.5 },
    ];
    const hits = [
      ["Export", "Notebooks", "You can export a notebook as PDF, using the Share menu."],
      ["Billing", "Invoices", "Download invoices as PDF files. Using exports is easy; notebook sharing too."],
      ["Café à la carte", "", "Crème brûlée: the users' favourite PDFs; back-up every day."],
    ].map(([title, heading, text], i) => ({
      seq: i + 1,
      chunkId: `chk_${i}`,
      sourceId: `src_${i}`,
      heading: heading!,
      text: text!,
      title: title!,
      url: null,
      externalId: null,
      bm25: -3 + i,
    }));
    const fromText = rerank(
      hits.map((h) => ({ ...h, terms: null })),
      terms,
    );
    const prepared = rerank(
      hits.map((h) => ({ ...h, terms: passageTerms(`${h.heading} ${h.text}`).join(" ") })),
      terms,
    );
    expect(prepared.map((c) => [c.seq, c.score, c.coverage])).toEqual(
      fromText.map((c) => [c.seq, c.score, c.coverage]),
    );
    // and the prepared list carries what both views need: every stem, stopwords marked
    expect(passageTerms("Using the notebooks")).toEqual(["~using", "~the", "notebook"]);
    expect(new Set(passageTerms("Using the notebooks").map((w) => w.replace(/^~/, "")))).toEqual(
      stemSet("Using the notebooks"),
    );
  });

  it("scores coverage and adjacent pairs as a word-by-word reading would, on random word lists", () => {
    // the reference: the rerank's rules read word by word (a question term is found when its stem,
    // a synonym's or a derived stem appears plainly or as a stopword entry; a pair counts when its two
    // stems follow each other with only stopword entries between, across title and body)
    const rand = mulberry32(7);
    const pick = <T>(a: T[]) => a[Math.floor(rand() * a.length)]!;
    const vocab = ["export", "notebook", "pdf", "share", "plan", "sync", "phone", "day", "bill", "team"];
    const entryOf = () => (rand() < 0.25 ? `~${pick(vocab)}` : pick([...vocab, "xyz", "qq"]));
    for (let round = 0; round < 2000; round++) {
      const n = 1 + Math.floor(rand() * 4);
      const terms = Array.from({ length: n }, () => ({
        term: pick(vocab),
        weight: 0.5 + Math.floor(rand() * 4),
        ...(rand() < 0.3 ? { alts: [pick(vocab)] } : {}),
      }));
      const title = Array.from({ length: Math.floor(rand() * 3) }, () => pick(vocab)).join(" ");
      const body = Array.from({ length: Math.floor(rand() * 12) }, entryOf);
      const [hit] = rerank(
        [
          {
            seq: 1,
            chunkId: "chk_1",
            sourceId: "src_1",
            heading: "",
            text: "",
            title,
            url: null,
            externalId: null,
            terms: body.join(" "),
            bm25: -1,
          },
        ],
        terms,
      );
      const words = [...passageTerms(title), ...body];
      const has = (t: (typeof terms)[number]) =>
        [t.term, ...(t.alts ?? [])].some((w) => words.includes(stem(w)) || words.includes(`~${stem(w)}`));
      const total = terms.reduce((a, t) => a + t.weight, 0);
      const coverage = terms.reduce((a, t) => a + (has(t) ? t.weight : 0), 0) / total;
      const plain = words.filter((w) => !w.startsWith("~"));
      const adjacent = new Set(plain.slice(1).map((w, i) => `${plain[i]} ${w}`));
      const pairs = terms.slice(1).map((t, i) => `${stem(terms[i]!.term)} ${stem(t.term)}`);
      const bigrams = pairs.length ? pairs.filter((p) => adjacent.has(p)).length / pairs.length : 0;
      const titleWords = passageTerms(title);
      const titleCoverage =
        terms.reduce(
          (a, t) =>
            a +
            ([t.term, ...(t.alts ?? [])].some((w) => titleWords.includes(stem(w)) || titleWords.includes(`~${stem(w)}`))
              ? t.weight
              : 0),
          0,
        ) / total;
      const { mix } = RETRIEVAL_TUNING;
      expect(hit!.coverage).toBeCloseTo(coverage, 12);
      expect(hit!.score).toBeCloseTo(
        mix.bm25 + mix.coverage * coverage + mix.titleCoverage * titleCoverage + mix.bigrams * bigrams,
        12,
      );
    }
  });

  it("puts the selective question words in the FTS query and leaves very common ones out", () => {
    // 1,000 chunks: a word in 600 is common (over half), 300, 40 and 5 are selective, 0 unknown
    expect(ftsTermsOf([600, 40, 0, 300, 5], 1000)).toEqual([1, 3, 4]);
    // every word common: the two rarest
    expect(ftsTermsOf([600, 900, 700], 1000)).toEqual([0, 2]);
    // at most twelve, the most selective first
    expect(ftsTermsOf([14, 13, 12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1], 1000)).toEqual([
      2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13,
    ]);
    expect(ftsTermsOf([0, 0], 1000)).toEqual([]);
  });
});

/** A fake embedder: words of one concept share a dimension, so "automobile" lands near "car". */
const CONCEPTS: Record<string, number> = { car: 0, automobile: 0, vehicle: 0, invoice: 1, bill: 1, receipt: 1 };
const fakeEmbedder: Embedder = {
  name: "fake",
  async embed(texts) {
    return texts.map((t) => {
      const v = new Float32Array(16);
      for (const w of t.toLowerCase().match(/[a-z]+/g) ?? []) {
        const dim = CONCEPTS[w] ?? 2 + (w.length % 14);
        v[dim]! += CONCEPTS[w] !== undefined ? 5 : 0.1;
      }
      return v;
    });
  },
};

describe("retrieve with a vector side (fake embedder, D1 vector table)", () => {
  let t: TestTenant;
  let ctx: AnswerCtx;
  let carDoc: string;
  beforeAll(async () => {
    t = await makeTenant("Vectors");
    const car = await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: t.token,
        json: { type: "text", title: "Parking", text: "Your car can stay in the garage overnight." },
      }),
      202,
    );
    const other = await expectJson(
      call("/api/knowledge/sources", {
        method: "POST",
        token: t.token,
        json: { type: "text", title: "Billing", text: "Each invoice is sent on the first day of the month." },
      }),
      202,
    );
    carDoc = car.id;
    for (const id of [car.id, other.id])
      await eventually(
        () => expectJson(call(`/api/knowledge/sources/${id}`, { token: t.token }), 200),
        (s) => s.status === "ready",
        30_000,
      );
    ctx = { ...requestCtx(env, "req_test", "http://echo.test"), tenantId: t.tenantId };
    const index = d1VectorIndex(ctx.repos);
    for (const id of [car.id, other.id]) {
      const rows = await ctx.repos.knowledge.chunkSeqs(t.tenantId, id);
      const vecs = await fakeEmbedder.embed(rows.map((r) => r.text));
      await index.upsert(
        t.tenantId,
        rows.map((r, i) => ({ seq: r.seq, sourceId: id, vector: vecs[i]! })),
      );
    }
  }, 60_000);

  it("finds a passage lexical search cannot, and only with the vector side selected", async () => {
    const lexical = await retrieve(ctx, { question: "automobile" });
    expect(lexical.sources).toEqual([]);
    const hybrid = await retrieve(ctx, {
      question: "automobile",
      vector: { embedder: fakeEmbedder, index: d1VectorIndex(ctx.repos) },
    });
    expect(hybrid.sources[0]?.sourceId).toBe(carDoc);
  });

  it("uses the tenant's providers when a caller names no vector side (Vapi's knowledge request named none)", async () => {
    const providers = {
      ...ctx.providers,
      retrieval: () => ({ embedder: fakeEmbedder, index: d1VectorIndex(ctx.repos) }),
    };
    const viaCtx = await retrieve({ ...ctx, providers }, { question: "automobile" });
    expect(viaCtx.sources[0]?.sourceId).toBe(carDoc);
    const lexicalOnly = await retrieve({ ...ctx, providers }, { question: "automobile", vector: null });
    expect(lexicalOnly.sources).toEqual([]);
  });

  it("keeps lexical hits first when both sides agree, and never returns another tenant's vectors", async () => {
    const r = await retrieve(ctx, {
      question: "where can my car stay overnight",
      vector: { embedder: fakeEmbedder, index: d1VectorIndex(ctx.repos) },
    });
    expect(r.sources[0]?.sourceId).toBe(carDoc);
    const stranger = await makeTenant("NoVectors");
    const other = await retrieve(
      { ...ctx, tenantId: stranger.tenantId },
      { question: "automobile", vector: { embedder: fakeEmbedder, index: d1VectorIndex(ctx.repos) } },
    );
    expect(other.sources).toEqual([]);
  });
});
