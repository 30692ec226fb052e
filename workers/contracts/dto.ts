/**
 * The REST DTO types the widget and dashboard compile against, gathered in one place so the UI
 * bundles depend on workers/contracts only (with `import type`: nothing here reaches a bundle).
 * The schemas themselves stay beside their owners (CONVENTIONS §5); this file re-exports their
 * types and never imports a value, so contracts stays free of runtime dependencies on the rest.
 */
export type { Session } from "../domain/auth/schemas";
export type { Permission } from "../domain/auth/permissions";
export type { BotDto, BotInput, BotPatch } from "../domain/bots/schemas";
export type { AnswerProvidersDto } from "../domain/bots/answer-providers";
export type { SessionDto as WidgetSession } from "../domain/conversations/schemas";
export type { KeyDto } from "../domain/keys";
export type { OrderDto } from "../domain/commerce/schemas";
export type { InvitationDto, MemberDto } from "../domain/team";
export type { EscalationPolicySchema } from "../domain/triage/policy";
export type { SlaTable } from "../domain/triage/sla";
export type * as TriageSchemas from "../domain/triage/schemas";
export type * as VoiceSchemas from "../domain/voice/schemas";
export type * as CallSchemas from "../domain/voice/call-schemas";
export type { CallCostsDto } from "../domain/analytics/calls";
export type * as AnalyticsSchemas from "../domain/analytics/schemas";
export type * as TriageConversationRoutes from "../routes/triage-conversations";
export type { AuditEntryDto } from "../domain/audit/dto";
export type { AuditAction } from "../domain/audit";
