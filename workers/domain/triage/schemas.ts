import { z } from "@hono/zod-openapi";
import { PRIORITIES, TICKET_STATUSES } from "../../storage/schema";

/** Request and response shapes of the triage routes (categories, tickets, settings). */
export const MAX_EXAMPLE_CHARS = 1000;
export const MAX_EXAMPLES_PER_REQUEST = 200;
/** A tenant may keep at most this many categories; the classifier trains on all of them. */
export const MAX_CATEGORIES = 200;

export const PrioritySchema = z.enum(PRIORITIES);
export const TicketStatusSchema = z.enum(TICKET_STATUSES);
const ExampleText = z.string().trim().min(1).max(MAX_EXAMPLE_CHARS);

export const CategoryInput = z
  .object({
    name: z.string().trim().min(1).max(80),
    description: z.string().max(500).optional(),
    priority: PrioritySchema.nullable().optional(),
    examples: z.array(ExampleText).max(MAX_EXAMPLES_PER_REQUEST).optional(),
  })
  .strict()
  .openapi("CategoryInput");
export type CategoryInput = z.infer<typeof CategoryInput>;
export const CategoryPatch = CategoryInput.omit({ examples: true }).partial().strict().openapi("CategoryPatch");
export type CategoryPatch = z.infer<typeof CategoryPatch>;
export const ExamplesInput = z
  .object({ examples: z.array(ExampleText).min(1).max(MAX_EXAMPLES_PER_REQUEST) })
  .strict()
  .openapi("ExamplesInput");
export const ClassifyInput = z
  .object({ text: z.string().trim().min(1).max(4000) })
  .strict()
  .openapi("ClassifyInput");

export const CategoryDto = z
  .object({
    id: z.string(),
    name: z.string(),
    description: z.string(),
    priority: PrioritySchema.nullable(),
    exampleCount: z.number(),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Category");
export const ExampleDto = z
  .object({ id: z.number(), text: z.string(), source: z.string(), createdAt: z.string() })
  .openapi("CategoryExample");
export const PredictionDto = z
  .object({
    categoryId: z.string().nullable(),
    name: z.string().nullable(),
    confidence: z.number(),
    scores: z.record(z.string(), z.number()),
  })
  .openapi("CategoryPrediction");

export const TicketCreateInput = z
  .object({
    conversationId: z.string().min(1).max(64),
    subject: z.string().trim().min(1).max(200).optional(),
    priority: PrioritySchema.optional(),
    categoryId: z.string().min(1).max(64).nullable().optional(),
    assigneeId: z.string().min(1).max(64).nullable().optional(),
  })
  .strict()
  .openapi("TicketCreateInput");
export type TicketCreateInput = z.infer<typeof TicketCreateInput>;

export const TicketPatch = z
  .object({
    status: TicketStatusSchema.optional(),
    priority: PrioritySchema.optional(),
    assigneeId: z.string().min(1).max(64).nullable().optional(),
    categoryId: z.string().min(1).max(64).nullable().optional(),
    subject: z.string().trim().min(1).max(200).optional(),
  })
  .strict()
  .refine((p) => Object.keys(p).length > 0, { message: "nothing to change" })
  .openapi("TicketPatch");
export type TicketPatch = z.infer<typeof TicketPatch>;

const csv = <T extends string>(values: readonly [T, ...T[]]) =>
  z
    .string()
    .max(200)
    .transform((s) => s.split(",").filter(Boolean))
    .pipe(z.array(z.enum(values)).max(10));

export const TicketQuery = z
  .object({
    status: csv(TICKET_STATUSES).optional().openapi({ description: "comma-separated statuses" }),
    priority: csv(PRIORITIES).optional().openapi({ description: "comma-separated priorities" }),
    categoryId: z.string().max(64).optional(),
    assigneeId: z.string().max(64).optional().openapi({ description: "a user id, `me`, or `none` for unassigned" }),
    team: z.string().max(80).optional(),
    conversationId: z.string().max(64).optional(),
    breached: z.enum(["true", "false"]).optional().openapi({ description: "only live tickets past an SLA due time" }),
    cursor: z.string().max(64).optional(),
    limit: z.coerce.number().int().min(1).max(100).default(50),
  })
  .strict();
export type TicketQuery = z.infer<typeof TicketQuery>;

export const TicketDto = z
  .object({
    id: z.string(),
    conversationId: z.string(),
    botId: z.string().nullable(),
    subject: z.string(),
    status: TicketStatusSchema,
    priority: PrioritySchema,
    categoryId: z.string().nullable(),
    assigneeId: z.string().nullable(),
    team: z.string().nullable(),
    source: z.enum(["escalation", "operator"]),
    escalationReason: z.string().nullable(),
    frustration: z.number().nullable(),
    sla: z.object({
      firstResponseDueAt: z.string(),
      resolutionDueAt: z.string(),
      firstRespondedAt: z.string().nullable(),
      solvedAt: z.string().nullable(),
      firstResponseBreached: z.boolean(),
      resolutionBreached: z.boolean(),
    }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi("Ticket");
export type TicketDto = z.infer<typeof TicketDto>;
export const TicketEventDto = z
  .object({
    id: z.string(),
    kind: z.string(),
    actor: z.string(),
    data: z.record(z.string(), z.unknown()),
    at: z.string(),
  })
  .openapi("TicketEvent");

export const RoutingRuleInput = z
  .object({
    position: z.number().int().min(0).max(10_000).default(100),
    categoryId: z.string().min(1).max(64).nullable().default(null),
    minPriority: PrioritySchema.nullable().default(null),
    target: z.discriminatedUnion("type", [
      z.object({ type: z.literal("agent"), userId: z.string().min(1).max(64) }).strict(),
      z
        .object({
          type: z.literal("team"),
          name: z.string().trim().min(1).max(80),
          userIds: z.array(z.string().min(1).max(64)).min(1).max(100),
        })
        .strict(),
    ]),
    maxOpenPerAgent: z.number().int().min(1).max(1000).default(10),
  })
  .strict()
  .openapi("RoutingRuleInput");
export type RoutingRuleInput = z.infer<typeof RoutingRuleInput>;
export const RoutingRuleDto = z
  .object({
    id: z.number(),
    position: z.number(),
    categoryId: z.string().nullable(),
    minPriority: PrioritySchema.nullable(),
    target: z.union([
      z.object({ type: z.literal("agent"), userId: z.string() }),
      z.object({ type: z.literal("team"), name: z.string(), userIds: z.array(z.string()) }),
    ]),
    maxOpenPerAgent: z.number(),
    createdAt: z.string(),
  })
  .openapi("RoutingRule");

export const PresenceInput = z
  .object({ status: z.enum(["online", "away", "offline"]) })
  .strict()
  .openapi("PresenceInput");
export const PresenceDto = z
  .object({
    userId: z.string(),
    status: z.enum(["online", "away", "offline"]),
    online: z.boolean(),
    lastSeenAt: z.string(),
  })
  .openapi("Presence");
