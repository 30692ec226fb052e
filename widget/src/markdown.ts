import { h, type ComponentChild } from "preact";

/**
 * A safe markdown subset rendered straight to VNodes: **bold**, *italic* / _italic_, `code`,
 * [links](https://…) and bare https links, "- " / "* " / "1. " lists, paragraphs. Message text only
 * ever becomes text nodes and attribute values, never markup, so HTML in a message shows as text.
 * Links keep only http, https and mailto; anything else (javascript:, data:) renders as plain text.
 */

const INLINE =
  /(\*\*([^*]+)\*\*|__([^_]+)__|`([^`]+)`|\[([^\]]+)\]\(([^)\s]+)\)|\*([^*\s][^*]*)\*|\b_([^_]+)_\b|(https?:\/\/[^\s<)]+[^\s<).,;:!?'"]))/g;

/** True for the link schemes a visitor may be sent to. */
export function isSafeUrl(href: string): boolean {
  return /^(https?:\/\/|mailto:)/i.test(href);
}

function link(text: ComponentChild, href: string) {
  return isSafeUrl(href) ? h("a", { href, target: "_blank", rel: "noopener noreferrer nofollow" }, text) : text;
}

export function inline(text: string): ComponentChild[] {
  const out: ComponentChild[] = [];
  let last = 0;
  for (const m of text.matchAll(INLINE)) {
    if (m.index! > last) out.push(text.slice(last, m.index));
    const [, , b1, b2, code, lt, lh, i1, i2, bare] = m;
    if (b1 ?? b2) out.push(h("strong", null, inline((b1 ?? b2)!)));
    else if (code) out.push(h("code", null, code));
    else if (lt) out.push(link(inline(lt), lh!));
    else if (i1 ?? i2) out.push(h("em", null, inline((i1 ?? i2)!)));
    else if (bare) out.push(link(bare, bare));
    last = m.index! + m[0].length;
  }
  if (last < text.length) out.push(text.slice(last));
  return out;
}

const ITEM = /^\s*(?:[-*•]|(\d+)[.)])\s+(.*)$/;

/** Block level: paragraphs separated by blank lines, consecutive list lines grouped in a list. */
export function markdown(text: string): ComponentChild[] {
  const out: ComponentChild[] = [];
  let para: string[] = [];
  let list: { ordered: boolean; items: string[] } | null = null;
  const flush = () => {
    if (para.length)
      out.push(
        h(
          "p",
          null,
          para.flatMap((l, i) => (i ? [h("br", null), ...inline(l)] : inline(l))),
        ),
      );
    if (list)
      out.push(
        h(
          list.ordered ? "ol" : "ul",
          null,
          list.items.map((t) => h("li", null, inline(t))),
        ),
      );
    para = [];
    list = null;
  };
  for (const line of text.split("\n")) {
    const m = ITEM.exec(line);
    if (m) {
      const ordered = !!m[1];
      if (para.length || (list && list.ordered !== ordered)) flush();
      (list ??= { ordered, items: [] }).items.push(m[2]!);
    } else if (!line.trim()) flush();
    else {
      if (list) flush();
      para.push(line);
    }
  }
  flush();
  return out;
}
