/** The dashboard's few building blocks; every control carries a visible label or an aria-label. */
import type { ComponentChildren, InputHTMLAttributes, TextareaHTMLAttributes } from "preact";
import { useEffect, useId, useRef, useState } from "preact/hooks";
import { ApiError, type FieldError } from "../api";
import { errorText } from "../models/util";
import { plainFieldError, plainFieldList } from "./words";

type InputProps = {
  type?: string;
  required?: boolean;
  autoComplete?: string;
  placeholder?: string;
  minLength?: number;
  maxLength?: number;
  min?: number;
  step?: string;
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  /** The server's word on this field (useAction's `fields`), shown under it in plain words. */
  error?: string | undefined;
};

/** aria attributes and the hint/error lines of a labelled control. */
function described(id: string, hint?: string, error?: string) {
  const ids = [hint ? `${id}-h` : "", error ? `${id}-e` : ""].filter(Boolean).join(" ");
  return {
    attrs: { "aria-describedby": ids || undefined, "aria-invalid": error ? ("true" as const) : undefined },
    lines: (
      <>
        {hint && <small id={`${id}-h`}>{hint}</small>}
        {error && (
          <small id={`${id}-e`} class="field-error">
            {error}
          </small>
        )}
      </>
    ),
  };
}

export function Field({ label, value, onValue, hint, error, ...rest }: InputProps) {
  const id = useId();
  const d = described(id, hint, error);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <input
        {...(rest as InputHTMLAttributes<HTMLInputElement>)}
        id={id}
        value={value}
        onInput={(e) => onValue(e.currentTarget.value)}
        {...d.attrs}
      />
      {d.lines}
    </div>
  );
}

type AreaProps = Omit<TextareaHTMLAttributes<HTMLTextAreaElement>, "onInput" | "value"> & {
  label: string;
  value: string;
  onValue: (v: string) => void;
  hint?: string;
  error?: string | undefined;
};
export function Area({ label, value, onValue, hint, error, ...rest }: AreaProps) {
  const id = useId();
  const d = described(id, hint, error);
  return (
    <div class="field">
      <label for={id}>{label}</label>
      <textarea {...rest} id={id} value={value} onInput={(e) => onValue(e.currentTarget.value)} {...d.attrs} />
      {d.lines}
    </div>
  );
}

/** Field errors by the API's path ("allowedOrigins.0"), in words for the form. */
export type FieldErrors = Record<string, string>;

/** The error for `name` or any path under it ("allowedOrigins" matches "allowedOrigins.0"). */
export function fieldError(fields: FieldErrors, name: string): string | undefined {
  const key = Object.keys(fields).find((p) => p === name || p.startsWith(`${name}.`));
  return key ? fields[key] : undefined;
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

/** A form's or screen's error in words; a trailing "Reference: req_…" (ui/words.ts) is shown small, for support. */
export function ErrorNote({ error }: { error: string | null | undefined }) {
  if (!error) return null;
  const [said, ref] = error.split(" Reference: ");
  return (
    <p class="error" role="alert">
      {said}
      {ref && (
        <small class="ref">
          {" "}
          Reference for support: <span class="mono">{ref}</span>
        </small>
      )}
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

/**
 * Runs a form's action with busy and error states. When the API names the fields it refused
 * (problem details `errors`), `fields` holds them in plain words for the controls
 * (`error={fieldError(a.fields, "name")}` or `a.errorAt("name")`), `error` says so in one sentence,
 * and the first marked control takes focus (scrolled into view). A refused field no control shows
 * is said in the form-level message instead: `summary(claimed)` when the form names the paths its
 * controls show, else `error` once no control turned out marked. Every other failure is
 * `ApiError.text`: plain words, with the request id kept as a reference.
 */
export function useAction<A extends unknown[], R = unknown>(
  fn: (...a: A) => Promise<R>,
  /** What a success says (shown by `<Done>`), cleared when the action runs again. */
  done?: string | ((result: R) => string),
) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [said, setSaid] = useState<string | null>(null);
  const [listed, setListed] = useState<FieldError[]>([]);
  const fields = fieldsOf(listed);
  const run = async (...a: A) => {
    // the form being submitted (its button or field has the focus), so another form's marks are not taken
    const scope: Element | Document = document.activeElement?.closest("form") ?? document;
    setBusy(true);
    setError(null);
    setSaid(null);
    setListed([]);
    try {
      const result = await fn(...a);
      if (done !== undefined) setSaid(typeof done === "string" ? done : done(result));
      return true;
    } catch (err) {
      const refused = err instanceof ApiError ? err.errors : [];
      if (refused.length) {
        setListed(refused);
        setError(marked(Object.keys(fieldsOf(refused)).length));
        requestAnimationFrame(() => {
          const first = scope.querySelector<HTMLElement>("[aria-invalid='true']");
          if (!first) return setError(`Please check: ${plainFieldList(refused)}`);
          first.focus({ preventScroll: true });
          // the whole field, its error line included, in the middle of the screen (clear of sticky bars)
          (first.closest(".field") ?? first).scrollIntoView({ block: "center" });
        });
        return false;
      }
      setError(errorText(err));
      return false;
    } finally {
      setBusy(false);
    }
  };
  const errorAt = (path: string) => fieldError(fields, path);
  /** The form-level message when the form's controls show exactly the paths in `claimed`. */
  const summary = (claimed: readonly string[]) => {
    const rest = listed.filter((e) => !claimed.some((p) => e.path === p || e.path.startsWith(`${p}.`)));
    if (!rest.length) return error;
    const said = `Please check: ${plainFieldList(rest)}`;
    const shown = new Set(listed.filter((e) => !rest.includes(e)).map((e) => e.path)).size;
    return shown ? `${marked(shown)} ${said}` : said;
  };
  return { busy, error, fields, run, setError, errorAt, summary, done: said, clearDone: () => setSaid(null) };
}

/** A success said once, for screen readers too (an action's `done`). */
export function Done({ text }: { text: string | null | undefined }) {
  return text ? (
    <p class="once" role="status">
      {text}
    </p>
  ) : null;
}

/** Field errors by path, in plain words (the first message of a path wins). */
function fieldsOf(errors: readonly FieldError[]): FieldErrors {
  const out: FieldErrors = {};
  for (const e of errors) out[e.path] ??= plainFieldError(e.path, e.message);
  return out;
}

const marked = (n: number) =>
  n === 1 ? "One field needs a change: it is marked." : "Some fields need a change: they are marked.";

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
          error: errorText(err),
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
