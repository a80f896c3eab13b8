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
  /** The database URL's scheme is not one the flavor's driver accepts (render/program.ts). */
  InvalidDatabaseURL: 'InvalidDatabaseURL',
  MigrationFailed: 'MigrationFailed',
  DatabaseUnreachable: 'DatabaseUnreachable',
  SchemaAhead: 'SchemaAhead',
  ApplyFailed: 'ApplyFailed',
  /** spec.externalSecrets is set but the External Secrets Operator's CRDs are not installed. */
  ExternalSecretsNotInstalled: 'ExternalSecretsNotInstalled',
  /** The ExternalSecret reports that it cannot sync (store unreachable, remote key missing...). */
  ExternalSecretNotSynced: 'ExternalSecretNotSynced',
  /** database.postgres.managed is set but CloudNativePG's CRDs are not installed. */
  CloudNativePGNotInstalled: 'CloudNativePGNotInstalled',
} as const;
export type DegradedReason = (typeof DegradedReason)[keyof typeof DegradedReason];

/**
 * Reasons of the `Ready` condition of ChatGPTAccounts and CodexLBAPIKeys. The first group describes a
 * resource in place (its account's state in the pool, its key); the rest stop a pass and say what a
 * human must fix. Secret and ownership problems share their names with DegradedReason.
 */
export const PoolReason = {
  /** The account is in the pool and active. */
  Imported: 'Imported',
  /** The account is in the pool and paused, as the spec asks. */
  Paused: 'Paused',
  RateLimited: 'RateLimited',
  QuotaExceeded: 'QuotaExceeded',
  /** The refresh token is dead: `codex login` again and update the Secret. */
  ReauthRequired: 'ReauthRequired',
  Deactivated: 'Deactivated',
  /** The API key exists and its Secret holds it. */
  KeyIssued: 'KeyIssued',
  /** The API key's expiresAt has passed. */
  Expired: 'Expired',
  CodexLBNotFound: 'CodexLBNotFound',
  /** The CodexLB has no ready replica to call yet. */
  CodexLBNotReady: 'CodexLBNotReady',
  /** The admin API did not answer, refused the operator's token, or has no endpoint configured. */
  AdminAPIUnreachable: 'AdminAPIUnreachable',
  /** The admin API refused a request (4xx); the message is the proxy's, which never carries secrets. */
  AdminAPIRejected: 'AdminAPIRejected',
  SecretNotFound: DegradedReason.SecretNotFound,
  SecretKeyNotFound: DegradedReason.SecretKeyNotFound,
  SecretAccessNotGranted: DegradedReason.SecretAccessNotGranted,
  NameConflict: DegradedReason.NameConflict,
  /** The Secret's auth.json is not usable (not JSON, no refresh token, no id token...). */
  InvalidAuthJSON: 'InvalidAuthJSON',
  /** importPolicy Never (or Once, after the account was removed) and the account is not in the pool. */
  AccountNotInPool: 'AccountNotInPool',
  /** An older ChatGPTAccount already manages the same pool account. */
  DuplicateAccount: 'DuplicateAccount',
} as const;
export type PoolReason = (typeof PoolReason)[keyof typeof PoolReason];

/** Why a ChatGPTAccount or CodexLBAPIKey pass stopped: becomes `Ready=False` with this reason and message. */
export interface PoolProblem {
  reason: PoolReason;
  message: string;
}

/** Thrown where a ChatGPTAccount or CodexLBAPIKey pass cannot go on; the reconciler reports it. */
export class PoolBlocked extends Error {
  readonly problem: PoolProblem;
  constructor(problem: PoolProblem) {
    super(problem.message);
    this.name = 'PoolBlocked';
    this.problem = problem;
  }
}

/**
 * Reasons of a pass that waits for another controller to produce what it needs (the Secret ESO fills,
 * the database CloudNativePG creates): in progress, not a problem, as long as that controller works.
 */
export const WaitingReason = {
  WaitingForExternalSecret: 'WaitingForExternalSecret',
  WaitingForCloudNativePG: 'WaitingForCloudNativePG',
} as const;
export type WaitingReason = (typeof WaitingReason)[keyof typeof WaitingReason];

/** Thrown where a pass must wait for another controller; reported as Progressing, retried soon. */
export class Waiting extends Error {
  readonly reason: WaitingReason;
  constructor(reason: WaitingReason, message: string) {
    super(message);
    this.name = 'Waiting';
    this.reason = reason;
  }
}

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
