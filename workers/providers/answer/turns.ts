import type { ChatMessage } from "./prompt";

/**
 * The already-built chat messages (./prompt.ts) in the shape of APIs that take the system prompt
 * apart and want turns that alternate, opening with the user (Anthropic Messages, Gemini
 * `contents`): system messages joined, a leading assistant turn dropped, consecutive turns of one
 * role merged. The wording is the prompt builder's, untouched.
 */
export function splitSystem(messages: ChatMessage[]): {
  system: string;
  turns: { role: "user" | "assistant"; content: string }[];
} {
  const system = messages
    .filter((m) => m.role === "system")
    .map((m) => m.content)
    .join("\n\n");
  const turns: { role: "user" | "assistant"; content: string }[] = [];
  for (const m of messages) {
    if (m.role === "system") continue;
    if (turns.length === 0 && m.role === "assistant") continue;
    const last = turns.at(-1);
    if (last && last.role === m.role) last.content += `\n\n${m.content}`;
    else turns.push({ role: m.role, content: m.content });
  }
  return { system, turns };
}
