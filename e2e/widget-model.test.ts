// Unit tests of the widget's pure parts (model reducer, markdown subset), run in Node by the
// "browser" project: no DOM needed, milliseconds each.
import { describe, expect, it } from "vitest";
import { createModel } from "../widget/src/model";
import { markdown, inline, isSafeUrl } from "../widget/src/markdown";
import { pickLang, stringsFor, K } from "../widget/src/i18n";
import type { MsgFrame } from "../widget/src/protocol";

const msg = (
  seq: number,
  id: string,
  role: MsgFrame["role"],
  text: string,
  extra: Partial<MsgFrame> = {},
): MsgFrame => ({ type: "msg", seq, id, role, text, at: "2026-11-22T00:00:00Z", ...extra });
const texts = (m: ReturnType<typeof createModel>) => m.items.value.map((i) => `${i.role}:${i.text.value}`);

describe("widget model", () => {
  it("shows a sent message at once and turns the echo with its cid into the acknowledgement", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    const it = m.addLocal("c1", "hello");
    expect(it.pending.value).toBe(true);
    m.apply(msg(1, "msg_1", "visitor", "hello", { cid: "c1" }));
    expect(texts(m)).toEqual(["visitor:hello"]);
    expect(it.pending.value).toBe(false);
    expect(it.seq).toBe(1);
    expect(m.lastSeq()).toBe(1);
  });

  it("marks our own message as not sent when the server refuses it, and ignores refusals of other ids", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    const refused = m.addLocal("c1", "hello?");
    const other = m.addLocal("c2", "second");
    m.apply({ type: "error", code: "CONVERSATION_CLOSED", message: "closed", cid: "c1" });
    expect(refused.pending.value).toBe(false);
    expect(refused.progress?.value).toBe(-2);
    expect(m.typing.value).toBeNull();
    m.apply({ type: "error", code: "INVALID_FRAME", message: "bad", cid: "nope" });
    m.apply({ type: "error", code: "INVALID_JSON", message: "bad" });
    expect(other.pending.value).toBe(true);
    expect(other.progress).toBeUndefined();
  });

  it("never shows a message twice when a replay after reconnect repeats it", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    m.addLocal("c1", "q1");
    m.apply(msg(1, "msg_1", "visitor", "q1", { cid: "c1" }));
    m.apply(msg(2, "msg_2", "ai", "a1"));
    // reconnect: hello lastSeq was 1 but the server replays both (and the resent cid echo again)
    m.apply({ type: "ready", conversationId: "conv_1", seq: 2, mode: "ai" });
    m.apply(msg(1, "msg_1", "visitor", "q1", { cid: "c1" }));
    m.apply(msg(2, "msg_2", "ai", "a1"));
    expect(texts(m)).toEqual(["visitor:q1", "ai:a1"]);
  });

  it("streams deltas into one item and replaces them with the final text and sources", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    m.apply({ type: "delta", id: "msg_9", text: "Sync " });
    m.apply({ type: "delta", id: "msg_9", text: "works" });
    const item = m.items.value[0]!;
    expect(item.done.value).toBe(false);
    expect(item.text.value).toBe("Sync works");
    m.apply(
      msg(3, "msg_9", "ai", "Sync works offline.", {
        sources: [{ sourceId: "s1", title: "Sync guide", url: null, snippet: "…" }],
      }),
    );
    expect(m.items.value).toHaveLength(1);
    expect(item.done.value).toBe(true);
    expect(item.text.value).toBe("Sync works offline.");
    expect(item.sources.value.map((s) => s.title)).toEqual(["Sync guide"]);
  });

  it("keeps sequence order when frames arrive out of order and pending messages last", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 0, mode: "ai" });
    m.addLocal("c9", "still sending");
    m.apply(msg(3, "msg_3", "ai", "three"));
    m.apply(msg(1, "msg_1", "visitor", "one"));
    m.apply(msg(2, "msg_2", "ai", "two"));
    expect(texts(m)).toEqual(["visitor:one", "ai:two", "ai:three", "visitor:still sending"]);
  });

  it("counts unread only for new non-visitor messages while closed, not for history", () => {
    const m = createModel();
    m.apply({ type: "ready", conversationId: "conv_1", seq: 2, mode: "ai" });
    m.apply(msg(1, "msg_1", "visitor", "old"));
    m.apply(msg(2, "msg_2", "ai", "old answer"));
    expect(m.unread.value).toBe(0);
    m.apply(msg(3, "msg_3", "agent", "Hi, Sam here"));
    expect(m.unread.value).toBe(1);
    const seen: string[] = [];
    m.on((x) => seen.push(x.text));
    m.apply(msg(4, "msg_4", "agent", "Still there?"));
    expect(seen).toEqual(["Still there?"]);
  });

  it("ignores malformed frames", () => {
    const m = createModel();
    m.apply({ type: "msg", seq: "x", id: 5, role: "ai", text: null } as unknown as MsgFrame);
    m.apply({ type: "delta", id: 3, text: {} } as never);
    expect(m.items.value).toHaveLength(0);
  });
});

type VNodeLike = { type: unknown; props: { children?: unknown; href?: string } };
const isVNode = (x: unknown): x is VNodeLike => typeof x === "object" && x !== null && "props" in x;
const collect = (nodes: unknown, out: VNodeLike[] = []): VNodeLike[] => {
  for (const n of [nodes].flat(Infinity)) {
    if (!isVNode(n)) continue;
    out.push(n);
    collect(n.props.children, out);
  }
  return out;
};
const textOf = (nodes: unknown): string =>
  [nodes]
    .flat(Infinity)
    .map((n) => (isVNode(n) ? textOf(n.props.children) : n == null || typeof n === "boolean" ? "" : String(n)))
    .join("");

describe("markdown subset", () => {
  it("builds bold, italics, code, lists and safe links as elements", () => {
    const out = collect(
      markdown(
        "Use **Sync** and *offline* mode with `nn sync`:\n- one\n- two\n\n1. first\nSee [docs](https://nimbus.example/help).",
      ),
    );
    const types = out.map((n) => n.type);
    expect(types).toEqual(expect.arrayContaining(["p", "strong", "em", "code", "ul", "li", "ol", "a"]));
    expect(out.find((n) => n.type === "a")?.props.href).toBe("https://nimbus.example/help");
  });

  it("keeps HTML as text and drops unsafe link schemes", () => {
    const src =
      "<img src=x onerror=alert(1)> [click](javascript:alert(1)) [x](data:text/html,hi) <script>alert(2)</script>";
    const nodes = markdown(src);
    const els = collect(nodes);
    expect(els.some((n) => n.type === "a" || n.type === "img" || n.type === "script")).toBe(false);
    expect(textOf(nodes)).toContain("<img src=x onerror=alert(1)>");
    expect(textOf(nodes)).toContain("<script>alert(2)</script>");
    expect(isSafeUrl("mailto:help@nimbus.example")).toBe(true);
    expect(isSafeUrl("JAVASCRIPT:alert(1)")).toBe(false);
    expect(collect(inline("mail [us](mailto:help@nimbus.example)"))[0]?.type).toBe("a");
  });
});

describe("strings", () => {
  it("has every string in all five languages and picks from the candidates", async () => {
    // English carries only the main strings (its form strings live in the lazy chunk); the others
    // carry main + form strings, the same number each
    expect(Object.keys(await stringsFor("en"))).toHaveLength(K.extras);
    const lengths = new Set<number>();
    for (const l of ["es", "fr", "de", "pt"]) {
      const t = (await stringsFor(l)) as unknown as string[];
      lengths.add(t.length);
      expect(
        t.every((x) => x.trim().length > 0),
        l,
      ).toBe(true);
    }
    expect([...lengths]).toEqual([K.extras + 10]);
    expect(pickLang(undefined, "auto", "pt-BR")).toBe("pt");
    expect(pickLang("de", "fr")).toBe("de");
    expect(pickLang("ja", "zz")).toBe("en");
    expect((await stringsFor("es"))[K.human]).toBe("Hablar con una persona");
  });
});
