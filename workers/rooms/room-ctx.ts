import { baseCtxOf } from "../app";
import type { AnswerCtx, StreamAnswer } from "../domain/knowledge/answer-types";
import { streamAnswer } from "../domain/knowledge/answer";
import { newId } from "../lib/ids";
import { createLog } from "../lib/log";
import { roomD1 } from "./room-db";
import { AI_EVENT_TIMEOUT_MS } from "./room-turn";

/**
 * The context a room hands to domain code (answerer, triage): the one a request gets, scoped to
 * the room's tenant. Rooms are composition points, so they may read `env`.
 */
export function roomCtx(env: Env, tenantId: string, conversationId: string, origin = ""): AnswerCtx {
  const base = baseCtxOf({ ...env, DB: roomD1(env.DB, conversationId) }, newId("req"), origin);
  return { ...base, log: createLog({ do: "ConversationRoom", tenantId, conversationId }), tenantId };
}

let answererOverride: StreamAnswer | undefined;
let timeoutOverride: number | undefined;

/** The answerer rooms use: the knowledge answerer, unless a test installed a scripted one. */
export const roomAnswerer = (): StreamAnswer => answererOverride ?? streamAnswer;

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
