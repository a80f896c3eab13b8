/** A CodexLB's pool totals for its status (pure). */
import type { CodexLBStatus } from '../../api/codexlb-status.ts';
import type { PoolState } from './admin-types.ts';

export type PoolTotals = Pick<CodexLBStatus, 'accounts' | 'apiKeys'>;

/** `managed`: pool ids some ChatGPTAccount / CodexLBAPIKey stands for. */
export function poolTotals(state: PoolState, managed: { accountIds: ReadonlySet<string>; apiKeyIds: ReadonlySet<string> }): PoolTotals {
  const count = (status: string) => state.accounts.filter((a) => a.status === status).length;
  return {
    accounts: {
      total: state.accounts.length,
      managed: state.accounts.filter((a) => managed.accountIds.has(a.id)).length,
      active: count('active'),
      rateLimited: count('rate_limited'),
      quotaExceeded: count('quota_exceeded'),
      paused: count('paused'),
      reauthRequired: count('reauth_required'),
      deactivated: count('deactivated'),
    },
    apiKeys: { total: state.apiKeys.length, managed: state.apiKeys.filter((k) => managed.apiKeyIds.has(k.id)).length },
  };
}
