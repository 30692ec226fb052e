/** Small helpers shared by models and pages. */
import type { Conversation } from "../api";

export function errorText(err: unknown): string {
  if (err && typeof err === "object" && "text" in err && typeof err.text === "string") return err.text;
  if (err instanceof Error) return err.message;
  return String(err);
}

const rtf =
  typeof Intl !== "undefined" ? new Intl.RelativeTimeFormat(undefined, { numeric: "auto", style: "short" }) : null;
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return "";
  const t = Date.parse(iso);
  if (Number.isNaN(t)) return "";
  const s = Math.round((t - now) / 1000);
  if (!rtf) return new Date(t).toLocaleString();
  if (Math.abs(s) < 45) return "just now";
  if (Math.abs(s) < 3600) return rtf.format(Math.round(s / 60), "minute");
  if (Math.abs(s) < 86400) return rtf.format(Math.round(s / 3600), "hour");
  return rtf.format(Math.round(s / 86400), "day");
}

export function clock(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? "" : d.toLocaleTimeString([], { hour: "2-digit", minute: "2-digit" });
}

/** A short human name for a visitor from whatever the widget sent. */
export function visitorName(c: Pick<Conversation, "visitor" | "id">): string {
  const v = c.visitor ?? {};
  for (const k of ["name", "email", "userId", "phone"]) {
    const x = v[k];
    if (typeof x === "string" && x) return x;
  }
  return `Visitor ${c.id.slice(-4)}`;
}

export function newCid(): string {
  return typeof crypto.randomUUID === "function"
    ? crypto.randomUUID()
    : `${Date.now()}-${Math.random().toString(36).slice(2)}`;
}

export function str(x: unknown): string | undefined {
  return typeof x === "string" ? x : undefined;
}
export function num(x: unknown): number | undefined {
  return typeof x === "number" && Number.isFinite(x) ? x : undefined;
}

/** Saves `blob` as a download named `name` (the object URL outlives the click a little). */
export function saveBlob(blob: Blob, name: string) {
  const url = URL.createObjectURL(blob);
  const a = document.createElement("a");
  a.href = url;
  a.download = name;
  document.body.appendChild(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}
