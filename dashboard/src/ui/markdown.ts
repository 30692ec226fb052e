/**
 * One rendering of message text everywhere (issue 22): the dashboard uses the widget's safe
 * Markdown subset (widget/src/markdown.ts: bold, italic, code, safe links, lists, paragraphs; text
 * only ever becomes text nodes), and lists show previews with the markup stripped.
 */
import { markdown } from "../../../widget/src/markdown";

export { markdown };

/** A one-line preview of Markdown text: markers removed, links reduced to their text. */
export function stripMarkdown(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\(([^)\s]+)\)/g, "$1")
    .replace(/\*\*([^*]+)\*\*|__([^_]+)__/g, "$1$2")
    .replace(/`([^`]+)`/g, "$1")
    .replace(/\*([^*\s][^*]*)\*/g, "$1")
    .replace(/\b_([^_]+)_\b/g, "$1")
    .replace(/^\s*(?:[-*•]|\d+[.)])\s+/gm, "")
    .replace(/\s+/g, " ")
    .trim();
}
