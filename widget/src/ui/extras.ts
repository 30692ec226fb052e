import type { h as H } from "preact";
import type { useSignal as UseSignal } from "@preact/signals";
import css from "./extras.css";

/** Order of the forms' strings after K.extras in every language (see i18n.ts). */
enum X {
  rate,
  star,
  comment,
  send,
  thanks,
  restart,
  email,
  emailPh,
  save,
  saved,
}
const EN =
  "How did we do?|stars|Anything to add? (optional)|Send|Thanks for your feedback!|Start a new conversation|No one is available right now. Leave your email and we will reply.|you@example.com|Save|Thanks, we will reply by email.".split(
    "|",
  );

/**
 * Email capture and the satisfaction rating: never needed before the first message, so they sit
 * in a lazy chunk. Preact's `h` and `useSignal` are passed in rather than imported, so the bundler
 * cannot split Preact into a shared chunk that the initial load would then need as a second file;
 * for the same reason the strings arrive as the language's tail after K.extras (`s`, empty for
 * English, whose strings live here).
 */
export function createExtras(h: typeof H, useSignal: typeof UseSignal) {
  const say = (s: string[], x: X) => s[x] || EN[x];
  /** Offered while the visitor waits for a person: the reply can come by email instead. */
  function EmailCapture({ s, save }: { s: string[]; save: (email: string) => Promise<void> }) {
    const done = useSignal(false);
    if (done.value) return h("p", { class: "note", role: "status" }, h("style", null, css), say(s, X.saved));
    return h(
      "form",
      {
        class: "row",
        onSubmit: (e: SubmitEvent) => {
          e.preventDefault();
          const input = (e.currentTarget as HTMLFormElement).elements.namedItem("email") as HTMLInputElement;
          if (input.checkValidity())
            save(input.value.trim()).then(
              () => (done.value = true),
              () => {},
            );
        },
      },
      h("style", null, css),
      h("label", { for: "echo-email" }, say(s, X.email)),
      h("input", {
        id: "echo-email",
        name: "email",
        type: "email",
        required: true,
        placeholder: say(s, X.emailPh),
        autocomplete: "email",
      }),
      h("button", { type: "submit" }, say(s, X.save)),
    );
  }

  /** Shown when the conversation closes: 1-5 stars (a native radio group) and an optional comment. */
  function Rating({
    s,
    rate,
    already,
    restart,
  }: {
    s: string[];
    rate: (score: number, comment: string) => void;
    already: boolean;
    restart: () => void;
  }) {
    const score = useSignal(0);
    const sent = useSignal(already);
    const again = h("button", { type: "button", class: "again", onClick: restart }, say(s, X.restart));
    if (sent.value) return h("p", { class: "note", role: "status" }, h("style", null, css), say(s, X.thanks), again);
    return h(
      "form",
      {
        class: "rate",
        onSubmit: (e: SubmitEvent) => {
          e.preventDefault();
          const c = (e.currentTarget as HTMLFormElement).elements.namedItem("comment") as HTMLInputElement;
          if (score.value) rate(score.value, c.value.trim());
          sent.value = score.value > 0;
        },
      },
      h("style", null, css),
      h(
        "fieldset",
        null,
        h("legend", null, say(s, X.rate)),
        [1, 2, 3, 4, 5].map((n) =>
          h(
            "label",
            { key: n, class: n <= score.value ? "on" : "", title: `${n} ${say(s, X.star)}` },
            h("input", {
              type: "radio",
              name: "score",
              value: n,
              "aria-label": `${n} ${say(s, X.star)}`,
              onChange: () => (score.value = n),
            }),
            "★",
          ),
        ),
      ),
      h("input", { name: "comment", placeholder: say(s, X.comment), "aria-label": say(s, X.comment), maxLength: 1000 }),
      h("button", { type: "submit", disabled: !score.value }, say(s, X.send)),
      again,
    );
  }

  return { EmailCapture, Rating };
}

/** The avatar chunk (issue 19), loaded through here so the first-load bundle names no new chunk. */
export const avatar = (root: ShadowRoot, m: Parameters<typeof import("../avatar").avatar>[1]) =>
  import("../avatar").then((a) => a.avatar(root, m));
