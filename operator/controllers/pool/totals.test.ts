import { describe, expect, it } from 'vitest';
import type { PoolAccount, PoolApiKey, PoolState } from './admin-types.ts';
import { poolTotals } from './totals.ts';

const account = (id: string, status: PoolAccount['status']) => ({ id, status }) as PoolAccount;
const key = (id: string) => ({ id }) as PoolApiKey;

describe('poolTotals', () => {
  it('counts accounts by state and tells managed ones from hand-made ones', () => {
    const state: PoolState = {
      accounts: [account('a', 'active'), account('b', 'active'), account('c', 'rate_limited'), account('d', 'reauth_required'), account('e', 'paused')],
      apiKeys: [key('k1'), key('k2')],
    };
    expect(poolTotals(state, { accountIds: new Set(['a', 'c', 'gone']), apiKeyIds: new Set(['k2']) })).toEqual({
      accounts: { total: 5, managed: 2, active: 2, rateLimited: 1, quotaExceeded: 0, paused: 1, reauthRequired: 1, deactivated: 0 },
      apiKeys: { total: 2, managed: 1 },
    });
  });
});
