/**
 * Alerts for a customer waiting for a person (issue 22): the count in the tab title ("(2) Inbox ·
 * Echo") and on the favicon, a short sound (opt-out, remembered per browser) and a desktop
 * notification while the tab is in the background (asked for from the inbox, never on load).
 * The waiting rows come from the inbox model, kept live by the TenantHub socket.
 */
import { effect, signal } from "@preact/signals";
import { connectInbox, isWaiting, primed, rows, waitingCount } from "./inbox";
import { session } from "./session";
import { visitorName } from "./util";

/** The screen's own title; the document title is this with the waiting count in front. */
export const pageTitle = signal("Echo");
export const soundOn = signal(readPref("echo.sound") !== "off");
type Permission = NotificationPermission | "unsupported";
export const notifyPermission = signal<Permission>(
  typeof Notification === "undefined" ? "unsupported" : Notification.permission,
);
/** The operator said "Not now" to desktop notifications (asked again in a new browser only). */
export const notifyDismissed = signal(readPref("echo.notify") === "dismissed");
/** Mark set each time the alert sound plays (tests and the performance panel can see it). */
export const SOUND_MARK = "echo:alert-sound";

function readPref(k: string): string | null {
  try {
    return localStorage.getItem(k);
  } catch {
    return null;
  }
}

export function setSound(on: boolean) {
  soundOn.value = on;
  localStorage.setItem("echo.sound", on ? "on" : "off");
  if (on) unlockAudio();
}

export function dismissNotifications() {
  notifyDismissed.value = true;
  localStorage.setItem("echo.notify", "dismissed");
}

/** Asks the browser; called from a button press (browsers refuse a request without one). */
export async function askNotifications() {
  if (typeof Notification === "undefined") return;
  notifyPermission.value = await Notification.requestPermission();
}

export function titleFor(waiting: number, base: string): string {
  return waiting > 0 ? `(${waiting}) ${base}` : base;
}

/** The Echo mark on the brand colour, with a red count badge when someone waits. */
export function faviconSvg(waiting: number): string {
  const badge =
    waiting > 0
      ? `<circle cx='23' cy='9' r='9' fill='#dc2626'/><text x='23' y='13' font-family='Arial,sans-serif' font-size='${waiting > 9 ? 9 : 12}' font-weight='700' text-anchor='middle' fill='#fff'>${waiting > 9 ? "9+" : waiting}</text>`
      : "";
  return `<svg xmlns='http://www.w3.org/2000/svg' viewBox='0 0 32 32'><rect width='32' height='32' rx='8' fill='#4f46e5'/><path d='M13 7a9 9 0 0 1 0 18z' fill='#fff'/>${badge}</svg>`;
}

export const faviconHref = (waiting: number) => `data:image/svg+xml,${encodeURIComponent(faviconSvg(waiting))}`;

// Title and favicon follow the count on every screen, signed in or not (then nothing waits).
effect(() => {
  const n = session.value ? waitingCount.value : 0;
  document.title = titleFor(n, pageTitle.value);
  let link = document.querySelector<HTMLLinkElement>("link[rel='icon']");
  if (!link) {
    link = document.createElement("link");
    link.rel = "icon";
    document.head.appendChild(link);
  }
  link.type = "image/svg+xml";
  link.href = faviconHref(n);
});

let audio: AudioContext | null = null;
/** Browsers start audio only after a user gesture: the first click or key on the page unlocks it. */
function unlockAudio() {
  if (typeof AudioContext === "undefined") return;
  audio ??= new AudioContext();
  if (audio.state === "suspended") void audio.resume();
}

/** Two short soft tones. */
function playSound() {
  performance.mark(SOUND_MARK);
  if (!audio || audio.state !== "running") return;
  const now = audio.currentTime;
  for (const [i, freq] of [880, 660].entries()) {
    const osc = audio.createOscillator();
    const gain = audio.createGain();
    osc.frequency.value = freq;
    gain.gain.setValueAtTime(0.0001, now + i * 0.16);
    gain.gain.exponentialRampToValueAtTime(0.15, now + i * 0.16 + 0.02);
    gain.gain.exponentialRampToValueAtTime(0.0001, now + i * 0.16 + 0.15);
    osc.connect(gain).connect(audio.destination);
    osc.start(now + i * 0.16);
    osc.stop(now + i * 0.16 + 0.16);
  }
}

function notify(id: string, name: string) {
  if (notifyPermission.value !== "granted" || typeof Notification === "undefined") return;
  if (document.visibilityState === "visible" && document.hasFocus()) return;
  const n = new Notification(`${name} is waiting for a person`, {
    body: "Open the inbox to take the conversation.",
    tag: `echo-waiting-${id}`,
  });
  n.onclick = () => {
    window.focus();
    location.assign(`/app/c/${encodeURIComponent(id)}`);
  };
}

/** Starts the inbox feed and alerts on conversations that start waiting; returns a stop function. */
export function startAlerts(): () => void {
  const disconnect = connectInbox();
  const onGesture = () => soundOn.peek() && unlockAudio();
  window.addEventListener("pointerdown", onGesture, { once: true });
  window.addEventListener("keydown", onGesture, { once: true });
  // Who already waits when the first lists answer is only counted; a conversation that starts
  // waiting after that alerts once. (This was a 1.5 s timer: on a slow start the first lists came
  // later and every conversation already waiting sounded as new.)
  let known: Set<string> | null = null;
  const stop = effect(() => {
    const waiting = [...rows.value.values()].filter(isWaiting);
    const ids = new Set(waiting.map((c) => c.id));
    if (!primed.value) return;
    if (known) {
      const fresh = waiting.filter((c) => !known!.has(c.id));
      if (fresh.length) {
        if (soundOn.peek()) playSound();
        for (const c of fresh) notify(c.id, visitorName(c));
      }
    }
    known = ids;
  });
  return () => {
    stop();
    disconnect();
    window.removeEventListener("pointerdown", onGesture);
    window.removeEventListener("keydown", onGesture);
  };
}
