import type { Priority, VisitorInfo } from "../../storage/schema";

const ORDER: Priority[] = ["low", "normal", "high", "urgent"];
const rank = (p: Priority) => ORDER.indexOf(p);
const max = (a: Priority, b: Priority) => (rank(a) >= rank(b) ? a : b);
const bump = (p: Priority) => ORDER[Math.min(ORDER.length - 1, rank(p) + 1)]!;

/** True when `a` is at least as urgent as `b`. */
export const atLeast = (a: Priority, b: Priority) => rank(a) >= rank(b);

/** Customer attributes (widget metadata) that mark an important customer. */
const KEY_ACCOUNT_VALUES = new Set(["enterprise", "vip", "premium", "business", "pro", "platinum", "gold"]);

export type PriorityInput = {
  /** Frustration trend of the conversation (EWMA, 0..1) and its highest message score. */
  frustrationTrend: number;
  frustrationMax: number;
  escalationReason?: string | null;
  /** The category's own priority floor, when it has one. */
  categoryPriority?: Priority | null;
  visitor?: VisitorInfo | null;
};

/**
 * Priority from frustration, category and the customer's attributes. Pure; the reasons explain the
 * result in the ticket's history.
 *  - frustration: trend ≥ 0.8 (or a message ≥ 0.95) → urgent; an escalation for frustration or a
 *    trend ≥ 0.65 → high; otherwise normal.
 *  - the category's priority is a floor.
 *  - a key account (metadata plan/tier/segment in KEY_ACCOUNT_VALUES, or vip=true) moves one level up.
 */
export function computePriority(i: PriorityInput): { priority: Priority; reasons: string[] } {
  const reasons: string[] = [];
  let p: Priority = "normal";
  if (i.frustrationTrend >= 0.8 || i.frustrationMax >= 0.95) {
    p = "urgent";
    reasons.push(
      `very frustrated customer (trend ${i.frustrationTrend.toFixed(2)}, peak ${i.frustrationMax.toFixed(2)})`,
    );
  } else if (i.escalationReason === "frustration" || i.frustrationTrend >= 0.65) {
    p = "high";
    reasons.push(`frustrated customer (trend ${i.frustrationTrend.toFixed(2)})`);
  }
  if (i.categoryPriority && rank(i.categoryPriority) > rank(p)) {
    p = max(p, i.categoryPriority);
    reasons.push(`category priority ${i.categoryPriority}`);
  }
  if (isKeyAccount(i.visitor)) {
    p = bump(p);
    reasons.push("key account");
  }
  return { priority: p, reasons };
}

export function isKeyAccount(v: VisitorInfo | null | undefined): boolean {
  const m = v?.metadata;
  if (!m) return false;
  if (["vip", "key_account", "keyAccount"].some((k) => /^(1|true|yes)$/i.test(m[k] ?? ""))) return true;
  return ["plan", "tier", "segment"].some((k) => KEY_ACCOUNT_VALUES.has((m[k] ?? "").toLowerCase()));
}
