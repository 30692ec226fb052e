import type { createModel } from "./model";
import type { Mood, ServerFrame } from "./protocol";
import css from "./ui/avatar.css";

/**
 * The widget avatar (issue 19), a lazy chunk loaded only for bots that enable it, after the widget
 * is interactive. A 2D SVG face in the widget's shadow root: `data-mood` follows the room's `mood`
 * frames (neutral, happy, thinking, concerned, apologetic, handing-over), `data-state` is idle,
 * listening (the visitor types), thinking or speaking (the mouth moves with each streamed piece of
 * the answer, or with each word the browser reads aloud); hover and click make it react.
 * `prefers-reduced-motion` freezes it (CSS). When the bot has a 3D model, avatar3d.ts (three.js, a
 * chunk of its own) draws it over the same attributes; the 2D face stays until then, and for good
 * when WebGL or the model fails. Plain DOM, no Preact: importing Preact here would split it into a
 * chunk the first load then needs too.
 */

type Model = ReturnType<typeof createModel>;

const MOUTH: Record<Mood, string> = {
  neutral: "M9 15.5h6",
  happy: "M8.5 14.5q3.5 3.5 7 0",
  thinking: "M9.5 16q2.5-1 5 0",
  concerned: "M8.5 16.5q3.5-2.5 7 0",
  apologetic: "M9 17q3-2 6 0",
  "handing-over": "M8.5 14.5q3.5 3 7 0",
};
const BROWS: Record<Mood, string> = {
  neutral: "",
  happy: "M7.5 7.5q1.5-1 3 0M13.5 7.5q1.5-1 3 0",
  thinking: "M7.5 7q1.5-.6 3 .4M13.5 7.4q1.5-1 3-.4",
  concerned: "M7.5 8q1.5-1.2 3-.6M13.5 7.4q1.5-.6 3 .6",
  apologetic: "M7.5 8.4l3-1.2M13.5 7.2l3 1.2",
  "handing-over": "M7.5 7.5q1.5-1 3 0M13.5 7.5q1.5-1 3 0",
};
/** After the last streamed piece, speaking ends this long after the final message arrives. */
const SPEAK_TAIL_MS = 400;
/** Listening lasts this long after the visitor's last keystroke. */
const LISTEN_MS = 1500;

export function avatar(root: ShadowRoot, m: Model) {
  const style = document.createElement("style");
  style.textContent = css;
  const el = document.createElement("button");
  el.type = "button";
  el.className = `av2${root.querySelector(".r.left") || m.bot.peek()?.theme?.position === "bottom-left" ? " left" : ""}`;
  el.setAttribute("aria-hidden", "true");
  el.tabIndex = -1;
  el.dataset.mood = "neutral";
  el.dataset.state = "idle";
  const color = m.bot.peek()?.theme?.primaryColor;
  if (color) el.style.setProperty("--av", color);
  el.innerHTML =
    `<svg viewBox="0 0 24 24"><g class="hd"><circle class="face" cx="12" cy="12" r="10"/>` +
    `<circle class="eye" cx="9" cy="10" r="1.3"/><circle class="eye" cx="15" cy="10" r="1.3"/>` +
    `<path class="f brow"/><path class="f mouth"/></g>` +
    `<g class="dots" fill="#fff"><circle cx="19" cy="3" r=".9"/><circle cx="21.5" cy="2" r=".9"/><circle cx="24" cy="1" r=".9"/></g>` +
    `<path class="f hand" stroke="${color ?? "#4f46e5"}" stroke-width="2" d="M22 14l3-3m-3 3l3 1m-3-1h4"/></svg>`;
  root.append(style, el);
  const mouth = el.querySelector(".mouth")!;
  const brow = el.querySelector(".brow")!;
  let base: "idle" | "listening" = "idle";
  let speakTimer: ReturnType<typeof setTimeout> | undefined;
  let listenTimer: ReturnType<typeof setTimeout> | undefined;

  const setMood = (mood: Mood) => {
    el.dataset.mood = mood;
    mouth.setAttribute("d", MOUTH[mood]);
    brow.setAttribute("d", BROWS[mood]);
    if (mood === "thinking" && el.dataset.state !== "speaking") el.dataset.state = "thinking";
    else if (mood !== "thinking" && el.dataset.state === "thinking") el.dataset.state = base;
  };
  setMood("neutral");

  // frames reach the model through `m.apply`; the avatar listens in without the main bundle knowing
  const apply = m.apply;
  m.apply = (f: ServerFrame) => {
    apply(f);
    if (f.type === "mood" && f.mood in MOUTH) setMood(f.mood);
    else if (f.type === "delta") {
      clearTimeout(speakTimer);
      el.dataset.state = "speaking";
      // the mouth opens and closes in step with the streamed pieces
      el.dataset.o = el.dataset.o === "1" ? "0" : "1";
    } else if (f.type === "msg" && f.role !== "visitor" && el.dataset.state === "speaking") {
      speakTimer = setTimeout(() => {
        el.dataset.state = base;
        el.dataset.o = "0";
      }, SPEAK_TAIL_MS);
    }
  };

  // speaking while the browser reads an answer aloud (voice.ts tells of each word)
  document.addEventListener("echo:speech", (e) => {
    const phase = (e as CustomEvent<string>).detail;
    clearTimeout(speakTimer);
    if (phase === "end") {
      el.dataset.state = base;
      el.dataset.o = "0";
    } else {
      el.dataset.state = "speaking";
      if (phase === "word") el.dataset.o = el.dataset.o === "1" ? "0" : "1";
    }
  });

  // listening while the visitor types in the composer
  root.addEventListener("input", () => {
    base = "listening";
    if (el.dataset.state === "idle") el.dataset.state = "listening";
    clearTimeout(listenTimer);
    listenTimer = setTimeout(() => {
      base = "idle";
      if (el.dataset.state === "listening") el.dataset.state = "idle";
    }, LISTEN_MS);
  });

  // a click pokes it (and opens the chat, as the launcher does)
  el.addEventListener("click", () => {
    el.classList.remove("poke");
    void el.getBoundingClientRect();
    el.classList.add("poke");
    m.open.value = true;
  });
  el.addEventListener("animationend", (e) => {
    if ((e as AnimationEvent).animationName === "av-poke") el.classList.remove("poke");
  });
  // the bot's 3D model, when it has one: three.js is fetched now, never for 2D bots
  const model = m.bot.peek()?.avatar?.model;
  if (model) {
    el.dataset.render = "2d";
    const reduced = matchMedia("(prefers-reduced-motion: reduce)").matches;
    import("./avatar3d")
      .then((x) => x.mount3d(el, model, reduced))
      .catch((err: unknown) => {
        el.dataset.render = "2d";
        console.warn("echo: the 3D avatar could not be shown; the 2D face stays", err);
      });
  }
  return el;
}
