/**
 * What a CodexLBAPIKey pass does to the pool (pure): issue a key (first time, rotation, a lost Secret
 * or a key removed from the pool), retire the replaced key with a grace period, revoke retired keys
 * whose grace has passed, or put drifted settings back.
 *
 * The current key is the one the Secret was last written for (its annotation), falling back to the
 * status when the Secret is gone: the Secret is written before the status, so it is the later record.
 */
import type { CodexLBAPIKeyStatus } from '../../api/codexlbapikey.ts';
import type { CodexLBAPIKey } from '../../api/crds.ts';
import type { ApiKeySettings, PoolApiKey } from '../pool/admin-types.ts';
import { keySettings, settingsDiff } from './settings.ts';

export type IssueWhy = 'first' | 'rotation' | 'secret-lost' | 'key-missing';
export type PreviousKey = NonNullable<CodexLBAPIKeyStatus['previousKeys']>[number];

export interface KeyPlanInputs {
  cr: CodexLBAPIKey;
  now: Date;
  keys: PoolApiKey[];
  /** What our Secret records, when it exists: key id, rotation token, and whether its data holds that key. */
  secret?: { keyId?: string; rotationToken?: string; holdsKey: boolean };
}

export interface KeyPlan {
  /** The key the pool has for this resource now (before any new one is issued). */
  current?: PoolApiKey;
  issue?: IssueWhy;
  /** Rotated-out keys still valid, including any retired by this plan. */
  previous: PreviousKey[];
  /** Ids whose grace period has passed. */
  revoke: string[];
  update?: Partial<ApiKeySettings>;
}

export function planKey(i: KeyPlanInputs): KeyPlan {
  const { cr, now, keys } = i;
  const inPool = (id: string | undefined) => (id ? keys.find((k) => k.id === id) : undefined);
  const status = cr.status ?? {};
  const current = inPool(i.secret?.keyId) ?? inPool(status.keyId);
  const retireAt = new Date(now.getTime() + cr.spec.rotationGracePeriodSeconds * 1000).toISOString();
  let previous = (status.previousKeys ?? []).filter((p) => inPool(p.keyId) && p.keyId !== current?.id);
  const retire = (key: PoolApiKey | undefined): void => {
    if (key && !previous.some((p) => p.keyId === key.id)) previous = [...previous, { keyId: key.id, prefix: key.prefix, revokeAt: retireAt }];
  };
  // A key issued before a crash that the status still names: the Secret moved on, so it is rotated out.
  if (status.keyId && status.keyId !== current?.id) retire(inPool(status.keyId));

  const appliedToken = i.secret?.keyId === current?.id && i.secret ? i.secret.rotationToken : status.rotationToken;
  let issue: IssueWhy | undefined;
  if (!current) issue = status.keyId || i.secret?.keyId ? 'key-missing' : 'first';
  else if (!i.secret || i.secret.keyId !== current.id || !i.secret.holdsKey) issue = 'secret-lost';
  else if ((cr.spec.rotationToken ?? '') !== (appliedToken ?? '')) issue = 'rotation';
  if (issue) retire(current);

  const due = previous.filter((p) => !p.revokeAt || new Date(p.revokeAt).getTime() <= now.getTime());
  const plan: KeyPlan = { current, issue, previous: previous.filter((p) => !due.includes(p)), revoke: due.map((p) => p.keyId) };
  if (!issue && current) plan.update = settingsDiff(keySettings(cr), current);
  return plan;
}

/** When the next retired key is due, for the requeue. */
export function nextRevocation(previous: PreviousKey[], now: Date): number | undefined {
  const times = previous.map((p) => (p.revokeAt ? new Date(p.revokeAt).getTime() - now.getTime() : 0));
  return times.length ? Math.max(1000, Math.min(...times)) : undefined;
}
