import { describe, expect, it } from 'vitest';
import type { ChatGPTAccount } from '../../api/crds.ts';
import type { PoolAccount } from '../pool/admin-types.ts';
import { accountStatus } from './status.ts';

const now = new Date('2026-08-22T10:00:00Z');
const cr = (status?: ChatGPTAccount['status']): ChatGPTAccount => ({
  apiVersion: 'codexlb.io/v1alpha1',
  kind: 'ChatGPTAccount',
  metadata: { name: 'alice', namespace: 'codex', generation: 2 },
  spec: {
    codexLBRef: { name: 'lb' },
    credentials: { secretRef: { name: 'alice-auth' }, key: 'auth.json', importPolicy: 'OnSecretChange' },
    routingPolicy: 'normal',
    paused: false,
    deletionPolicy: 'Delete',
  },
  status,
});
const account = (over: Partial<PoolAccount> = {}): PoolAccount => ({
  id: 'acc_1',
  chatgptAccountId: 'c1',
  email: 'alice@example.test',
  planType: 'pro',
  status: 'active',
  statusReason: null,
  blockedUntil: null,
  alias: null,
  routingPolicy: 'normal',
  usage: {
    primary: { usedPercent: 42, windowMinutes: 300, resetAt: '2026-08-22T12:00:00.000Z' },
    secondary: { usedPercent: 12.5, windowMinutes: 10080, resetAt: '2026-08-27T00:00:00.000Z' },
  },
  lastRefreshAt: '2026-08-22T09:00:00.000Z',
  ...over,
});
const ready = (s: ReturnType<typeof accountStatus>) => s.conditions?.find((c) => c.type === 'Ready');

describe('ChatGPTAccount status', () => {
  it('shows identity, state, both usage windows and Ready=True Imported for an active account', () => {
    const s = accountStatus({ cr: cr(), now, account: account(), imported: { hash: 'sha256:ab', at: now } });
    expect(s).toMatchObject({
      observedGeneration: 2,
      accountId: 'acc_1',
      email: 'alice@example.test',
      planType: 'pro',
      state: 'active',
      resetsAt: '2026-08-22T12:00:00.000Z',
      usage: { primary: { usedPercent: 42, windowMinutes: 300 }, secondary: { usedPercent: 12.5 } },
      lastTokenRefreshTime: '2026-08-22T09:00:00.000Z',
      importedSecretHash: 'sha256:ab',
      lastImportTime: '2026-08-22T10:00:00Z',
    });
    expect(ready(s)).toMatchObject({ status: 'True', reason: 'Imported' });
  });

  it('reports a rate-limited account with the time it becomes usable again', () => {
    const s = accountStatus({ cr: cr(), now, account: account({ status: 'rate_limited', blockedUntil: '2026-08-22T10:05:00.000Z' }) });
    expect(s.resetsAt).toBe('2026-08-22T10:05:00.000Z');
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'RateLimited', message: expect.stringContaining('2026-08-22T10:05:00.000Z') });
  });

  it.each([
    ['quota_exceeded', 'False', 'QuotaExceeded'],
    ['deactivated', 'False', 'Deactivated'],
    ['paused', 'True', 'Paused'],
  ] as const)('maps state %s to Ready=%s %s', (state, status, reason) => {
    expect(ready(accountStatus({ cr: cr(), now, account: account({ status: state }) }))).toMatchObject({ status, reason });
  });

  it('tells how to fix an account that needs a new login', () => {
    const s = accountStatus({ cr: cr(), now, account: account({ status: 'reauth_required', statusReason: 'Refresh token was already used - re-login required' }) });
    expect(s.stateReason).toBe('Refresh token was already used - re-login required');
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'ReauthRequired', message: expect.stringContaining('Secret "alice-auth"') });
  });

  it('keeps the last known pool values when a problem hides the pool, and says what the problem is', () => {
    const before = accountStatus({ cr: cr(), now, account: account(), imported: { hash: 'sha256:ab', at: now } });
    const s = accountStatus({ cr: cr(before), now, problem: { reason: 'AdminAPIUnreachable', message: 'no answer' } });
    expect(s).toMatchObject({ accountId: 'acc_1', email: 'alice@example.test', state: 'active', importedSecretHash: 'sha256:ab' });
    expect(ready(s)).toMatchObject({ status: 'False', reason: 'AdminAPIUnreachable', message: 'no answer' });
  });

  it('is identical for identical observations (no status write in steady state)', () => {
    const first = accountStatus({ cr: cr(), now, account: account() });
    const again = accountStatus({ cr: cr(first), now: new Date(now.getTime() + 60_000), account: account() });
    expect(again).toEqual(first);
  });
});
