/** The event kinds rooms write (rooms/room-analytics.ts EVENT_KINDS; rooms may not be imported by domain). */
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
