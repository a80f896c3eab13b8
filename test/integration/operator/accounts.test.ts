/**
 * ChatGPTAccounts against a real `codex-lb-proxy serve` on PostgreSQL (issue 9, acceptance 1-4): accounts
 * join the pool from their Secrets, a Codex CLI turn uses one, status follows the pool (usage windows,
 * rate limits and their reset), a rotated refresh token is never overwritten by the Secret's old one
 * while a new login in the Secret is imported, and pause / alias are kept as declared.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { codexExec } from '../../e2e/proxy/support/codex-cli.ts';
import { startPostgres, type PostgresServer } from '../../harness/postgres.ts';
import { waitFor } from '../../harness/process.ts';
import { VERSION as PROXY_VERSION } from '../../../proxy/version.ts';
import { condition, get } from './support.ts';
import {
  accountSpec,
  adminCalls,
  API,
  authSecret,
  chatGPTAccount,
  startPoolEnv,
  waitForEvent,
  waitForReady,
  waitForStatus,
  type AccountCredentials,
  type Installation,
  type PoolEnv,
} from './pool-support.ts';

const ns = 'pool';
const lbName = 'lb';

describe('ChatGPTAccount controller with a real proxy on PostgreSQL', () => {
  let pool: PoolEnv;
  let postgres: PostgresServer;
  let databaseUrl: string;
  let lb: Installation;
  let alice: AccountCredentials;
  let bob: AccountCredentials;
  const now = () => Math.floor(Date.now() / 1000);

  beforeAll(async () => {
    postgres = await startPostgres();
    databaseUrl = await postgres.createDatabase('accounts');
    pool = await startPoolEnv([ns]);
    lb = await pool.installation(ns, lbName, { serveEnv: { CODEX_LB_DATABASE_URL: databaseUrl } });
    alice = pool.fake.addAccount({ plan: 'pro', email: 'alice@example.test' });
    bob = pool.fake.addAccount({ plan: 'plus', email: 'bob@example.test' });
    pool.fake.setUsage(alice.accountId, { primary: { usedPercent: 25 }, secondary: { usedPercent: 10 } });
    pool.fake.setUsage(bob.accountId, { primary: { usedPercent: 5 }, secondary: { usedPercent: 2 } });
    await pool.env.cp.apply([
      authSecret(ns, 'alice-auth', alice.authJson()),
      authSecret(ns, 'bob-auth', bob.authJson()),
      chatGPTAccount(ns, 'alice', accountSpec(lbName, 'alice-auth', { alias: 'Alice (Pro)' })),
      chatGPTAccount(ns, 'bob', accountSpec(lbName, 'bob-auth', { routingPolicy: 'burn_first' })),
    ]);
  });
  afterAll(async () => {
    await pool?.stop();
    await postgres?.stop();
  });

  const account = (name: string) => get(pool.env.client, API, 'ChatGPTAccount', ns, name) as Promise<Record<string, any>>;
  const poolAccounts = async () => ((await (await lb.admin('/accounts')).json()) as { accounts: Array<Record<string, any>> }).accounts;

  it('imports both accounts into the pool, with the alias and routing policy of their specs', async () => {
    for (const name of ['alice', 'bob']) await waitForReady(pool.env.client, 'ChatGPTAccount', ns, name, 'Imported');
    const accounts = await poolAccounts();
    expect(accounts.map((a) => a.chatgptAccountId).sort()).toEqual([alice.accountId, bob.accountId].sort());
    expect(accounts.find((a) => a.chatgptAccountId === alice.accountId)).toMatchObject({ alias: 'Alice (Pro)', routingPolicy: 'normal' });
    expect(accounts.find((a) => a.chatgptAccountId === bob.accountId)).toMatchObject({ alias: null, routingPolicy: 'burn_first' });
    await waitForEvent(pool.env.client, ns, 'alice', 'Imported');
  });

  it('shows email, plan, state active and the usage windows the upstream reports', async () => {
    const a = await waitForStatus(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'usage from the upstream', (o) => o.status?.usage?.primary?.usedPercent === 25);
    expect(a.status).toMatchObject({
      email: 'alice@example.test',
      planType: 'pro',
      state: 'active',
      usage: { primary: { usedPercent: 25, windowMinutes: 300 }, secondary: { usedPercent: 10, windowMinutes: 10080 } },
    });
    expect(a.status.accountId).toMatch(new RegExp(`^${alice.accountId}_`));
    expect(new Date(a.status.resetsAt).getTime()).toBeGreaterThan(Date.now());
    expect(a.status.importedSecretHash).toMatch(/^sha256:[0-9a-f]{16}$/);
    const table = await pool.env.cp.kubectl('get', 'cgacct', '-n', ns);
    expect(table).toMatch(/NAME\s+EMAIL\s+PLAN\s+STATE\s+PRIMARY%\s+SECONDARY%\s+RESETS\s+AGE/);
    expect(table).toMatch(/alice\s+alice@example\.test\s+pro\s+active\s+25\s+10\s+\d{4}-/);
  });

  it('serves a Codex CLI turn through the proxy with one of the two accounts', async () => {
    const run = await codexExec({ baseUrl: lb.serve.url, prompt: 'Say hello to the pool', apiKey: 'local' });
    expect(run.code, run.output).toBe(0);
    expect(run.stdout).toMatch(new RegExp(`Echo from (${alice.accountId}|${bob.accountId}): Say hello to the pool`));
  });

  it('reports pool totals and the application that answered on the CodexLB, and shows them in kubectl get', async () => {
    const cr = await waitForStatus(pool.env.client, 'CodexLB', ns, lbName, 'pool totals', (o) => o.status?.accounts?.managed === 2);
    expect(cr.status.accounts).toEqual({ total: 2, managed: 2, active: 2, rateLimited: 0, quotaExceeded: 0, paused: 0, reauthRequired: 0, deactivated: 0 });
    expect(cr.status.proxy).toEqual({ flavor: 'Bundled', version: PROXY_VERSION });
    expect(await pool.env.cp.kubectl('get', 'clb', '-n', ns)).toMatch(/lb\s+Standalone\s+SQLite\s+1\s+1\s+Ready\s+2\s+2\s/);
    expect(await pool.env.cp.kubectl('get', 'clb', '-n', ns, '-o', 'wide')).toMatch(new RegExp(`lb\\s.*\\sBundled\\s+${PROXY_VERSION.replaceAll('.', '\\.')}\\s`));
    // The totals belong to the pool monitor: a CodexLB pass that finds nothing else changed writes nothing.
    const seen = pool.op.requests.length;
    await pool.env.cp.kubectl('annotate', 'clb', lbName, '-n', ns, 'resync=1');
    await new Promise((r) => setTimeout(r, 2000));
    expect(pool.op.requests.slice(seen).filter((r) => /^PATCH CodexLB /.test(r))).toEqual([]);
  });

  it('refreshes every status with one admin call per installation per period, not one per account', async () => {
    const before = await adminCalls(pool.op);
    const started = Date.now();
    await new Promise((r) => setTimeout(r, 4000));
    const periods = (Date.now() - started) / 1000;
    const after = await adminCalls(pool.op);
    const reads = (after.state ?? 0) - (before.state ?? 0);
    expect(reads).toBeGreaterThanOrEqual(2);
    expect(reads).toBeLessThanOrEqual(Math.ceil(periods) + 1);
    for (const op of ['importAccount', 'updateAccount', 'deleteAccount']) expect(after[op] ?? 0).toBe(before[op] ?? 0);
  });

  it('shows rate_limited with the reset time within a status period, and active again after the reset', async () => {
    const resetAt = now() + 32; // the proxy holds a block at least 30 s (proxy-contract §15.6)
    pool.fake.setUsage(bob.accountId, { primary: { usedPercent: 100, resetAt } });
    const limited = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'bob', 'RateLimited');
    expect(limited.status.state).toBe('rate_limited');
    expect(Math.abs(new Date(limited.status.resetsAt).getTime() / 1000 - resetAt)).toBeLessThanOrEqual(1);
    expect(condition(limited as never, 'Ready')).toMatchObject({ status: 'False', message: expect.stringContaining('rate-limited until') });
    // Routine, not a problem: a Normal event.
    expect(await waitForEvent(pool.env.client, ns, 'bob', 'RateLimited')).toMatchObject({ type: 'Normal' });
    await waitForStatus(pool.env.client, 'CodexLB', ns, lbName, 'one rate-limited account in the totals', (o) => o.status?.accounts?.rateLimited === 1);
    const back = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'bob', 'Imported', 60_000);
    expect(back.status.state).toBe('active');
    expect(new Date(back.status.resetsAt).getTime()).toBeGreaterThan(resetAt * 1000);
  });

  it('never re-imports the Secret after the proxy rotated the refresh token; a new login in the Secret is imported', async () => {
    const seeded = alice.refreshToken;
    const before = await account('alice');
    const presented = () => pool.fake.requests.filter((r) => r.endpoint === 'refresh').map((r) => (r.body as { refresh_token?: string }).refresh_token);
    // Upstream logs the access token out: the proxy refreshes, spending the Secret's refresh token.
    pool.fake.revokeAccessTokens(alice.accountId, 'token_expired');
    await waitFor('the proxy to refresh alice', async () => (presented().includes(seeded) ? true : undefined));
    const importsBefore = (await adminCalls(pool.op)).importAccount ?? 0;
    // Resyncs: the resource changes (label), the pool is re-read every period.
    await pool.env.cp.kubectl('label', 'cgacct', 'alice', '-n', ns, 'resync=1');
    await new Promise((r) => setTimeout(r, 3000));
    expect((await adminCalls(pool.op)).importAccount ?? 0).toBe(importsBefore);
    // The rotated token still works: a second logout is survived by one more refresh.
    pool.fake.revokeAccessTokens(alice.accountId, 'token_expired');
    await waitFor('a second refresh with the rotated token', async () => (presented().length >= 2 ? true : undefined));
    await new Promise((r) => setTimeout(r, 2000));
    expect(presented().filter((t) => t === seeded)).toHaveLength(1);
    expect((await account('alice')).status.state).toBe('active');

    // `codex login` again, then the Secret is updated: OnSecretChange imports it into the same account.
    const relogin = pool.fake.login(alice.accountId);
    await pool.env.cp.apply([authSecret(ns, 'alice-auth', relogin.authJson())]);
    const after = await waitForStatus(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'the new Secret imported', (o) => o.status?.importedSecretHash !== before.status.importedSecretHash);
    expect(after.status.accountId).toBe(before.status.accountId);
    expect(after.status.lastImportTime).toBeDefined();
    expect(await poolAccounts()).toHaveLength(2);
    await waitForEvent(pool.env.client, ns, 'alice', 'Imported');
    // History stays with the account: the requests it served are still attributed to it.
    const db = new pg.Client({ connectionString: databaseUrl });
    await db.connect();
    try {
      const logged = await db.query('SELECT count(*)::int AS n FROM request_logs WHERE account_id IS NOT NULL');
      expect(logged.rows[0].n).toBeGreaterThan(0);
      const row = await db.query('SELECT count(*)::int AS n FROM accounts WHERE id = $1', [before.status.accountId]);
      expect(row.rows[0].n).toBe(1);
    } finally {
      await db.end();
    }
    // And the new login's refresh token is the one the proxy uses from now on.
    pool.fake.revokeAccessTokens(alice.accountId, 'token_expired');
    await waitFor('a refresh with the new login', async () => (presented().includes(relogin.refreshToken) ? true : undefined));
    expect((await account('alice')).status.state).toBe('active');
  });

  it('routes nothing to a paused account', async () => {
    await pool.env.cp.kubectl('patch', 'cgacct', 'alice', '-n', ns, '--type=merge', '-p', '{"spec":{"paused":true}}');
    const paused = await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'Paused');
    expect(paused.status.state).toBe('paused');
    const served: string[] = [];
    for (let i = 0; i < 6; i++) {
      const res = await fetch(`${lb.serve.url}/v1/responses`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', authorization: 'Bearer local' },
        body: JSON.stringify({ model: 'gpt-5.4', input: `turn ${i}` }),
      });
      expect(res.status).toBe(200);
      served.push(JSON.stringify(await res.json()));
    }
    expect(served.every((body) => body.includes(`Echo from ${bob.accountId}`))).toBe(true);
    await pool.env.cp.kubectl('patch', 'cgacct', 'alice', '-n', ns, '--type=merge', '-p', '{"spec":{"paused":false}}');
    await waitForReady(pool.env.client, 'ChatGPTAccount', ns, 'alice', 'Imported');
  });

  it('reverts an alias edited through the admin API, with a DriftCorrected event', async () => {
    const id = (await account('alice')).status.accountId as string;
    const edited = await lb.admin(`/accounts/${id}`, { method: 'PATCH', body: { alias: 'renamed by hand', routingPolicy: 'preserve' } });
    expect(edited.status).toBe(200);
    await waitFor('the alias to be reverted', async () => {
      const a = (await poolAccounts()).find((x) => x.id === id);
      return a?.alias === 'Alice (Pro)' && a.routingPolicy === 'normal' ? true : undefined;
    });
    const event = await waitForEvent(pool.env.client, ns, 'alice', 'DriftCorrected');
    expect(event.note).toContain('alias, routingPolicy');
  });
});
