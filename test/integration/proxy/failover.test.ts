/**
 * Failover and classification (reference/proxy-contract.md §7.6): what each upstream failure on the
 * first account does to the request and to that account, forced refresh on 401 with exactly one
 * retry, the three-account budget, and bounded silence before the first event.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { ANY_ACCOUNT, type Step } from '../../fakes/fake-upstream.ts';
import { json, post } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

interface Case {
  failure: string;
  step: Step;
  times: number;
  /** What the client gets: served by the second account, by the same one, or an error status. */
  outcome: 'second account' | 'same account' | number;
  /** Status of the first account afterwards. */
  firstAccount: string;
}

const MATRIX: Case[] = [
  { failure: '429 usage_limit_reached', step: { kind: 'usage_limit_reached', resetsInSeconds: 900 }, times: 1, outcome: 'second account', firstAccount: 'rate_limited' },
  { failure: '429 rate_limit_exceeded ("try again in 20s")', step: { kind: 'rate_limit_exceeded' }, times: 1, outcome: 'second account', firstAccount: 'rate_limited' },
  { failure: '429 insufficient_quota', step: { kind: 'insufficient_quota' }, times: 1, outcome: 'second account', firstAccount: 'quota_exceeded' },
  { failure: 'HTTP 500 on every same-account retry', step: { kind: 'server_error', status: 500 }, times: 4, outcome: 'second account', firstAccount: 'active' },
  { failure: 'HTTP 502 edge page on every retry', step: { kind: 'server_error', status: 502 }, times: 4, outcome: 'second account', firstAccount: 'active' },
  { failure: 'a single HTTP 503', step: { kind: 'server_error', status: 503 }, times: 1, outcome: 'same account', firstAccount: 'active' },
  { failure: 'response.failed before any output', step: { kind: 'response_failed', afterEvents: 1, code: 'server_error' }, times: 4, outcome: 'second account', firstAccount: 'active' },
  { failure: 'HTTP 401 (token revoked)', step: { kind: 'unauthorized' }, times: 1, outcome: 'same account', firstAccount: 'active' },
  { failure: 'HTTP 400 request rejected', step: { kind: 'http_error', status: 400, body: { detail: 'Unsupported value' } }, times: 1, outcome: 400, firstAccount: 'active' },
];

describe.each(DATABASE_KINDS)('failover and classification (%s)', (kind) => {
  const suite = proxySuite();

  async function start(accounts: number, env: Record<string, string> = {}): Promise<{ p: ProxyUnderTest; ids: Map<string, string> }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    const ids = new Map<string, string>();
    for (let i = 0; i < accounts; i++) {
      const account = suite.fake.addAccount({ plan: 'plus' });
      ids.set(account.accountId, await p.importAccount(account));
    }
    return { p, ids };
  }

  const triedAccounts = (): Array<string | undefined> => suite.fake.requests.filter((r) => r.endpoint === 'responses').map((r) => r.accountId);
  const distinct = <T>(values: T[]): T[] => [...new Set(values)];

  it.each(MATRIX)('$failure on the first account → $outcome, first account $firstAccount', async ({ step, times, outcome, firstAccount }) => {
    const { p, ids } = await start(2);
    suite.fake.script(ANY_ACCOUNT, step, { times });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'matrix' });
    const tried = distinct(triedAccounts());
    const first = tried[0] as string;
    if (typeof outcome === 'number') {
      expect(res.status).toBe(outcome);
      expect(tried).toHaveLength(1);
    } else {
      expect(res.status).toBe(200);
      const text = ((await json(res)).output as Array<{ content: Array<{ text: string }> }>)[0]?.content[0]?.text;
      const server = outcome === 'same account' ? first : tried[1];
      expect(text).toBe(`Echo from ${server}: matrix`);
      expect(tried).toHaveLength(outcome === 'same account' ? 1 : 2);
    }
    const rows = (await p.dataLayer.dataSource.query(`SELECT status FROM accounts WHERE id = '${ids.get(first)}'`)) as Array<{ status: string }>;
    expect(rows[0]?.status).toBe(firstAccount);
  });

  it('on 401 refreshes the token once and retries once on the same account; a second 401 moves on', async () => {
    const { p } = await start(2);
    suite.fake.script(ANY_ACCOUNT, { kind: 'unauthorized' }, { times: 2 });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'twice' });
    expect(res.status).toBe(200);
    const responses = triedAccounts();
    expect(responses).toHaveLength(3);
    expect(responses[0]).toBe(responses[1]);
    expect(responses[2]).not.toBe(responses[0]);
    expect(suite.fake.requests.filter((r) => r.endpoint === 'refresh').map((r) => r.accountId)).toEqual([responses[0]]);
  });

  it('a refresh the OAuth server refuses for good marks the account for re-login and fails over', async () => {
    const { p, ids } = await start(2);
    suite.fake.script(ANY_ACCOUNT, { kind: 'unauthorized' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'refresh_error', code: 'invalid_grant' });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'refresh dies' });
    expect(res.status).toBe(200);
    const [first, second] = distinct(triedAccounts());
    expect(second).toBeDefined();
    const rows = (await p.dataLayer.dataSource.query(`SELECT status FROM accounts WHERE id = '${ids.get(first!)}'`)) as Array<{ status: string }>;
    expect(rows[0]?.status).toBe('reauth_required');
  });

  it('tries at most three accounts, then surfaces the last failure', async () => {
    const { p } = await start(4);
    suite.fake.script(ANY_ACCOUNT, { kind: 'server_error', status: 500 }, { sticky: true });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'all down' });
    expect(res.status).toBe(500);
    expect(await json(res)).toMatchObject({ error: { code: 'server_error', type: 'server_error' } });
    expect(distinct(triedAccounts())).toHaveLength(3);
  });

  it('an upstream silent past the idle timeout before answering yields 502 stream_idle_timeout, without failover', async () => {
    const { p } = await start(2, { CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS: '0.3', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 5000 });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'silence' });
    expect(res.status).toBe(502);
    expect(await json(res)).toMatchObject({ error: { code: 'stream_idle_timeout' } });
    expect(triedAccounts()).toHaveLength(1);
  });

  it('a stream that goes silent after the answer started ends with response.failed stream_idle_timeout', async () => {
    const { p } = await start(1, { CODEX_LB_STREAM_IDLE_TIMEOUT_SECONDS: '0.5', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 3000 });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'goes quiet', stream: true });
    expect(res.status).toBe(200);
    const text = await res.text();
    expect(text).toContain(': keepalive\n\n');
    const last = text.trim().split('\n\n').at(-1) ?? '';
    expect(last).toMatch(/^event: response\.failed\n/);
    expect(JSON.parse(last.split('\ndata: ')[1] ?? '{}')).toMatchObject({ response: { status: 'failed', error: { code: 'stream_idle_timeout' } } });
  });

  it('a request budget that runs out before the upstream answers yields 502 upstream_request_timeout', async () => {
    const { p } = await start(1, { CODEX_LB_PROXY_REQUEST_BUDGET_SECONDS: '0.3' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 5000 });
    const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'budget' });
    expect(res.status).toBe(502);
    expect(await json(res)).toMatchObject({ error: { code: 'upstream_request_timeout' } });
  });

  it('an empty pool is 503 no_accounts; a paused pool says so', async () => {
    const { p, ids } = await start(0);
    const empty = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'nobody' });
    expect(empty.status).toBe(503);
    expect(await json(empty)).toEqual({ error: { message: 'No available accounts', type: 'server_error', code: 'no_accounts' } });
    const account = suite.fake.addAccount();
    ids.set(account.accountId, await p.importAccount(account));
    await p.dataLayer.accountAdmin.update(ids.get(account.accountId)!, { paused: true });
    const paused = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'paused' });
    expect(await json(paused)).toMatchObject({ error: { message: 'All accounts are paused', code: 'no_accounts' } });
  });
});
