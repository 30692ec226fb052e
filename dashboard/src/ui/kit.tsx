/** The dashboard's few building blocks; every control carries a visible label or an aria-label. */
import type { ComponentChildren, InputHTMLAttributes, TextareaHTMLAttributes } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";

type InputProps = {
  type?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  minLength?: number;
  maxLength?: number;
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
};

export function Field({ label, value, onValue, hint, ...rest }: InputProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...(rest as InputHTMLAttributes<HTMLInputElement>)}
        id={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        aria-describedby={hint ? `${id}-h` : undefined}
      />
      {hint && <small id={`${id}-h`}>{hint}</small>}
    </div>
  );
}

type AreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "onInput" | "value"> & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
};
export function Area({ label, value, onValue, hint, ...rest }: AreaProps) {
  const id = useId();
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea {...rest} id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} />
      {hint && <small>{hint}</small>}
    </div>
  );
}

export function Select<T extends string>({
  label,
  value,
  onValue,
  options,
  hideLabel,
}: {
  label: string;
  value: T;
  onValue: (v: T) => void;
  options: readonly (readonly [T, string])[];
  hideLabel?: boolean;
}) {
  const id = useId();
  return (
    <div class={hideLabel ? "field inline" : "field"}>
      <label for={id} class={hideLabel ? "sr" : undefined}>
        {label}
      </label>
      <select id={id} value={value} onChange={(e) => onValue(e.currentTarget.value as T)}>
        {options.map(([v, l]) => (
          <option key={v} value={v}>
            {l}
          </option>
        ))}
      </select>
    </div>
  );
}

export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  return (
    <p class="error" role="alert">
      {error}
    </p>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p class="loading" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ComponentChildren }) {
  return (
    <div class="empty">
      <p class="empty-title">{title}</p>
      {children && <p>{children}</p>}
    </div>
  );
}

export function CopyButton({ text, label = "Copy" }: { text: string; label?: string }) {
  const [done, setDone] = useState(false);
  return (
    <button
      type="button"
      class="btn small"
      onClick={async () => {
        try {
          await navigator.clipboard.writeText(text);
        } catch {
          // clipboard needs a secure context; fall back to selecting the text for a manual copy
          const ta = document.createElement("textarea");
          ta.value = text;
          document.body.appendChild(ta);
          ta.select();
          document.execCommand("copy");
          ta.remove();
        }
        setDone(true);
        setTimeout(() => setDone(false), 1500);
      }}
    >
      {done ? "Copied" : label}
    </button>
  );
}

/** Runs an async action with a busy flag and an error in words. */
export function useAction<A extends unknown[]>(fn: (...a: A) => Promise<unknown>) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const run = async (...a: A) => {
    setBusy(true);
    setError(null);
    try {
      await fn(...a);
      return true;
    } catch (err) {
      setError(
        err && typeof err === "object" && "text" in err
          ? String((err as { text: unknown }).text)
          : err instanceof Error
            ? err.message
            : String(err),
      );
      return false;
    } finally {
      setBusy(false);
    }
  };
  return { busy, error, run, setError };
}

/** Loads data once per key with loading and error states. */
export function useLoad<T>(fn: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data: T | null; error: string | null; loading: boolean }>({
    data: null,
    error: null,
    loading: true,
  });
  const tick = useRef(0);
  const reload = async () => {
    const n = ++tick.current;
    setState((s) => ({ ...s, loading: true }));
    try {
      const data = await fn();
      if (n === tick.current) setState({ data, error: null, loading: false });
    } catch (err) {
      if (n === tick.current)
        setState({
          data: null,
          error:
            err && typeof err === "object" && "text" in err ? String((err as { text: unknown }).text) : String(err),
          loading: false,
        });
    }
  };
  useEffect(() => {
    void reload();
  }, deps);
  return { ...state, reload, set: (data: T) => setState({ data, error: null, loading: false }) };
}

export function Dialog({
  title,
  open,
  onClose,
  children,
}: {
  title: string;
  open: boolean;
  onClose: () => void;
  children: ComponentChildren;
}) {
  const ref = useRef<HTMLDialogElement>(null);
  useEffect(() => {
    const d = ref.current;
    if (!d) return;
    if (open && !d.open) d.showModal();
    if (!open && d.open) d.close();
  }, [open]);
  return (
    <dialog ref={ref} aria-label={title} onClose={onClose} onClick={(e) => e.target === ref.current && onClose()}>
      <div class="dialog-body">
        <header class="row between">
          <h2>{title}</h2>
          <button type="button" class="btn ghost" aria-label="Close dialog" onClick={onClose}>
            ✕
          </button>
        </header>
        {children}
      </div>
    </dialog>
  );
}
