/**
 * The one-paragraph call summary an operator reads on hand-off and after the call, built from the
 * transcript without a model (the embedded default): who called, what they asked first, what they
 * said last, how the assistant answered, and why the call moved to a person.
 */
export const MAX_SUMMARY = 800;

type Line = { role: string; text: string };

const clip = (s: string, n: number) => {
  const t = s.replace(/\s+/g, " ").trim();
  return t.length <= n ? t : `${t.slice(0, n - 1).replace(/\s+\S*$/, "")}…`;
};

export function summarizeCall(lines: Line[], opts: { reason?: string | null; from?: string | null } = {}): string {
  const caller = lines.filter((l) => l.role === "visitor" || l.role === "user" || l.role === "caller");
  const ai = lines.filter((l) => l.role === "ai" || l.role === "assistant" || l.role === "bot" || l.role === "agent");
  const who = opts.from ? `The caller (${opts.from})` : "The caller";
  const parts: string[] = [];
  if (caller.length === 0) parts.push(`${who} said nothing the assistant could transcribe.`);
  else {
    parts.push(`${who} asked: "${clip(caller[0]!.text, 160)}".`);
    if (caller.length > 1) parts.push(`Last they said: "${clip(caller.at(-1)!.text, 160)}".`);
  }
  if (ai.length)
    parts.push(
      `The assistant answered ${ai.length} time${ai.length === 1 ? "" : "s"}, last with: "${clip(ai.at(-1)!.text, 160)}".`,
    );
  if (opts.reason) parts.push(`Handed to a person because of ${opts.reason.replace(/_/g, " ")}.`);
  parts.push(`${caller.length} caller turn${caller.length === 1 ? "" : "s"} in total.`);
  return clip(parts.join(" "), MAX_SUMMARY);
}
