/**
 * Triage settings as the dashboard edits them: priorities in the API's order, the escalation policy's
 * fields with words for each, and form text → request body mapping that sends only what changed.
 * Inputs stay strings while typing; a non-number goes to the API as typed so its error names the field.
 */
import type { EscalationPolicy, Priority, RoutingRule, SlaTable } from "../api";
import type { Member } from "../api";

/** Same order as the API (workers/storage/schema/triage.ts); kept here: the dashboard imports types only. */
export const PRIORITIES: readonly Priority[] = ["urgent", "high", "normal", "low"];
export const PRIORITY_LABEL: Record<Priority, string> = {
  urgent: "Urgent",
  high: "High",
  normal: "Normal",
  low: "Low",
};

type NumberKey = {
  [K in keyof EscalationPolicy]: EscalationPolicy[K] extends number ? K : never;
}[keyof EscalationPolicy];
type BoolKey = {
  [K in keyof EscalationPolicy]: EscalationPolicy[K] extends boolean ? K : never;
}[keyof EscalationPolicy];
export type PolicyField = { key: NumberKey; label: string; hint: string; step: number; min: number; max: number };

export const POLICY_SWITCHES: readonly { key: BoolKey; label: string }[] = [
  { key: "enabled", label: "Hand conversations to a person automatically" },
  { key: "askForHuman", label: "Hand off when the visitor asks for a person" },
];

/** Groups of the policy's numeric rules, in the order the policy checks them (workers/domain/triage/policy.ts). */
export const POLICY_GROUPS: readonly { legend: string; fields: PolicyField[] }[] = [
  {
    legend: "Frustration (scores from 0 to 1)",
    fields: [
      {
        key: "frustrationThreshold",
        label: "Single message threshold",
        hint: "One message at least this frustrated hands off at once.",
        step: 0.05,
        min: 0,
        max: 1,
      },
      {
        key: "negativeThreshold",
        label: "Negative message threshold",
        hint: "A message at or above this counts as negative.",
        step: 0.05,
        min: 0,
        max: 1,
      },
      {
        key: "consecutiveNegative",
        label: "Consecutive negative messages",
        hint: "This many negative messages in a row hand off; 0 turns it off.",
        step: 1,
        min: 0,
        max: 20,
      },
      {
        key: "trendThreshold",
        label: "Trend threshold",
        hint: "Hands off when the conversation's running frustration, over two messages or more, reaches this.",
        step: 0.05,
        min: 0,
        max: 1,
      },
    ],
  },
  {
    legend: "Repeated question",
    fields: [
      {
        key: "repeatedQuestion",
        label: "Times the same question is asked",
        hint: "Hands off when a visitor asks the same thing this often; 0 turns it off.",
        step: 1,
        min: 0,
        max: 20,
      },
      {
        key: "repeatSimilarity",
        label: "Similarity that counts as the same question",
        hint: "From 0.5 (loose) to 1 (identical).",
        step: 0.05,
        min: 0.5,
        max: 1,
      },
    ],
  },
  {
    legend: "Low confidence",
    fields: [
      {
        key: "lowConfidenceThreshold",
        label: "Low confidence threshold",
        hint: "An answer under this confidence counts as unsure; 0 turns it off.",
        step: 0.05,
        min: 0,
        max: 1,
      },
      {
        key: "lowConfidenceCount",
        label: "Unsure answers in a row",
        hint: "This many unsure answers in a row hand off.",
        step: 1,
        min: 1,
        max: 20,
      },
    ],
  },
];

export type PolicyForm = Record<NumberKey, string> & Record<BoolKey, boolean>;

export function policyFormOf(p: EscalationPolicy): PolicyForm {
  const f = { enabled: p.enabled, askForHuman: p.askForHuman } as PolicyForm;
  for (const g of POLICY_GROUPS) for (const x of g.fields) f[x.key] = String(p[x.key]);
  return f;
}

/** A number when the text is one, else the text itself (the API then says what is wrong). */
const asNumber = (s: string): number | string => (s.trim() !== "" && Number.isFinite(Number(s)) ? Number(s) : s);

export function policyPatch(before: EscalationPolicy, f: PolicyForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const s of POLICY_SWITCHES) if (f[s.key] !== before[s.key]) out[s.key] = f[s.key];
  for (const g of POLICY_GROUPS)
    for (const x of g.fields) {
      const v = asNumber(f[x.key]);
      if (v !== before[x.key]) out[x.key] = v;
    }
  return out;
}

export type SlaForm = Record<Priority, { firstResponseMinutes: string; resolutionMinutes: string }>;
export const slaFormOf = (t: SlaTable): SlaForm =>
  Object.fromEntries(
    PRIORITIES.map((p) => [
      p,
      { firstResponseMinutes: String(t[p].firstResponseMinutes), resolutionMinutes: String(t[p].resolutionMinutes) },
    ]),
  ) as SlaForm;

/** Only the priorities whose targets changed; each goes whole (the API validates a priority's pair together). */
export function slaPatch(before: SlaTable, f: SlaForm): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const p of PRIORITIES) {
    const first = asNumber(f[p].firstResponseMinutes);
    const resolution = asNumber(f[p].resolutionMinutes);
    if (first !== before[p].firstResponseMinutes || resolution !== before[p].resolutionMinutes)
      out[p] = { firstResponseMinutes: first, resolutionMinutes: resolution };
  }
  return out;
}

/** "90" → "1 h 30 min", "4320" → "3 days": the table is in minutes, people think in hours and days. */
export function duration(minutesText: string): string {
  const m = Number(minutesText);
  if (!Number.isFinite(m) || m <= 0) return "";
  if (m % 1440 === 0) return m === 1440 ? "1 day" : `${m / 1440} days`;
  if (m >= 60) return `${Math.floor(m / 60)} h${m % 60 ? ` ${m % 60} min` : ""}`;
  return `${m} min`;
}

export const memberName = (members: Member[] | null, userId: string) => {
  const m = members?.find((x) => x.userId === userId);
  return m ? (m.name ?? m.email) : userId;
};

export function ruleTarget(r: RoutingRule, members: Member[] | null): string {
  if (r.target.type === "agent") return memberName(members, r.target.userId);
  return `Team “${r.target.name}” (round-robin: ${r.target.userIds.map((u) => memberName(members, u)).join(", ")})`;
}

export type RuleForm = {
  categoryId: string;
  minPriority: "" | Priority;
  targetType: "agent" | "team";
  userId: string;
  teamName: string;
  teamUserIds: string[];
  maxOpenPerAgent: string;
  position: string;
};
export const emptyRuleForm = (): RuleForm => ({
  categoryId: "",
  minPriority: "",
  targetType: "agent",
  userId: "",
  teamName: "",
  teamUserIds: [],
  maxOpenPerAgent: "10",
  position: "100",
});

export function ruleBody(f: RuleForm) {
  return {
    categoryId: f.categoryId || null,
    minPriority: f.minPriority || null,
    target:
      f.targetType === "agent"
        ? { type: "agent" as const, userId: f.userId }
        : { type: "team" as const, name: f.teamName, userIds: f.teamUserIds },
    maxOpenPerAgent: asNumber(f.maxOpenPerAgent) as number,
    position: asNumber(f.position) as number,
  };
}
