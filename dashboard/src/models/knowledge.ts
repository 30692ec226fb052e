/**
 * Knowledge sources with live status: the list is polled every POLL_MS while any source is queued
 * or processing (ingestion runs on a queue), and polling stops by itself when all are settled.
 */
import { computed, signal } from "@preact/signals";
import { api, type AskResult, type KnowledgeSource } from "../api";
import { errorText } from "./util";

export const POLL_MS = 1500;

export const sources = signal<KnowledgeSource[]>([]);
export const loaded = signal(false);
export const error = signal<string | null>(null);
export const uploads = signal<{ name: string; state: "sending" | "failed"; error?: string }[]>([]);
export const busy = computed(() => sources.value.some((s) => s.status === "queued" || s.status === "processing"));

let timer: ReturnType<typeof setTimeout> | undefined;
let active = false;

export async function refreshSources() {
  clearTimeout(timer);
  try {
    sources.value = (await api.knowledge.list()).data;
    error.value = null;
  } catch (err) {
    error.value = errorText(err);
  } finally {
    loaded.value = true;
    if (active && busy.value) timer = setTimeout(() => void refreshSources(), POLL_MS);
  }
}

/** Starts live status for the knowledge screen; returns the stop function. */
export function watchSources() {
  active = true;
  void refreshSources();
  return () => {
    active = false;
    clearTimeout(timer);
  };
}

export async function uploadFiles(files: File[], botId?: string) {
  for (const file of files) {
    uploads.value = [...uploads.value, { name: file.name, state: "sending" }];
    try {
      await api.knowledge.upload(file, botId);
      uploads.value = uploads.value.filter((u) => u.name !== file.name);
    } catch (err) {
      uploads.value = uploads.value.map((u) =>
        u.name === file.name ? { ...u, state: "failed", error: errorText(err) } : u,
      );
    }
  }
  await refreshSources();
}

export async function addQa(question: string, answer: string) {
  await api.knowledge.addText({ type: "qa", question, answer });
  await refreshSources();
}
/** Imports a CSV of question/answer pairs; the report says what was added, kept and refused. */
export async function importQa(file: File) {
  const report = await api.knowledge.importQa(file);
  await refreshSources();
  return report;
}

export async function addText(title: string, text: string) {
  await api.knowledge.addText({ type: "text", title, text });
  await refreshSources();
}
export async function addUrl(url: string) {
  await api.knowledge.addText({ type: "url", url });
  await refreshSources();
}

/** Tries a failed source again as a new source (a URL fetched anew, or the file chosen again), then removes the failed one. */
export async function retrySource(s: KnowledgeSource, file?: File) {
  if (file) await api.knowledge.upload(file, s.botId ?? undefined);
  else if (s.url) await api.knowledge.addText({ type: "url", url: s.url });
  else return;
  await api.knowledge.remove(s.id);
  await refreshSources();
}

export async function removeSource(id: string) {
  await api.knowledge.remove(id);
  sources.value = sources.value.filter((s) => s.id !== id);
}

export const askResult = signal<AskResult | null>(null);
export const askError = signal<string | null>(null);
export const asking = signal(false);
export async function ask(botId: string, question: string) {
  asking.value = true;
  askError.value = null;
  try {
    askResult.value = await api.bots.ask(botId, question);
  } catch (err) {
    askResult.value = null;
    askError.value = errorText(err);
  } finally {
    asking.value = false;
  }
}
