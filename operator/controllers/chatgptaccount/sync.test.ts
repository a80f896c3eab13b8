import { describe, expect, it } from 'vitest';
import type { ChatGPTAccountSpec } from '../../api/chatgptaccount.ts';
import type { PoolAccount } from '../pool/admin-types.ts';
import { accountPatch, managerOf } from './sync.ts';

const spec = (over: Partial<ChatGPTAccountSpec> = {}): ChatGPTAccountSpec => ({
  codexLBRef: { name: 'lb' },
  credentials: { secretRef: { name: 's' }, key: 'auth.json', importPolicy: 'OnSecretChange' },
  routingPolicy: 'normal',
  paused: false,
  deletionPolicy: 'Delete',
  ...over,
});

const account = (over: Partial<PoolAccount> = {}): PoolAccount => ({
  id: 'acc_1',
  chatgptAccountId: 'c1',
  email: 'a@example.test',
  planType: 'pro',
  status: 'active',
  statusReason: null,
  blockedUntil: null,
  alias: null,
  routingPolicy: 'normal',
  usage: { primary: null, secondary: null },
  lastRefreshAt: null,
  ...over,
});

describe('accountPatch', () => {
  it('asks for nothing when the pool matches the spec', () => {
    expect(accountPatch(spec({ alias: 'A' }), account({ alias: 'A' }))).toBeUndefined();
    expect(accountPatch(spec({ paused: true }), account({ status: 'paused' }))).toBeUndefined();
  });

  it('reverts an alias, a routing policy or a pause changed in the pool', () => {
    expect(accountPatch(spec({ alias: 'A' }), account({ alias: 'edited' }))).toEqual({ alias: 'A' });
    expect(accountPatch(spec(), account({ alias: 'edited' }))).toEqual({ alias: null });
    expect(accountPatch(spec({ routingPolicy: 'preserve' }), account())).toEqual({ routingPolicy: 'preserve' });
    expect(accountPatch(spec(), account({ status: 'paused' }))).toEqual({ paused: false });
    expect(accountPatch(spec({ paused: true }), account({ status: 'rate_limited' }))).toEqual({ paused: true });
  });

  it('does not try to resume an account the proxy stopped for a reason of its own', () => {
    expect(accountPatch(spec(), account({ status: 'reauth_required' }))).toBeUndefined();
    expect(accountPatch(spec(), account({ status: 'deactivated' }))).toBeUndefined();
  });

  it('marks the account as managed by this resource, when the proxy knows the field (the dashboard then keeps it read-only)', () => {
    const manager = managerOf('team', 'alice');
    expect(manager).toBe('ChatGPTAccount team/alice');
    expect(accountPatch(spec(), account({ managedBy: null }), manager)).toEqual({ managedBy: manager });
    expect(accountPatch(spec(), account({ managedBy: 'ChatGPTAccount team/old' }), manager)).toEqual({ managedBy: manager });
    expect(accountPatch(spec(), account({ managedBy: manager }), manager)).toBeUndefined();
    expect(accountPatch(spec(), account(), manager)).toBeUndefined();
  });
});
