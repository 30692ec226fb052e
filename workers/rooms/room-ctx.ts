import type { StreamAnswer } from "../domain/knowledge/answer-types";
import { streamAnswer, streamEmbeddedAnswer } from "../domain/knowledge/answer";
import { AI_EVENT_TIMEOUT_MS } from "./room-turn";

/** The context a room hands to domain code is built by the composition root (compose.ts). */
export { roomCtx } from "../compose";

let answererOverride: StreamAnswer | undefined;
let timeoutOverride: number | undefined;

/**
 * The answerer rooms use: the knowledge answerer (the embedded extractive one when billing said so,
 * room-core `aiAllowance`), unless a test installed a scripted one.
 */
export const roomAnswerer = (embedded = false): StreamAnswer =>
  answererOverride ?? (embedded ? streamEmbeddedAnswer : streamAnswer);

/**
 * Tests only: replaces the answerer for every room in this isolate (the Workers test pool runs
 * rooms in the test's isolate), to drive supersede, provider failure and slow streams
 * deterministically. Pass nothing to restore the real one.
 */
export function setRoomAnswererForTesting(fn?: StreamAnswer, opts: { eventTimeoutMs?: number } = {}) {
  answererOverride = fn;
  timeoutOverride = opts.eventTimeoutMs;
}

/** Silence (ms) after which a turn counts as a provider failure. */
export const roomTurnTimeout = () => timeoutOverride ?? AI_EVENT_TIMEOUT_MS;
