/**
 * metav1.Condition bookkeeping: lastTransitionTime changes only when status flips, so re-computing
 * identical conditions produces an identical status (and therefore no status write).
 */
import type { Condition } from '../api/common.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

export interface ConditionInput {
  type: string;
  status: ConditionStatus;
  reason: string;
  message: string;
}

export function mergeConditions(
  previous: Condition[] | undefined,
  next: ConditionInput[],
  generation: number,
  now: Date,
): Condition[] {
  return next.map((c) => {
    const old = previous?.find((p) => p.type === c.type);
    return {
      type: c.type,
      status: c.status,
      reason: c.reason,
      message: c.message.slice(0, 32768),
      observedGeneration: generation,
      lastTransitionTime: old && old.status === c.status ? old.lastTransitionTime : now.toISOString().replace(/\.\d{3}Z$/, 'Z'),
    };
  });
}

export function findCondition(conditions: Condition[] | undefined, type: string): Condition | undefined {
  return conditions?.find((c) => c.type === type);
}

/**
 * Conditions whose status flipped, for transition events. A condition seen for the first time is
 * only news when it is Degraded=True: a new object being not-yet-ready is expected.
 */
export function transitions(previous: Condition[] | undefined, next: Condition[]): Condition[] {
  return next.filter((c) => {
    const old = findCondition(previous, c.type);
    return old ? old.status !== c.status : c.type === 'Degraded' && c.status === 'True';
  });
}
