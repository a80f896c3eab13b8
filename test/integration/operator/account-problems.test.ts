/**
 * Bad input for ChatGPTAccounts (issue 9, acceptance 5): each problem is a clear Ready condition and an
 * event, never a crash loop (no reconcile errors), and no message carries anything from the Secret.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexLB, condition, secret } from './support.ts';
import {
  accountSpec,
  authSecret,
  chatGPTAccount,
  eventsFor,
  startPoolEnv,
  waitForEvent,
  waitForReady,
  type AccountCredentials,
  type PoolEnv,
} from './pool-support.ts';

const ns = 'problems';

describe('ChatGPTAccount problems', () => {
  let pool: PoolEnv;
  let upstream: AccountCredentials;
  let secrets: string[];

  beforeAll(async () => {
    pool = await startPoolEnv([ns]);
    await pool.installation(ns, 'lb');
    upstream = pool.fake.addAccount({ plan: 'team' });
    const auth = upstream.authJson();
    secrets = [upstream.accessToken, upstream.refreshToken, upstream.idToken];
    const { refresh_token: _dropped, ...tokensWithoutRefresh } = auth.tokens;
    const stranger = pool.fake.addAccount();
    await pool.env.cp.apply([
      // A CodexLB that never serves: its database Secret does not exist.
      codexLB(ns, 'blocked', { database: { type: 'PostgreSQL', postgres: { urlSecretRef: { name: 'no-such-db' } } } }),
      authSecret(ns, 'good', auth),
      authSecret(ns, 'unlabelled', auth, { grantAccess: false }),
      authSecret(ns, 'wrong-key', auth, { key: 'credentials.json' }),
      secret(ns, 'not-json', { 'auth.json': `{"tokens": {"refresh_token": "${upstream.refreshToken}"` }),
      authSecret(ns, 'no-refresh-token', { ...auth, tokens: tokensWithoutRefresh } as never),
      authSecret(ns, 'stranger', stranger.authJson()),
      chatGPTAccount(ns, 'missing-secret', accountSpec('lb', 'does-not-exist')),
      chatGPTAccount(ns, 'no-consent', accountSpec('lb', 'unlabelled')),
      chatGPTAccount(ns, 'no-key', accountSpec('lb', 'wrong-key')),
      chatGPTAccount(ns, 'malformed', accountSpec('lb', 'not-json')),
      chatGPTAccount(ns, 'no-refresh', accountSpec('lb', 'no-refresh-token')),
      chatGPTAccount(ns, 'no-codexlb', accountSpec('nowhere', 'good')),
      chatGPTAccount(ns, 'not-ready', accountSpec('blocked', 'good')),
      chatGPTAccount(ns, 'adopt-only', accountSpec('lb', 'stranger', { credentials: { secretRef: { name: 'stranger' }, importPolicy: 'Never' } })),
    ]);
  });
  afterAll(async () => {
    await pool?.stop();
  });

  it.each([
    ['missing-secret', 'SecretNotFound', 'Secret "does-not-exist" (credentials.secretRef) not found'],
    ['no-consent', 'SecretAccessNotGranted', 'kubectl -n problems label secret unlabelled codexlb.io/secret-access=true'],
    ['no-key', 'SecretKeyNotFound', 'Secret "wrong-key" (credentials.secretRef) has no key "auth.json"'],
    ['malformed', 'InvalidAuthJSON', 'key "auth.json" of Secret "not-json" is not valid JSON'],
    ['no-refresh', 'InvalidAuthJSON', '"tokens.refresh_token" is missing or empty'],
    ['no-codexlb', 'CodexLBNotFound', 'CodexLB "nowhere" not found'],
    ['not-ready', 'CodexLBNotReady', 'CodexLB "blocked" has no ready replica yet'],
    ['adopt-only', 'AccountNotInPool', 'importPolicy Never does not import it'],
  ])('%s: Ready=False %s with a message saying what to fix, and a Warning event', async (name, reason, text) => {
    const cr = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, name, reason);
    const ready = condition(cr as never, 'Ready')!;
    expect(ready.status).toBe('False');
    expect(ready.message).toContain(text);
    expect(await waitForEvent(pool.env.client, ns, name, reason)).toMatchObject({ type: 'Warning' });
    const events = await eventsFor(pool.env.client, ns, name);
    for (const value of secrets) {
      expect(JSON.stringify(cr)).not.toContain(value);
      expect(JSON.stringify(events)).not.toContain(value);
    }
  });

  it('reports problems without failing reconciles (no crash loop), and imports nothing from a bad Secret', async () => {
    const errors = await pool.op.operator.metrics.reconcileErrors.get();
    expect(errors.values.filter((v) => v.labels.controller === 'chatgptaccount').reduce((n, v) => n + v.value, 0)).toBe(0);
    const accounts = (await (await fetch(`${pool.endpoints.get(`${ns}/lb`)}/internal/admin/accounts`, { headers: { authorization: `Bearer ${await token()}` } })).json()) as {
      accounts: unknown[];
    };
    expect(accounts.accounts).toEqual([]);
  });

  it('recovers once the Secret owner grants access', async () => {
    await pool.env.cp.kubectl('label', 'secret', 'unlabelled', '-n', ns, 'codexlb.io/secret-access=true');
    const cr = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'no-consent', 'Imported');
    expect(cr.status.planType).toBe('team');
  });

  it('lets only the older of two resources for the same account manage it (DuplicateAccount)', async () => {
    await pool.env.cp.apply([chatGPTAccount(ns, 'twin', accountSpec('lb', 'good', { alias: 'twin' }))]);
    const twin = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'twin', 'DuplicateAccount');
    expect(condition(twin as never, 'Ready')!.message).toContain('ChatGPTAccount "no-consent" already manages');
    const original = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'no-consent', 'Imported');
    expect(twin.status.accountId).toBe(original.status.accountId);
  });

  async function token(): Promise<string> {
    const encoded = await pool.env.cp.kubectl('get', 'secret', 'lb-admin-token', '-n', ns, '-o', 'jsonpath={.data.token}');
    return Buffer.from(encoded, 'base64').toString('utf8');
  }
});
