import type { VisitorInfo } from "../storage/schema";

/** Visitor metadata keys kept (the newest win). */
export const MAX_METADATA_KEYS = 30;

type Patch = Omit<VisitorInfo, "metadata"> & { metadata?: Record<string, string> };

/**
 * Visitor details learned after the start (a resumed widget session carrying identify or
 * email-capture data): given fields replace, metadata merges, and a verified identity stays: only a
 * verified patch (the Worker checked its hash) may set `userId`/`verified`. Undefined when nothing changes.
 */
export function mergeVisitor(current: VisitorInfo, patch: Patch): VisitorInfo | undefined {
  const { metadata, userId, verified, ...plain } = patch;
  const next: VisitorInfo = { ...current, ...plain };
  if (metadata)
    next.metadata = Object.fromEntries(Object.entries({ ...current.metadata, ...metadata }).slice(-MAX_METADATA_KEYS));
  if (userId !== undefined && verified === true) Object.assign(next, { userId, verified: true });
  return JSON.stringify(next) === JSON.stringify(current) ? undefined : next;
}
