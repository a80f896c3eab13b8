/** ChatGPT plan types as they appear in token claims and usage payloads (proxy-contract §4.1). */
export const PLAN_TYPES = ['free', 'plus', 'pro', 'prolite', 'team', 'business', 'enterprise', 'edu'] as const;

export type PlanType = (typeof PLAN_TYPES)[number];

export function isPlanType(value: unknown): value is PlanType {
  return typeof value === 'string' && (PLAN_TYPES as readonly string[]).includes(value);
}
