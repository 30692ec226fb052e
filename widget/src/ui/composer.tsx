import { useSignal } from "@preact/signals";
import { useEffect, useRef } from "preact/hooks";
import { K, type Strings } from "../i18n";
import type { Actions } from "./actions";

const hasSpeech = () => "SpeechRecognition" in window || "webkitSpeechRecognition" in window;

const Icon = ({ d }: { d: string }) => (
  <svg viewBox="0 0 24 24" aria-hidden="true">
    <path d={d} />
  </svg>
);
const SEND = "M3 20l18-8L3 4v6l12 2-12 2z";
const CLIP = "M16.5 6.5l-7.8 7.8a1.5 1.5 0 002.1 2.1l7.8-7.8a3.5 3.5 0 00-5-5L5.8 11.4a5.5 5.5 0 007.8 7.8l6.4-6.4";
const MIC = "M12 15a3 3 0 003-3V6a3 3 0 00-6 0v6a3 3 0 003 3zm6-3a6 6 0 01-12 0m6 6v3";

/** Text box (Enter sends, Shift+Enter breaks the line), attach and microphone buttons. */
export function Composer({
  t,
  a,
  inputRef,
}: {
  t: Strings;
  a: Actions;
  inputRef: { current: HTMLTextAreaElement | null };
}) {
  const listening = useSignal(false);
  const caption = useSignal("");
  const file = useRef<HTMLInputElement>(null);
  const voice = useRef<{ stop(): void } | null>(null);
  useEffect(() => () => voice.current?.stop(), []);

  const submit = () => {
    const el = inputRef.current!;
    const text = el.value.trim();
    if (!text) return;
    a.send(text);
    el.value = "";
  };
  const mic = async () => {
    if (voice.current) {
      voice.current.stop();
      voice.current = null;
      listening.value = false;
      return;
    }
    voice.current = await a.voice({ onState: (on) => (listening.value = on), onInterim: (s) => (caption.value = s) });
  };

  return (
    <form
      class="c"
      onSubmit={(e) => {
        e.preventDefault();
        submit();
      }}
    >
      {caption.value ? (
        <p class="cap" aria-live="polite">
          {caption}
        </p>
      ) : null}
      <input
        ref={file}
        type="file"
        accept="image/png,image/jpeg,image/gif,image/webp,application/pdf"
        multiple
        hidden
        onChange={() => {
          for (const f of Array.from(file.current!.files ?? [])) a.upload(f);
          file.current!.value = "";
        }}
      />
      <button type="button" class="ib" aria-label={t[K.attach]} onClick={() => file.current!.click()}>
        <Icon d={CLIP} />
      </button>
      <textarea
        ref={inputRef}
        rows={1}
        maxLength={4000}
        placeholder={t[K.placeholder]}
        aria-label={t[K.placeholder]}
        onInput={a.typing}
        onKeyDown={(e) => {
          if (e.key === "Enter" && !e.shiftKey && !e.isComposing) {
            e.preventDefault();
            submit();
          }
        }}
      />
      {hasSpeech() ? (
        <button
          type="button"
          class={"ib" + (listening.value ? " on" : "")}
          aria-pressed={listening.value}
          aria-label={listening.value ? t[K.micStop] : t[K.mic]}
          onClick={mic}
        >
          <Icon d={MIC} />
        </button>
      ) : null}
      <button type="submit" class="ib snd" aria-label={t[K.send]}>
        <Icon d={SEND} />
      </button>
    </form>
  );
}
