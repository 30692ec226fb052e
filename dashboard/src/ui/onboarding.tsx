/**
 * "Get started" on the inbox for whoever sets the workspace up (bots:write): the steps from signup
 * to a live widget, each ticked from what the workspace holds (knowledge, conversations, members),
 * with the embed snippet and a link to the demo page for the workspace's own bot. Hidden for good
 * once dismissed (per workspace, in this browser).
 */
import { signal } from "@preact/signals";
import { useEffect } from "preact/hooks";
import { api } from "../api";
import { embedSnippet } from "../models/embed";
import * as inbox from "../models/inbox";
import { can, session } from "../models/session";
import { CopyButton } from "./kit";

const hiddenKey = () => `echo:onboarding-hidden:${session.value?.tenant.id ?? ""}`;
const hidden = signal<boolean | null>(null);
const copiedKey = () => `echo:onboarding-copied:${session.value?.tenant.id ?? ""}`;
/** The snippet was copied from here or the Bots screen: the one step the API cannot see. */
const copied = signal(false);
/** What the checklist reads from the API (null while unknown or not readable by this role). */
const counts = signal<{ knowledge: number | null; members: number | null }>({ knowledge: null, members: null });

/** How many rows a list holds, or null when this role may not read it or the call failed. */
const countOf = (allowed: boolean, list: () => Promise<{ data: unknown[] }>) =>
  allowed
    ? list().then(
        (p) => p.data.length,
        () => null,
      )
    : Promise.resolve(null);

async function loadCounts() {
  const [knowledge, members] = await Promise.all([
    countOf(can("knowledge:read"), () => api.knowledge.list()),
    countOf(can("team:read"), () => api.team.members()),
  ]);
  counts.value = { knowledge, members };
}

export function Onboarding() {
  const allowed = can("bots:write");
  useEffect(() => {
    if (!allowed) return;
    hidden.value = localStorage.getItem(hiddenKey()) === "1";
    copied.value = localStorage.getItem(copiedKey()) === "1";
    if (!hidden.value) void loadCounts();
  }, [allowed, session.value?.tenant.id]);
  if (!allowed || hidden.value !== false) return null;
  const bot = inbox.bots.value[0];
  const { knowledge, members } = counts.value;
  const steps: { done: boolean; title: string; body: preact.ComponentChildren }[] = [
    {
      done: !!bot,
      title: bot ? `Your assistant “${bot.name}” is ready` : "Create an assistant",
      body: <a href="/app/bots">{bot ? "Set its name, tone, colours and allowed sites" : "Create one under Bots"}</a>,
    },
    {
      done: (knowledge ?? 0) > 0,
      title: "Add your help content",
      body: <a href="/app/knowledge">Upload documents or add your help centre's address</a>,
    },
    {
      done: inbox.rows.value.size > 0,
      title: "Try it as a customer",
      body: bot ? (
        <a href={`/demo/?bot=${encodeURIComponent(bot.publishableKey)}`} target="_blank" rel="noopener">
          Open the test page (new tab)
        </a>
      ) : (
        "Needs an assistant first"
      ),
    },
    {
      done: copied.value,
      title: "Put it on your site",
      body: bot ? (
        <span
          class="row"
          onClick={(e) => {
            if ((e.target as HTMLElement).closest("button")) {
              localStorage.setItem(copiedKey(), "1");
              copied.value = true;
            }
          }}
        >
          <code class="onb-snippet">{embedSnippet(bot.publishableKey)}</code>
          <CopyButton text={embedSnippet(bot.publishableKey)} label="Copy snippet" />
        </span>
      ) : (
        "Needs an assistant first"
      ),
    },
    {
      done: (members ?? 0) > 1,
      title: "Invite a teammate",
      body: <a href="/app/team">Invite someone to answer with you</a>,
    },
  ];
  const left = steps.filter((s) => !s.done).length;
  return (
    <section class="onboarding" aria-labelledby="onb-h">
      <div class="row between">
        <h2 id="onb-h">Get started</h2>
        <span class="muted small">
          {steps.length - left} of {steps.length} done
        </span>
      </div>
      <ol>
        {steps.map((s) => (
          <li key={s.title} class={s.done ? "done" : undefined}>
            <span class="onb-mark" aria-hidden="true">
              {s.done ? "✓" : ""}
            </span>
            <span>
              <strong>{s.title}</strong>
              <span class="sr">{s.done ? " (done)" : " (to do)"}</span>
              <br />
              {s.body}
            </span>
          </li>
        ))}
      </ol>
      <button
        type="button"
        class="btn ghost small"
        onClick={() => {
          localStorage.setItem(hiddenKey(), "1");
          hidden.value = true;
        }}
      >
        Hide this guide
      </button>
    </section>
  );
}
