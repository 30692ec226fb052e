import { RateLimited } from "../../lib/errors";
import type { BaseCtx } from "../ctx";

/**
 * The one limiter every password check goes through (issue 13 items 1 and 8).
 *
 * - Per (account, client IP): at most PAIR_MAX_ATTEMPTS unsuccessful checks per PAIR_WINDOW_MS;
 *   the next one locks that pair for PAIR_LOCK_MS. An attempt is counted *before* the hash is
 *   compared, so 60 parallel guesses cannot all slip past a counter that still reads 0; a success
 *   clears the pair.
 * - Per account, across all addresses: failures are counted per ACCOUNT_WINDOW_MS. Above
 *   ACCOUNT_SOFT_LIMIT the account is under a distributed attack and every pair's allowance drops
 *   to PAIR_MAX_UNDER_ATTACK. That is a backoff, never a lockout: no one can stop the real user
 *   from signing in from their own address, because only failures *from that address* lock it.
 *
 * The client IP is `cf-connecting-ip`, which Cloudflare's edge sets (clients cannot spoof it there).
 */
export const PAIR_MAX_ATTEMPTS = 10;
export const PAIR_MAX_UNDER_ATTACK = 3;
export const PAIR_WINDOW_MS = 15 * 60_000;
export const PAIR_LOCK_MS = 15 * 60_000;
export const ACCOUNT_WINDOW_MS = 60 * 60_000;
export const ACCOUNT_SOFT_LIMIT = 100;

export type Client = { ip: string };

const pairKey = (account: string, ip: string) => `pw:${account}|${ip}`;
const accountKey = (account: string) => `pwacct:${account}`;
const retryAfter = (until: number, now: number) => Math.max(1, Math.ceil((until - now) / 1000));

/**
 * Runs `check` (a password comparison) under the limiter for `account` from `client`; returns its
 * result or throws 429 without running it. `account` is the normalised email, known or not, so an
 * unknown address is limited exactly like a real one.
 */
export async function limitPasswordCheck(
  ctx: BaseCtx,
  account: string,
  client: Client,
  check: () => Promise<boolean>,
): Promise<boolean> {
  const repo = ctx.repos.throttle;
  const now = ctx.clock.now();
  const pair = pairKey(account, client.ip);
  const [row, acct] = await Promise.all([repo.bump(pair, now, PAIR_WINDOW_MS), repo.get(accountKey(account))]);
  const locked = row?.lockedUntil?.getTime() ?? 0;
  if (locked > now) throw tooMany(retryAfter(locked, now));
  const underAttack =
    !!acct && acct.windowStart.getTime() > now - ACCOUNT_WINDOW_MS && acct.count >= ACCOUNT_SOFT_LIMIT;
  const allowance = underAttack ? PAIR_MAX_UNDER_ATTACK : PAIR_MAX_ATTEMPTS;
  if ((row?.count ?? 1) > allowance) {
    await repo.lock(pair, now, now + PAIR_LOCK_MS);
    if (underAttack) ctx.log.warn("password guessing across addresses", { failures: acct.count });
    throw tooMany(retryAfter(now + PAIR_LOCK_MS, now));
  }
  const ok = await check();
  if (ok) await repo.clear(pair);
  else await repo.bump(accountKey(account), now, ACCOUNT_WINDOW_MS);
  return ok;
}

function tooMany(seconds: number) {
  return new RateLimited("too many sign-in attempts from this address; wait before trying again", seconds);
}

/** Per-IP (or other key) request budget for anonymous endpoints such as signup and password reset. */
export async function limitRequests(ctx: BaseCtx, key: string, max: number, windowMs: number, what: string) {
  const now = ctx.clock.now();
  const row = await ctx.repos.throttle.bump(key, now, windowMs);
  if ((row?.count ?? 1) > max) {
    const until = (row?.windowStart.getTime() ?? now) + windowMs;
    throw new RateLimited(`too many ${what} from this address; try again later`, retryAfter(until, now));
  }
}

/** Like limitRequests, but answers whether the budget allows it instead of throwing (for silent limits). */
export async function withinBudget(ctx: BaseCtx, key: string, max: number, windowMs: number) {
  const row = await ctx.repos.throttle.bump(key, ctx.clock.now(), windowMs);
  return (row?.count ?? 1) <= max;
}
