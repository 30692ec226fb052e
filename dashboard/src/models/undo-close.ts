/**
 * "Close" with undo (issue 22): closing a conversation waits a few seconds with an Undo button
 * before it reaches the room, so a slip costs nothing. Leaving the conversation (or closing a
 * second one) sends a pending close at once rather than losing it.
 */
import { signal } from "@preact/signals";

/** How long Undo is offered. */
export const UNDO_MS = 5000;

type Pending = { id: string; until: number; commit: () => void };
export const pendingClose = signal<Pending | null>(null);
let timer: ReturnType<typeof setTimeout> | undefined;

/** Sends the pending close now (if it is for `id`, or any when id is omitted). */
export function flushClose(id?: string) {
  const p = pendingClose.peek();
  if (!p || (id && p.id !== id)) return;
  clearTimeout(timer);
  pendingClose.value = null;
  p.commit();
}

export function closeWithUndo(id: string, commit: () => void, ms = UNDO_MS) {
  flushClose();
  pendingClose.value = { id, until: Date.now() + ms, commit };
  timer = setTimeout(() => flushClose(id), ms);
}

export function undoClose() {
  clearTimeout(timer);
  pendingClose.value = null;
}
