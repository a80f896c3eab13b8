import { describe, expect, it } from 'vitest';
import { accountPatch } from '../chatgptaccount/sync.ts';
import { accountCalls, findSeedAccount, planUpstreamImport, seedIdentity, toPoolAccount, toPoolApiKey, type UpstreamAccount } from './upstream-mapping.ts';

const jwt = (claims: Record<string, unknown>) => `e30.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.sig`;
const authJson = (claims: Record<string, unknown>, extra: Record<string, unknown> = {}) => ({
  tokens: { id_token: jwt(claims), access_token: 'at', refresh_token: 'rt', ...extra },
  last_refresh: '2026-12-01T10:00:00Z',
});

const summary = (over: Partial<UpstreamAccount> = {}): UpstreamAccount => ({
  accountId: 'acc_1',
  chatgptAccountId: 'c1',
  email: 'a@example.test',
  planType: 'pro',
  status: 'active',
  routingPolicy: 'normal',
  ...over,
});

describe('toPoolAccount', () => {
  it('turns remaining percentages into used ones and keeps windows, resets and identity', () => {
    const account = toPoolAccount(
      summary({
        alias: 'team',
        routingPolicy: 'burn_first',
        usage: { primaryRemainingPercent: 72.5, secondaryRemainingPercent: 100 },
        windowMinutesPrimary: 300,
        windowMinutesSecondary: 10080,
        resetAtPrimary: '2026-12-02T08:00:00.123456Z',
        resetAtSecondary: '2026-12-07T00:00:00Z',
        lastRefreshAt: '2026-12-01T10:00:00Z',
      }),
    );
    expect(account).toEqual({
      id: 'acc_1',
      chatgptAccountId: 'c1',
      email: 'a@example.test',
      planType: 'pro',
      status: 'active',
      statusReason: null,
      blockedUntil: null,
      alias: 'team',
      routingPolicy: 'burn_first',
      usage: {
        primary: { usedPercent: 27.5, windowMinutes: 300, resetAt: '2026-12-02T08:00:00.123Z' },
        secondary: { usedPercent: 0, windowMinutes: 10080, resetAt: '2026-12-07T00:00:00.000Z' },
      },
      lastRefreshAt: '2026-12-01T10:00:00.000Z',
    });
    // No managedBy: the dashboard has no such marker, so the account sync never asks for it.
    expect('managedBy' in account).toBe(false);
  });

  it('reports no window when upstream has no usage yet', () => {
    expect(toPoolAccount(summary({ usage: null })).usage).toEqual({ primary: null, secondary: null });
  });

  it('takes the blocking window reset as the end of a block, and the deactivation reason as the status reason', () => {
    const resets = { resetAtPrimary: '2026-12-02T08:00:00Z', resetAtSecondary: '2026-12-07T00:00:00Z' };
    expect(toPoolAccount(summary({ status: 'rate_limited', ...resets })).blockedUntil).toBe('2026-12-02T08:00:00.000Z');
    expect(toPoolAccount(summary({ status: 'quota_exceeded', ...resets })).blockedUntil).toBe('2026-12-07T00:00:00.000Z');
    expect(toPoolAccount(summary({ status: 'deactivated', deactivationReason: 'workspace removed' }))).toMatchObject({ statusReason: 'workspace removed', blockedUntil: null });
  });

  it('reads a state it does not know as not routable, and says so', () => {
    expect(toPoolAccount(summary({ status: 'quarantined' }))).toMatchObject({ status: 'deactivated', statusReason: 'unknown upstream state "quarantined"' });
  });
});

describe('toPoolApiKey', () => {
  it('keeps limits in their units (cost in micro-dollars) and names fields as the operator does', () => {
    const key = toPoolApiKey({
      id: 'k1',
      name: 'team',
      keyPrefix: 'sk-clb-abcd',
      allowedModels: ['gpt-5.4'],
      expiresAt: null,
      isActive: true,
      createdAt: '2026-12-01T10:00:00.5Z',
      limits: [{ id: 7, limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000, currentValue: 250_000, modelFilter: null, resetAt: '2026-12-08T10:00:00Z' }],
    });
    expect(key).toEqual({
      id: 'k1',
      name: 'team',
      prefix: 'sk-clb-abcd',
      allowedModels: ['gpt-5.4'],
      expiresAt: null,
      active: true,
      createdAt: '2026-12-01T10:00:00.500Z',
      limits: [{ id: '7', limitType: 'cost_usd', limitWindow: 'weekly', maxValue: 12_500_000, currentValue: 250_000, modelFilter: null, resetAt: '2026-12-08T10:00:00.000Z' }],
    });
  });
});

describe('accountCalls', () => {
  it('spreads a patch over upstream’s one-field endpoints: alias, routing policy, pause or reactivate', () => {
    expect(accountCalls({ alias: null, routingPolicy: 'preserve', paused: true })).toEqual([
      { method: 'PUT', path: '/alias', body: { alias: null } },
      { method: 'PUT', path: '/routing-policy', body: { routingPolicy: 'preserve' } },
      { method: 'POST', path: '/pause' },
    ]);
    expect(accountCalls({ paused: false })).toEqual([{ method: 'POST', path: '/reactivate' }]);
  });

  it('is never asked for managedBy: the account sync sees no marker on upstream accounts', () => {
    const spec = { codexLBRef: { name: 'lb' }, credentials: { secretRef: { name: 's' }, key: 'auth.json', importPolicy: 'OnSecretChange' as const }, routingPolicy: 'normal' as const, paused: false, deletionPolicy: 'Delete' as const };
    expect(accountPatch(spec, toPoolAccount(summary()), 'ChatGPTAccount ns/a')).toBeUndefined();
  });
});

describe('seedIdentity and findSeedAccount', () => {
  it('read the login from the id token as upstream does: account id from tokens first, email, workspace slot', () => {
    const seed = seedIdentity(authJson({ email: 'a@example.test', 'https://api.openai.com/auth': { chatgpt_account_id: 'from-claims', organization_id: 'org-1' } }, { account_id: 'c1' }));
    expect(seed).toEqual({ chatgptAccountId: 'c1', email: 'a@example.test', workspace: 'org-1', lastRefresh: new Date('2026-12-01T10:00:00Z') });
  });

  it('find the stored account of the same login in the same workspace slot, not a namesake in another', () => {
    const seed = seedIdentity(authJson({ email: 'a@example.test', 'https://api.openai.com/auth': { chatgpt_account_id: 'c1' } }))!;
    const other = summary({ accountId: 'acc_ws', workspaceId: 'ws-2' });
    const same = summary({ accountId: 'acc_1' });
    expect(findSeedAccount(seed, [other, same])?.accountId).toBe('acc_1');
    expect(findSeedAccount(seed, [other])).toBeUndefined();
    expect(findSeedAccount({ ...seed, email: 'b@example.test' }, [same])).toBeUndefined();
  });

  it('give up on a document without a readable id token', () => {
    expect(seedIdentity({ tokens: { id_token: 'not-a-jwt' } })).toBeUndefined();
    expect(seedIdentity('text')).toBeUndefined();
  });
});

describe('planUpstreamImport (onExisting / createMissing emulated over an import that always overwrites)', () => {
  const stored = summary({ lastRefreshAt: '2026-12-01T12:00:00Z' });
  const create = { createMissing: true } as const;

  it('imports a login the pool does not hold, unless createMissing is false', () => {
    expect(planUpstreamImport({ onExisting: 'keepNewer', ...create }, undefined, new Date())).toEqual({ kind: 'import' });
    expect(planUpstreamImport({ onExisting: 'keep', createMissing: false }, undefined, new Date())).toEqual({ kind: 'missing' });
  });

  it('keepNewer keeps tokens the pool refreshed at or after the seed, and replaces older ones', () => {
    expect(planUpstreamImport({ onExisting: 'keepNewer', ...create }, stored, new Date('2026-12-01T12:00:00Z'))).toEqual({ kind: 'kept', account: stored });
    expect(planUpstreamImport({ onExisting: 'keepNewer', ...create }, stored, new Date('2026-12-01T12:00:01Z'))).toEqual({ kind: 'import' });
    // A seed without last_refresh is older than anything stored.
    expect(planUpstreamImport({ onExisting: 'keepNewer', ...create }, stored, null)).toEqual({ kind: 'kept', account: stored });
  });

  it('keep never touches a stored account; replace always writes', () => {
    expect(planUpstreamImport({ onExisting: 'keep', ...create }, stored, new Date('2027-01-01T00:00:00Z'))).toEqual({ kind: 'kept', account: stored });
    expect(planUpstreamImport({ onExisting: 'replace', ...create }, stored, null)).toEqual({ kind: 'import' });
  });
});
