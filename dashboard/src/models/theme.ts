/** Dark mode: follows prefers-color-scheme until the operator picks one; the pick is remembered. */
import { effect, signal } from "@preact/signals";

export type ThemePick = "system" | "light" | "dark";
const KEY = "echo.theme";
const media = window.matchMedia("(prefers-color-scheme: dark)");

export const themePick = signal<ThemePick>((localStorage.getItem(KEY) as ThemePick | null) ?? "system");
const systemDark = signal(media.matches);
media.addEventListener("change", (e) => (systemDark.value = e.matches));

effect(() => {
  const dark = themePick.value === "dark" || (themePick.value === "system" && systemDark.value);
  document.documentElement.dataset.theme = dark ? "dark" : "light";
});

export function cycleTheme() {
  const next: Record<ThemePick, ThemePick> = { system: "dark", dark: "light", light: "system" };
  themePick.value = next[themePick.value];
  if (themePick.value === "system") localStorage.removeItem(KEY);
  else localStorage.setItem(KEY, themePick.value);
}
