/**
 * Browser voice, loaded on the first press of the microphone button (outside the initial budget).
 * Speech recognition turns what the visitor says into ordinary messages of the same conversation;
 * speech synthesis reads the answers back. Barge-in: as soon as the visitor starts speaking, the
 * reply being read stops. Deliberately imports nothing, so the bundler cannot pull shared code
 * into a separate chunk that the initial load would then need.
 */

type Recognition = {
  lang: string;
  continuous: boolean;
  interimResults: boolean;
  onresult:
    | ((e: {
        resultIndex: number;
        results: ArrayLike<ArrayLike<{ transcript: string }> & { isFinal: boolean }>;
      }) => void)
    | null;
  onspeechstart: (() => void) | null;
  onend: (() => void) | null;
  onerror: ((e: { error: string }) => void) | null;
  start(): void;
  stop(): void;
  abort(): void;
};

export type VoiceOptions = {
  lang: string;
  /** A finished utterance: send it as a message. */
  onFinal(text: string): void;
  /** The words heard so far, for a live caption (empty when idle). */
  onInterim(text: string): void;
  /** Listening started or stopped (by the visitor, an error or the browser). */
  onState(listening: boolean): void;
};

export type Voice = { stop(): void; speak(text: string): void; cancel(): void };

/** Whether this browser can listen at all (the button is hidden otherwise). */
export function canListen(): boolean {
  return !!(
    (globalThis as Record<string, unknown>).SpeechRecognition ??
    (globalThis as Record<string, unknown>).webkitSpeechRecognition
  );
}

/** Strips markdown markers and links' targets so the synthesiser reads words, not symbols. */
export function speakable(text: string): string {
  return text
    .replace(/\[([^\]]+)\]\([^)]+\)/g, "$1")
    .replace(/https?:\/\/\S+/g, "")
    .replace(/[*_`#>]/g, "")
    .replace(/^\s*[-•]\s+/gm, "")
    .trim();
}

export function startVoice(o: VoiceOptions): Voice {
  const g = globalThis as Record<string, unknown>;
  const Ctor = (g.SpeechRecognition ?? g.webkitSpeechRecognition) as (new () => Recognition) | undefined;
  const synth = (g.speechSynthesis as SpeechSynthesis | undefined) ?? null;
  let on = true;
  const cancel = () => synth?.cancel();
  const rec = Ctor ? new Ctor() : null;
  if (rec) {
    rec.lang = o.lang;
    rec.continuous = true;
    rec.interimResults = true;
    rec.onspeechstart = cancel;
    rec.onresult = (e) => {
      cancel();
      let interim = "";
      for (let i = e.resultIndex; i < e.results.length; i++) {
        const r = e.results[i]!;
        const t = r[0]!.transcript.trim();
        if (r.isFinal) t && o.onFinal(t);
        else interim += t + " ";
      }
      o.onInterim(interim.trim());
    };
    rec.onerror = (e) => {
      if (e.error === "not-allowed" || e.error === "service-not-allowed") on = false;
    };
    // Chrome ends continuous recognition after a pause; keep listening until the visitor stops.
    rec.onend = () => {
      if (on) {
        try {
          rec.start();
          return;
        } catch {
          on = false;
        }
      }
      o.onInterim("");
      o.onState(false);
    };
    try {
      rec.start();
      o.onState(true);
    } catch {
      on = false;
      o.onState(false);
    }
  } else o.onState(false);

  return {
    stop() {
      on = false;
      cancel();
      rec?.abort();
    },
    speak(text: string) {
      const t = speakable(text);
      if (!synth || !t || !on) return;
      const u = new SpeechSynthesisUtterance(t);
      u.lang = o.lang;
      // the avatar, when there is one, speaks in step: start, each word, end
      const tell = (phase: string) => document.dispatchEvent(new CustomEvent("echo:speech", { detail: phase }));
      u.onstart = () => tell("start");
      u.onboundary = () => tell("word");
      u.onend = u.onerror = () => tell("end");
      synth.speak(u);
    },
    cancel,
  };
}
