/**
 * Picking one account among eligible candidates (reference/proxy-contract.md §7.3). Each strategy is
 * a pure function; randomness and the replica salt are inputs so tests can pin them.
 */
import { createHash } from 'node:crypto';
import type { RoutingStrategy } from './account-state.ts';
import { planCapacity } from './capacity.ts';
import type { Candidate } from './eligibility.ts';

export interface StrategyContext {
  now: number;
  /** Uniform in [0, 1). */
  random: () => number;
  /** Decorrelates round-robin ties across replicas (the bridge instance id). */
  replicaSalt: string;
  /** Restrict to the accounts whose weekly window resets soonest (default true upstream). */
  preferEarlierReset: boolean;
}

/** Sticky-reallocation and budget-safe thresholds (dashboard defaults, §7.3/§7.4). */
export const PRIMARY_BUDGET_THRESHOLD_PCT = 95;
export const SECONDARY_BUDGET_THRESHOLD_PCT = 100;

const UNKNOWN_RESET_DAYS = 10_000;

type Key = ReadonlyArray<number | string>;

function compareKeys(a: Key, b: Key): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) {
    const x = a[i];
    const y = b[i];
    if (x === y) continue;
    if (x === undefined) return -1;
    if (y === undefined) return 1;
    return x < y ? -1 : 1;
  }
  return 0;
}

function minBy(candidates: readonly Candidate[], key: (c: Candidate) => Key): Candidate {
  let best = candidates[0] as Candidate;
  let bestKey = key(best);
  for (const candidate of candidates.slice(1)) {
    const k = key(candidate);
    if (compareKeys(k, bestKey) < 0) {
      best = candidate;
      bestKey = k;
    }
  }
  return best;
}

/** Remaining weekly credits: capacity × (1 − used%); plans without a weekly sample use the 5-hour one. */
export function remainingCredits(candidate: Candidate): number {
  const capacity = planCapacity(candidate.account.planType);
  const used = candidate.hasSecondary ? candidate.secondaryUsed : candidate.primaryUsed;
  return capacity.secondary * Math.max(0, 1 - used / 100);
}

function usageWeighted(candidates: readonly Candidate[]): Candidate {
  return minBy(candidates, (c) => [c.secondaryUsed, c.primaryUsed, c.runtime.lastSelectedAt, c.account.id]);
}

function capacityWeighted(candidates: readonly Candidate[], ctx: StrategyContext): Candidate {
  return weightedPick(candidates, candidates.map(remainingCredits), ctx) ?? usageWeighted(candidates);
}

const digest = (value: string): string => createHash('sha256').update(value).digest('hex');

function roundRobin(candidates: readonly Candidate[], ctx: StrategyContext): Candidate {
  return minBy(candidates, (c) => [c.runtime.lastSelectedAt, digest(`${ctx.replicaSalt}\0${c.account.id}`)]);
}

function weightedPick(candidates: readonly Candidate[], weights: readonly number[], ctx: StrategyContext): Candidate | undefined {
  const total = weights.reduce((sum, w) => sum + w, 0);
  if (total <= 0) return undefined;
  let point = ctx.random() * total;
  for (let i = 0; i < candidates.length; i++) {
    point -= weights[i] ?? 0;
    if (point < 0) return candidates[i];
  }
  return candidates[candidates.length - 1];
}

const WEEK_SECONDS = 7 * 86_400;
const RELATIVE_AVAILABILITY_POWER = 2;
const RELATIVE_AVAILABILITY_TOP_K = 5;

/** Credits left per second until they reset: spend where headroom would otherwise expire unused. */
function relativeAvailability(candidates: readonly Candidate[], ctx: StrategyContext): Candidate {
  const scores = candidates.map((c) => {
    const untilReset = c.secondaryResetAt === null ? WEEK_SECONDS : c.secondaryResetAt - ctx.now;
    return remainingCredits(c) / Math.max(untilReset, 300);
  });
  const best = Math.max(...scores);
  if (best <= 0) return usageWeighted(candidates);
  const ranked = candidates
    .map((candidate, i) => ({ candidate, weight: ((scores[i] ?? 0) / best) ** RELATIVE_AVAILABILITY_POWER }))
    .filter((r) => r.weight >= 0.1)
    .sort((a, b) => b.weight - a.weight)
    .slice(0, RELATIVE_AVAILABILITY_TOP_K);
  return weightedPick(ranked.map((r) => r.candidate), ranked.map((r) => r.weight), ctx) ?? usageWeighted(candidates);
}

function daysUntilReset(c: Candidate, now: number): number {
  return c.secondaryResetAt === null ? UNKNOWN_RESET_DAYS : Math.max(0, Math.floor((c.secondaryResetAt - now) / 86_400));
}

/** burn_first accounts take traffic before normal ones, preserve accounts only when nothing else is left. */
function policyPool(candidates: readonly Candidate[]): readonly Candidate[] {
  for (const policy of ['burn_first', 'normal', 'preserve'] as const) {
    const pool = candidates.filter((c) => c.account.routingPolicy === policy);
    if (pool.length > 0) return pool;
  }
  return candidates;
}

/** Prefer accounts with short-window headroom left; fall back to everyone when none has any. */
function budgetSafe(candidates: readonly Candidate[]): readonly Candidate[] {
  const safe = candidates.filter((c) => c.account.routingPolicy !== 'preserve' && c.primaryUsed <= PRIMARY_BUDGET_THRESHOLD_PCT);
  return safe.length > 0 ? safe : candidates;
}

/** Spend the credits that expire first: keep only the accounts whose weekly reset is the fewest whole days away. */
function earliestResetBucket(candidates: readonly Candidate[], now: number): readonly Candidate[] {
  const soonest = Math.min(...candidates.map((c) => daysUntilReset(c, now)));
  return candidates.filter((c) => daysUntilReset(c, now) === soonest);
}

const PREFERS_EARLIER_RESET: ReadonlySet<RoutingStrategy> = new Set(['capacity_weighted', 'usage_weighted', 'fill_first']);

export function chooseCandidate(
  candidates: readonly Candidate[],
  strategy: RoutingStrategy,
  ctx: StrategyContext,
): Candidate | undefined {
  if (candidates.length === 0) return undefined;
  let pool = budgetSafe(policyPool(candidates));
  if (ctx.preferEarlierReset && PREFERS_EARLIER_RESET.has(strategy)) pool = earliestResetBucket(pool, ctx.now);
  switch (strategy) {
    case 'capacity_weighted':
      return capacityWeighted(pool, ctx);
    case 'usage_weighted':
      return usageWeighted(pool);
    case 'round_robin':
      return roundRobin(pool, ctx);
    case 'relative_availability':
      return relativeAvailability(pool, ctx);
    case 'fill_first':
      return minBy(pool, (c) => [-c.primaryUsed, -c.secondaryUsed, c.account.id]);
    case 'sequential_drain':
      return minBy(pool, (c) => [planCapacity(c.account.planType).secondary, digest(c.account.id), c.account.id]);
    case 'reset_drain':
      return minBy(pool, (c) => [
        daysUntilReset(c, ctx.now),
        c.primaryUsed - 100,
        c.secondaryUsed - 100,
        c.secondaryResetAt ?? Infinity,
        digest(c.account.id),
        c.account.id,
      ]);
    case 'single_account':
      return minBy(pool, (c) => [c.account.id]);
  }
}

/** Whether `pinned` is over the sticky-reallocation budget and a candidate under it exists (§7.4). */
export function shouldReallocate(pinned: Candidate, candidates: readonly Candidate[]): boolean {
  const overBudget = (c: Candidate): boolean =>
    c.primaryUsed > PRIMARY_BUDGET_THRESHOLD_PCT || c.secondaryUsed > SECONDARY_BUDGET_THRESHOLD_PCT;
  if (!overBudget(pinned)) return false;
  return candidates.some((c) => c.account.id !== pinned.account.id && !overBudget(c));
}
