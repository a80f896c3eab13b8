import { describe, expect, it } from 'vitest';
import type { AccountView, RoutingStrategy, RuntimeView } from './account-state.ts';
import { selectAccount, type SelectionRequest } from './select.ts';

const NOW = 1_700_000_000;

function account(id: string, overrides: Partial<AccountView> = {}): AccountView {
  return {
    id,
    status: 'active',
    resetAt: null,
    planType: 'plus',
    routingPolicy: 'normal',
    primary: null,
    secondary: null,
    credits: null,
    ...overrides,
  };
}

function runtime(overrides: Partial<RuntimeView>): RuntimeView {
  return { errorCount: 0, lastErrorAt: 0, lastSelectedAt: 0, inflight: 0, streams: 0, creates: 0, ...overrides };
}

function request(accounts: AccountView[], extra: Partial<SelectionRequest> = {}): SelectionRequest {
  return {
    accounts,
    runtime: new Map(),
    strategy: 'capacity_weighted',
    now: NOW,
    random: () => 0.5,
    replicaSalt: 'replica-a',
    preferEarlierReset: true,
    ...extra,
  };
}

function pick(accounts: AccountView[], extra: Partial<SelectionRequest> = {}): string | undefined {
  const result = selectAccount(request(accounts, extra));
  return result.ok ? result.accountId : undefined;
}

describe('eligibility', () => {
  it('never routes to paused, re-auth or deactivated accounts', () => {
    const accounts = [account('a', { status: 'paused' }), account('b', { status: 'reauth_required' }), account('c', { status: 'deactivated' }), account('d')];
    expect(pick(accounts)).toBe('d');
  });

  it('skips a rate-limited account until its reset, then routes to it again without waiting for the poller', () => {
    const limited = account('a', { status: 'rate_limited', resetAt: NOW + 60 });
    expect(pick([limited])).toBeUndefined();
    expect(pick([limited], { now: NOW + 60 })).toBe('a');
  });

  it('reads usage windows whose reset has passed as unused', () => {
    const stale = account('a', { primary: { usedPercent: 99, resetAt: NOW - 1 }, secondary: { usedPercent: 100, resetAt: NOW - 1 } });
    const busy = account('b', { secondary: { usedPercent: 60, resetAt: NOW + 86_400 } });
    expect(pick([stale, busy], { strategy: 'usage_weighted', preferEarlierReset: false })).toBe('a');
  });

  it('skips accounts already tried for this request', () => {
    const accounts = [account('a'), account('b'), account('c')];
    expect(pick(accounts, { exclude: new Set(['a', 'b']) })).toBe('c');
  });

  it('puts an account with three consecutive errors into a 30 s backoff', () => {
    const accounts = [account('a'), account('b')];
    const failing = new Map([['a', runtime({ errorCount: 3, lastErrorAt: NOW - 10 })]]);
    expect(pick(accounts, { runtime: failing, strategy: 'usage_weighted' })).toBe('b');
    const recovered = new Map([['a', runtime({ errorCount: 3, lastErrorAt: NOW - 31 })]]);
    expect(pick(accounts, { runtime: recovered, strategy: 'usage_weighted' })).toBe('a');
  });

  it('admits the account whose backoff ends first when every account is backing off', () => {
    const accounts = [account('a'), account('b')];
    const rt = new Map([
      ['a', runtime({ errorCount: 4, lastErrorAt: NOW - 10 })],
      ['b', runtime({ errorCount: 3, lastErrorAt: NOW - 10 })],
    ]);
    expect(pick(accounts, { runtime: rt })).toBe('b');
  });

  it('leaves a lone failing account to recover instead of hammering it', () => {
    const rt = new Map([['a', runtime({ errorCount: 3, lastErrorAt: NOW - 10 })]]);
    expect(selectAccount(request([account('a')], { runtime: rt }))).toEqual({
      ok: false,
      reason: { kind: 'unavailable', message: 'No available accounts' },
    });
  });
});

describe('no account left', () => {
  it('is usage_exhausted with the earliest reset when every servable account is blocked by usage', () => {
    const accounts = [
      account('a', { status: 'rate_limited', resetAt: NOW + 600 }),
      account('b', { status: 'quota_exceeded', resetAt: NOW + 120 }),
      account('c', { status: 'paused' }),
    ];
    expect(selectAccount(request(accounts))).toEqual({ ok: false, reason: { kind: 'usage_exhausted', resetsAt: NOW + 120, quota: false } });
  });

  it('says so when every usage block is a quota (the pool then answers insufficient_quota, not usage_limit_reached)', () => {
    const accounts = [account('a', { status: 'quota_exceeded', resetAt: NOW + 600 }), account('b', { status: 'quota_exceeded', resetAt: NOW + 900 })];
    expect(selectAccount(request(accounts))).toEqual({ ok: false, reason: { kind: 'usage_exhausted', resetsAt: NOW + 600, quota: true } });
  });

  it('is not usage_exhausted when one servable account is out for another reason', () => {
    const accounts = [account('a', { status: 'rate_limited', resetAt: NOW + 600 }), account('b')];
    const result = selectAccount(request(accounts, { exclude: new Set(['b']) }));
    expect(result).toEqual({ ok: false, reason: { kind: 'unavailable', message: 'No available accounts' } });
  });

  it.each([
    ['paused', 'All accounts are paused'],
    ['reauth_required', 'All accounts require re-authentication'],
    ['deactivated', 'All accounts are deactivated'],
  ] as const)('explains a pool that is entirely %s', (status, message) => {
    expect(selectAccount(request([account('a', { status }), account('b', { status })]))).toEqual({
      ok: false,
      reason: { kind: 'unavailable', message },
    });
  });

  it('says so when the pool is empty', () => {
    expect(selectAccount(request([]))).toEqual({ ok: false, reason: { kind: 'unavailable', message: 'No available accounts' } });
  });
});

describe('strategies', () => {
  it('capacity_weighted weighs remaining weekly credits by plan (a fresh Pro holds 6.7x a fresh Plus)', () => {
    const accounts = [account('plus'), account('pro', { planType: 'pro' })];
    // weights 7560 and 50400: points below 7560/57960 ≈ 0.13 land on plus.
    expect(pick(accounts, { random: () => 0.1 })).toBe('plus');
    expect(pick(accounts, { random: () => 0.2 })).toBe('pro');
  });

  it('capacity_weighted falls back to least-used order when every account is spent', () => {
    const accounts = [
      account('a', { secondary: { usedPercent: 100, resetAt: NOW + 3600 } }),
      account('b', { secondary: { usedPercent: 100, resetAt: NOW + 3600 } }),
    ];
    expect(pick(accounts)).toBe('a');
  });

  it('usage_weighted picks the least-used weekly window, then the least-used 5-hour window', () => {
    const accounts = [
      account('a', { secondary: { usedPercent: 40, resetAt: null }, primary: { usedPercent: 10, resetAt: null } }),
      account('b', { secondary: { usedPercent: 20, resetAt: null }, primary: { usedPercent: 90, resetAt: null } }),
      account('c', { secondary: { usedPercent: 20, resetAt: null }, primary: { usedPercent: 50, resetAt: null } }),
    ];
    expect(pick(accounts, { strategy: 'usage_weighted' })).toBe('c');
  });

  it('adds 2.5 points of pressure per in-flight stream on this replica', () => {
    const accounts = [account('a', { secondary: { usedPercent: 10, resetAt: null } }), account('b', { secondary: { usedPercent: 12, resetAt: null } })];
    const rt = new Map([['a', runtime({ inflight: 1 })]]);
    expect(pick(accounts, { strategy: 'usage_weighted', runtime: rt })).toBe('b');
  });

  it('round_robin picks the account selected longest ago', () => {
    const accounts = [account('a'), account('b'), account('c')];
    const rt = new Map([
      ['a', runtime({ lastSelectedAt: NOW - 1 })],
      ['b', runtime({ lastSelectedAt: NOW - 3 })],
      ['c', runtime({ lastSelectedAt: NOW - 2 })],
    ]);
    expect(pick(accounts, { strategy: 'round_robin', runtime: rt })).toBe('b');
  });

  it('sends traffic to burn_first accounts before normal ones, and to preserve accounts last', () => {
    const accounts = [account('keep', { routingPolicy: 'preserve' }), account('normal'), account('burn', { routingPolicy: 'burn_first' })];
    expect(pick(accounts, { strategy: 'usage_weighted' })).toBe('burn');
    expect(pick(accounts.slice(0, 2), { strategy: 'usage_weighted' })).toBe('normal');
    expect(pick(accounts.slice(0, 1), { strategy: 'usage_weighted' })).toBe('keep');
  });

  it('prefers accounts whose weekly credits expire soonest', () => {
    const accounts = [
      account('later', { secondary: { usedPercent: 0, resetAt: NOW + 5 * 86_400 } }),
      account('sooner', { secondary: { usedPercent: 50, resetAt: NOW + 86_400 } }),
    ];
    expect(pick(accounts)).toBe('sooner');
    expect(pick(accounts, { preferEarlierReset: false, strategy: 'usage_weighted' })).toBe('later');
  });

  it.each(['relative_availability', 'fill_first', 'sequential_drain', 'reset_drain', 'single_account'] as RoutingStrategy[])(
    '%s always yields an eligible account',
    (strategy) => {
      const accounts = [account('a', { status: 'paused' }), account('b'), account('c', { planType: 'pro' })];
      expect(['b', 'c']).toContain(pick(accounts, { strategy }));
    },
  );
});

describe('affinity pins', () => {
  const accounts = [account('a'), account('b')];

  it('follows a soft pin while its account is healthy', () => {
    expect(selectAccount(request(accounts, { pin: { accountId: 'b', kind: 'soft' }, random: () => 0 }))).toEqual({
      ok: true,
      accountId: 'b',
      pin: 'followed',
    });
  });

  it('keeps a soft pin for later when its account is temporarily out (warm cache comes back)', () => {
    const rt = new Map([['b', runtime({ errorCount: 3, lastErrorAt: NOW - 1 })]]);
    expect(selectAccount(request(accounts, { pin: { accountId: 'b', kind: 'soft' }, runtime: rt }))).toEqual({
      ok: true,
      accountId: 'a',
      pin: 'fallback',
    });
  });

  it('moves a soft pin whose account is over the 5-hour budget when a better account exists', () => {
    const hot = [account('a'), account('b', { primary: { usedPercent: 97, resetAt: NOW + 600 } })];
    expect(selectAccount(request(hot, { pin: { accountId: 'b', kind: 'soft' } }))).toEqual({ ok: true, accountId: 'a', pin: 'rebound' });
  });

  it('moves a pin whose account was paused', () => {
    const paused = [account('a'), account('b', { status: 'paused' })];
    expect(selectAccount(request(paused, { pin: { accountId: 'b', kind: 'soft' } }))).toEqual({ ok: true, accountId: 'a', pin: 'rebound' });
  });

  it('follows a hard pin even over budget', () => {
    const hot = [account('a'), account('b', { primary: { usedPercent: 99, resetAt: NOW + 600 } })];
    expect(selectAccount(request(hot, { pin: { accountId: 'b', kind: 'hard' } }))).toEqual({ ok: true, accountId: 'b', pin: 'followed' });
  });
});

describe('concurrency caps (§7.5)', () => {
  const limits = { stream: 2, create: 4, streamReserve: 1 };

  it('keeps a new session off an account whose streams leave only the recovery reserve', () => {
    const rt = new Map([['a', runtime({ streams: 1 })]]);
    expect(pick([account('a'), account('b')], { runtime: rt, limits, strategy: 'usage_weighted' })).toBe('b');
  });

  it('lets a conversation bound to the account use the reserved slot', () => {
    const rt = new Map([['a', runtime({ streams: 1 })]]);
    expect(selectAccount(request([account('a'), account('b')], { runtime: rt, limits, pin: { accountId: 'a', kind: 'hard' } }))).toEqual({
      ok: true,
      accountId: 'a',
      pin: 'followed',
    });
  });

  it('spills a hard-pinned request to another account while its own is at the cap, keeping the binding', () => {
    const rt = new Map([['a', runtime({ streams: 2 })]]);
    expect(selectAccount(request([account('a'), account('b')], { runtime: rt, limits, pin: { accountId: 'a', kind: 'hard' } }))).toEqual({
      ok: true,
      accountId: 'b',
      pin: 'fallback',
    });
  });

  it('reports saturation (wait for a slot) when every servable account is at a cap', () => {
    const streams = new Map([['a', runtime({ streams: 2 })], ['b', runtime({ streams: 1 })]]);
    expect(selectAccount(request([account('a'), account('b')], { runtime: streams, limits }))).toEqual({
      ok: false,
      reason: { kind: 'saturated', code: 'account_stream_cap' },
    });
    const creates = new Map([['a', runtime({ creates: 4 })]]);
    expect(selectAccount(request([account('a')], { runtime: creates, limits }))).toEqual({
      ok: false,
      reason: { kind: 'saturated', code: 'account_response_create_cap' },
    });
  });

  it('treats 0 as unlimited', () => {
    const rt = new Map([['a', runtime({ streams: 500, creates: 500 })]]);
    expect(pick([account('a')], { runtime: rt, limits: { stream: 0, create: 0, streamReserve: 1 } })).toBe('a');
  });
});

describe('circuit breaker', () => {
  it('skips accounts whose circuit is open', () => {
    expect(pick([account('a'), account('b')], { circuitOpen: new Set(['a']), strategy: 'usage_weighted' })).toBe('b');
  });

  it('says why when every account is behind an open circuit', () => {
    expect(selectAccount(request([account('a')], { circuitOpen: new Set(['a']) }))).toEqual({
      ok: false,
      reason: { kind: 'unavailable', message: 'All accounts are failing upstream; the circuit breaker is waiting to probe them again' },
    });
  });
});
