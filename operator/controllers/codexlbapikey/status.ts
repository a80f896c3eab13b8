/** CodexLBAPIKey status as a pure function of one pass. Carries the key id and prefix, never the key. */
import type { CodexLBAPIKeyStatus } from '../../api/codexlbapikey.ts';
import type { CodexLBAPIKey } from '../../api/crds.ts';
import { mergeConditions, PoolReason, type ConditionInput, type PoolProblem } from '../conditions.ts';
import type { PoolApiKey } from '../pool/admin-types.ts';
import type { PreviousKey } from './plan.ts';
import { usageOf } from './settings.ts';

export interface KeyStatusInputs {
  cr: CodexLBAPIKey;
  now: Date;
  /** The current key as the pool shows it after this pass. */
  key?: PoolApiKey;
  /** The rotation token the current key was issued for. */
  rotationToken?: string;
  previous?: PreviousKey[];
  problem?: PoolProblem;
}

function readiness(s: KeyStatusInputs): Omit<ConditionInput, 'type'> {
  if (s.problem) return { status: 'False', reason: s.problem.reason, message: s.problem.message };
  if (!s.key) return { status: 'Unknown', reason: 'Pending', message: 'No key has been issued yet' };
  if (s.key.expiresAt && new Date(s.key.expiresAt).getTime() <= s.now.getTime()) {
    return { status: 'False', reason: PoolReason.Expired, message: `Key ${s.key.prefix}… expired at ${s.key.expiresAt}` };
  }
  return { status: 'True', reason: PoolReason.KeyIssued, message: `Key ${s.key.prefix}… is in Secret "${s.cr.spec.secret.name}"` };
}

export function keyStatus(s: KeyStatusInputs): CodexLBAPIKeyStatus {
  const previous = s.cr.status ?? {};
  const status: CodexLBAPIKeyStatus = {
    observedGeneration: s.cr.metadata.generation ?? 0,
    conditions: mergeConditions(previous.conditions, [{ type: 'Ready', ...readiness(s) }], s.cr.metadata.generation ?? 0, s.now),
    keyId: s.key?.id ?? previous.keyId,
    prefix: s.key?.prefix ?? previous.prefix,
    secretName: s.key ? s.cr.spec.secret.name : previous.secretName,
    rotationToken: s.key ? s.rotationToken : previous.rotationToken,
    previousKeys: s.previous ?? previous.previousKeys,
    usage: s.key ? usageOf(s.key) : previous.usage,
  };
  if (status.previousKeys?.length === 0) delete status.previousKeys;
  if (status.usage?.length === 0) delete status.usage;
  return JSON.parse(JSON.stringify(status)) as CodexLBAPIKeyStatus;
}
