/**
 * Capacity credits per plan (reference/proxy-contract.md §7.1; codex-lb app/core/usage/__init__.py).
 * They weigh accounts against each other: a Pro account's weekly window holds ~6.7× a Plus one's, so
 * equal used-percentages do not mean equal headroom (trap 10).
 */

interface PlanCapacity {
  /** 5-hour window credits; 0 means the plan has no short window worth routing on. */
  primary: number;
  /** 7-day window credits. */
  secondary: number;
}

const CAPACITY: Readonly<Record<string, PlanCapacity>> = {
  free: { primary: 0, secondary: 1134 },
  plus: { primary: 225, secondary: 7560 },
  business: { primary: 225, secondary: 7560 },
  team: { primary: 225, secondary: 7560 },
  edu: { primary: 225, secondary: 7560 },
  prolite: { primary: 1125, secondary: 37800 },
  pro: { primary: 1500, secondary: 50400 },
  enterprise: { primary: 1500, secondary: 50400 },
};

const PLAN_ALIASES: Readonly<Record<string, string>> = {
  education: 'edu',
  k12: 'edu',
  guest: 'free',
  go: 'free',
  free_workspace: 'free',
  quorum: 'free',
  unknown: 'free',
};

export function normalizePlan(planType: string): string {
  const plan = planType.trim().toLowerCase();
  return PLAN_ALIASES[plan] ?? (plan in CAPACITY ? plan : 'free');
}

export function planCapacity(planType: string): PlanCapacity {
  return CAPACITY[normalizePlan(planType)] ?? { primary: 0, secondary: 1134 };
}
