/**
 * The conversation event kinds (issue 16): rooms write them (rooms/room-analytics.ts), analytics
 * reads them (domain/analytics). One list, here, because domain may not import rooms.
 */
export const EVENT_KINDS = [
  "opened",
  "ai_answered",
  "handed_off",
  "agent_joined",
  "agent_first_reply",
  "agent_reply",
  "resolved",
  "reopened",
  "rated",
  "call_started",
  "call_ended",
] as const;
export type EventKind = (typeof EVENT_KINDS)[number];
