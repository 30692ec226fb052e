/**
 * HTML → the chunker's markdown dialect in one streaming pass of the Workers `HTMLRewriter`
 * (lol-html: a tokenizer, no tree, no backtracking), so the work is linear in the page size.
 * It replaces lazy regexes such as `<li[^>]*>([\s\S]*?)<\/li>` that rescanned to the end of the page
 * for every unclosed tag: an 800 KB page of unclosed `<li>`s held one tenant's queue batch, and every
 * other tenant's ingestion and `/health` with it, for ~30 s (issue 13, item 6).
 * lol-html bounds its open-element stack (~16K elements, "memory limit has been exceeded"); a page
 * past it (thousands of never-closed tags, as in that attack) is read by `plainHtmlText`, a linear
 * tag stripper that keeps block breaks but not headings, lists or tables.
 */

/** Elements whose content is not page text. */
const SKIPPED = new Set([
  "script",
  "style",
  "noscript",
  "template",
  "svg",
  "head",
  "nav",
  "footer",
  "iframe",
  "object",
]);
/** Elements whose end starts a new block. */
const BLOCKS = new Set(["p", "div", "section", "article", "table", "ul", "ol", "blockquote", "pre", "main", "header"]);
/** Elements that never have an end tag (onEndTag would throw). */
const VOID = new Set([
  "area",
  "base",
  "br",
  "col",
  "embed",
  "hr",
  "img",
  "input",
  "link",
  "meta",
  "source",
  "track",
  "wbr",
]);

/** Work done by one extraction: parser callbacks, for tests that check the work grows linearly. */
export type HtmlStats = { events: number };

export type HtmlText = { text: string; title?: string };

export async function htmlToText(html: string, stats: HtmlStats = { events: 0 }): Promise<HtmlText> {
  const out: string[] = [];
  let skip = 0; // open SKIPPED elements
  let inline = 0; // open headings, list items and cells: their text stays on one line
  let cells = 0; // cells so far in the open table row
  let inTitle = false;
  let title = "";
  const onEnd = (el: Element, f: () => void) => {
    try {
      el.onEndTag(() => {
        stats.events++;
        f();
      });
    } catch {
      f(); // an element without an end tag closes at once
    }
  };

  const rewriter = new HTMLRewriter()
    .on("*", {
      element(el) {
        stats.events++;
        const tag = el.tagName.toLowerCase();
        if (tag === "title" && !title) {
          inTitle = true;
          return onEnd(el, () => (inTitle = false));
        }
        if (tag === "body") skip = 0; // an unclosed <head> (legal HTML) must not hide the page
        if (SKIPPED.has(tag)) {
          skip++;
          return onEnd(el, () => (skip = Math.max(0, skip - 1)));
        }
        if (skip > 0 || VOID.has(tag)) {
          if (tag === "br" && skip === 0) out.push(inline ? " " : "\n");
          else if (skip === 0) out.push(" ");
          return;
        }
        const heading = /^h([1-6])$/.exec(tag);
        if (heading) {
          out.push(`\n\n${"#".repeat(Number(heading[1]))} `);
          inline++;
          return onEnd(el, () => (inline--, out.push("\n\n")));
        }
        if (tag === "li") {
          out.push("\n- ");
          inline++;
          return onEnd(el, () => (inline--, out.push("\n")));
        }
        if (tag === "tr") {
          out.push("\n| ");
          cells = 0;
          return onEnd(el, () => out.push(" |\n"));
        }
        if (tag === "td" || tag === "th") {
          if (cells++ > 0) out.push(" | ");
          inline++;
          return onEnd(el, () => inline--);
        }
        out.push(" ");
        onEnd(el, () => out.push(BLOCKS.has(tag) ? "\n\n" : " "));
      },
    })
    .onDocument({
      text(t) {
        stats.events++;
        if (inTitle) title += t.text;
        else if (skip === 0 && t.text) out.push(inline ? t.text.replace(/\s+/g, " ") : t.text);
      },
    });

  try {
    // consuming the transformed body drives the handlers
    await rewriter
      .transform(new Response(html, { headers: { "content-type": "text/html; charset=utf-8" } }))
      .arrayBuffer();
  } catch (err) {
    if (!/memory limit/i.test(String(err))) throw err;
    const text = tidy(decodeEntities(plainHtmlText(html, stats)));
    return { text, title: tidyLine(decodeEntities(title)) || undefined };
  }

  const text = tidy(decodeEntities(out.join("")));
  const t = tidyLine(decodeEntities(title));
  return { text, title: t || firstHeading(text) };
}

const RAW_TEXT = ["script", "style", "noscript", "template", "textarea", "title", "svg"];

/**
 * The fallback reader: one left-to-right pass with `indexOf` (linear), dropping tags, comments and
 * raw-text elements (script, style…: skipped to their end tag), a block break at block tags.
 */
export function plainHtmlText(html: string, stats: HtmlStats = { events: 0 }): string {
  const lower = html.toLowerCase();
  const out: string[] = [];
  let i = 0;
  while (i < html.length) {
    stats.events++;
    const lt = html.indexOf("<", i);
    out.push(html.slice(i, lt < 0 ? html.length : lt));
    if (lt < 0) break;
    if (lower.startsWith("<!--", lt)) {
      const end = html.indexOf("-->", lt + 4);
      i = end < 0 ? html.length : end + 3;
      continue;
    }
    const gt = html.indexOf(">", lt);
    if (gt < 0) break;
    const name = /^\/?([a-z][a-z0-9-]*)/.exec(lower.slice(lt + 1, Math.min(gt, lt + 40)))?.[1] ?? "";
    i = gt + 1;
    if (RAW_TEXT.includes(name) && lower[lt + 1] !== "/") {
      const end = lower.indexOf(`</${name}`, i);
      i = end < 0 ? html.length : end;
      continue;
    }
    out.push(BLOCKS.has(name) || name === "br" || name === "li" || name === "tr" || /^h[1-6]$/.test(name) ? "\n" : " ");
  }
  return out.join("");
}

function tidyLine(l: string): string {
  return l.replace(/[ \t\u00a0\r\n]+/g, " ").trim();
}

function tidy(s: string): string {
  return s
    .split("\n")
    .map((l) => l.replace(/[ \t\u00a0\r]+/g, " ").trim())
    .join("\n")
    .replace(/\n{3,}/g, "\n\n")
    .trim();
}

function firstHeading(text: string): string | undefined {
  for (const line of text.split("\n")) if (line.startsWith("# ")) return line.slice(2).trim() || undefined;
  return undefined;
}

const ENTITIES: Record<string, string> = {
  amp: "&",
  lt: "<",
  gt: ">",
  quot: '"',
  apos: "'",
  nbsp: " ",
  mdash: "—",
  ndash: "–",
  hellip: "…",
  rsquo: "’",
  lsquo: "‘",
  rdquo: "”",
  ldquo: "“",
  euro: "€",
  copy: "©",
};

/** Named and numeric character references; one left-to-right pass (each `&` scans at most 32 characters). */
export function decodeEntities(s: string): string {
  return s.replace(/&(#x[0-9a-f]{1,6}|#\d{1,7}|[a-z]{1,31});/gi, (m, e: string) => {
    if (e[0] === "#") {
      const code = e[1] === "x" || e[1] === "X" ? parseInt(e.slice(2), 16) : parseInt(e.slice(1), 10);
      return Number.isFinite(code) && code > 0 && code < 0x110000 ? String.fromCodePoint(code) : m;
    }
    return ENTITIES[e.toLowerCase()] ?? m;
  });
}
