/**
 * ChatGPTAccount status as a pure function of one pass: the account as the pool shows it, the
 * problem that stopped the pass (if any), and what was imported. Identical inputs give an identical
 * status, so a steady pool causes no writes. Nothing here can carry token material: the inputs are
 * the proxy's redacted Account and a hash.
 */
import type { ChatGPTAccountStatus } from '../../api/chatgptaccount.ts';
import type { ChatGPTAccount } from '../../api/crds.ts';
import { mergeConditions, PoolReason, type ConditionInput, type PoolProblem } from '../conditions.ts';
import type { PoolAccount, PoolUsageWindow } from '../pool/admin-types.ts';

export interface AccountStatusInputs {
  cr: ChatGPTAccount;
  now: Date;
  /** The account as the pool shows it after this pass; undefined when the pass could not see it. */
  account?: PoolAccount;
  problem?: PoolProblem;
  /** Set when this pass imported or adopted the Secret: its hash, and the time tokens were written (not when kept). */
  imported?: { hash: string; at?: Date };
}

type Verdict = Omit<ConditionInput, 'type'>;

function readiness(s: AccountStatusInputs): Verdict {
  if (s.problem) return { status: 'False', reason: s.problem.reason, message: s.problem.message };
  const a = s.account;
  if (!a) return { status: 'Unknown', reason: 'Pending', message: 'The account has not been looked up in the pool yet' };
  const lb = s.cr.spec.codexLBRef.name;
  switch (a.status) {
    case 'active':
      return { status: 'True', reason: PoolReason.Imported, message: `Account ${a.id} is active in the pool of CodexLB "${lb}"` };
    case 'paused':
      return { status: 'True', reason: PoolReason.Paused, message: `Account ${a.id} is paused: no requests are routed to it` };
    case 'rate_limited':
      return { status: 'False', reason: PoolReason.RateLimited, message: `Account ${a.id} is rate-limited until ${a.blockedUntil ?? 'its window resets'}` };
    case 'quota_exceeded':
      return { status: 'False', reason: PoolReason.QuotaExceeded, message: `Account ${a.id} is over its quota until ${a.blockedUntil ?? 'its window resets'}` };
    case 'reauth_required':
      return {
        status: 'False',
        reason: PoolReason.ReauthRequired,
        message:
          `${a.statusReason ?? 'The refresh token no longer works'}: run \`codex login\` and put the new auth.json into ` +
          `Secret "${s.cr.spec.credentials.secretRef.name}"`,
      };
    case 'deactivated':
      return { status: 'False', reason: PoolReason.Deactivated, message: a.statusReason ?? 'The account was deactivated upstream' };
  }
}

function window(w: PoolUsageWindow | null): NonNullable<ChatGPTAccountStatus['usage']>['primary'] {
  if (!w) return undefined;
  return { usedPercent: w.usedPercent, resetAt: w.resetAt ?? undefined, windowMinutes: w.windowMinutes ?? undefined };
}

export function accountStatus(s: AccountStatusInputs): ChatGPTAccountStatus {
  const previous = s.cr.status ?? {};
  const a = s.account;
  const conditions = mergeConditions(previous.conditions, [{ type: 'Ready', ...readiness(s) }], s.cr.metadata.generation ?? 0, s.now);
  const observed: Partial<ChatGPTAccountStatus> = a
    ? {
        accountId: a.id,
        email: a.email,
        planType: a.planType,
        state: a.status,
        stateReason: a.status === 'active' ? undefined : (a.statusReason ?? undefined),
        resetsAt: a.blockedUntil ?? a.usage.primary?.resetAt ?? undefined,
        usage: { primary: window(a.usage.primary), secondary: window(a.usage.secondary) },
        lastTokenRefreshTime: a.lastRefreshAt ?? undefined,
      }
    : {
        // Not seen this pass (the pool could not be read): the last known values stay.
        accountId: previous.accountId,
        email: previous.email,
        planType: previous.planType,
        state: previous.state,
        stateReason: previous.stateReason,
        resetsAt: previous.resetsAt,
        usage: previous.usage,
        lastTokenRefreshTime: previous.lastTokenRefreshTime,
      };
  const status: ChatGPTAccountStatus = {
    observedGeneration: s.cr.metadata.generation ?? 0,
    conditions,
    ...observed,
    importedSecretHash: s.imported?.hash ?? previous.importedSecretHash,
    lastImportTime: s.imported?.at ? iso(s.imported.at) : previous.lastImportTime,
  };
  return JSON.parse(JSON.stringify(status)) as ChatGPTAccountStatus;
}

function iso(date: Date): string {
  return date.toISOString().replace(/\.\d{3}Z$/, 'Z');
}
