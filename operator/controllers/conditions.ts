/**
 * metav1.Condition bookkeeping: lastTransitionTime changes only when status flips, so re-computing
 * identical conditions produces an identical status (and therefore no status write).
 */
import type { Condition } from '../api/common.ts';

export type ConditionStatus = 'True' | 'False' | 'Unknown';

/**
 * Reasons of `Degraded=True`: the one vocabulary for "something needs a human". Every stage that can
 * stop a reconcile or hold a rollout reports one of these, with a message naming the object or field.
 */
export const DegradedReason = {
  /** A child's name is taken by an object this CodexLB does not control. */
  NameConflict: 'NameConflict',
  /** spec.image is outside the operator's --allowed-images. */
  ImageNotAllowed: 'ImageNotAllowed',
  /** An upstream or OAuth URL is not https, or its host is outside --allowed-upstream-hosts. */
  UpstreamNotAllowed: 'UpstreamNotAllowed',
  /** envFrom would set an operator-managed variable or a runtime switch. */
  ManagedEnvOverride: 'ManagedEnvOverride',
  SecretNotFound: 'SecretNotFound',
  SecretKeyNotFound: 'SecretKeyNotFound',
  /** A referenced Secret lacks the opt-in label (operator/api/secret-access.ts). */
  SecretAccessNotGranted: 'SecretAccessNotGranted',
  InvalidEncryptionKey: 'InvalidEncryptionKey',
  /** The key the pods get is not the one the database was encrypted with (or the generated key Secret was deleted). */
  EncryptionKeyLost: 'EncryptionKeyLost',
  MigrationFailed: 'MigrationFailed',
  DatabaseUnreachable: 'DatabaseUnreachable',
  SchemaAhead: 'SchemaAhead',
  ApplyFailed: 'ApplyFailed',
} as const;
export type DegradedReason = (typeof DegradedReason)[keyof typeof DegradedReason];

/** A problem that needs a human: becomes `Degraded=True` with this reason and message. */
export interface Problem {
  reason: DegradedReason;
  message: string;
}

/** Reconcile stages that can stop a pass before anything is applied, in the order they run. */
export type Stage = 'policy' | 'ownership' | 'secrets' | 'environment';

/** Thrown by a stage that found a Problem: the pass stops, reports it, and writes nothing else. */
export class Blocked extends Error {
  readonly stage: Stage;
  readonly problem: Problem;
  constructor(stage: Stage, problem: Problem) {
    super(problem.message);
    this.name = 'Blocked';
    this.stage = stage;
    this.problem = problem;
  }
}

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
