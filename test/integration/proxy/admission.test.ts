/**
 * Local admission (reference/proxy-contract.md §7.5): per-account stream caps with a bounded wait for a
 * free slot, and the global response-create gate. Every refusal is a 429 `rate_limit_error` with
 * Retry-After, never charged to an account. (Session limits: session-bridge.test.ts.)
 */
import { afterAll, describe, expect, it } from 'vitest';
import { waitFor } from '../../harness/process.ts';
import { codexTurn, collectSse, CODEX_CLI_HEADERS, json, post } from './support/clients.ts';
import { Databases } from './support/databases.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe('admission', () => {
  const suite = proxySuite();

  async function start(env: Record<string, string>): Promise<{ url: string; accountId: string }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh('sqlite'), env });
    const account = suite.fake.addAccount({ plan: 'pro' });
    await p.importAccount(account);
    return { url: p.url, accountId: account.accountId };
  }

  const stream = (url: string, text: string, headers: Record<string, string> = {}): Promise<Response> =>
    post(`${url}/backend-api/codex/responses`, codexTurn(text), { ...CODEX_CLI_HEADERS, ...headers });

  it('a request finding every account at its stream cap waits for a slot, and gets the account when one frees', async () => {
    const { url, accountId } = await start({ CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '1', CODEX_LB_PROXY_ADMISSION_WAIT_TIMEOUT_SECONDS: '30' });
    suite.fake.script(accountId, { kind: 'slow', delayMs: 40 }, { times: 2 });
    const [first, second] = await Promise.all([stream(url, 'first stream'), stream(url, 'second stream')]);
    expect([first.status, second.status]).toEqual([200, 200]);
    await Promise.all([collectSse(first), collectSse(second)]);
    expect(suite.fake.streams(accountId).max).toBe(1);
  });

  it('past the admission wait it answers 429 account_stream_cap with Retry-After, and the account is not marked', async () => {
    const { url, accountId } = await start({ CODEX_LB_PROXY_ACCOUNT_STREAM_LIMIT: '1', CODEX_LB_PROXY_ADMISSION_WAIT_TIMEOUT_SECONDS: '0.2' });
    suite.fake.script(accountId, { kind: 'slow', delayMs: 100 });
    const long = await stream(url, 'a long answer with quite a few words in it to keep the stream open');
    const refused = await stream(url, 'no room');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await json(refused)).error).toMatchObject({ type: 'rate_limit_error', code: 'account_stream_cap' });
    await collectSse(long);
    expect((await stream(url, 'room again')).status).toBe(200);
  });

  it('the global response-create gate refuses past its wait with 429 global_admission_timeout', async () => {
    const { url, accountId } = await start({ CODEX_LB_PROXY_RESPONSE_CREATE_LIMIT: '1', CODEX_LB_PROXY_ADMISSION_WAIT_TIMEOUT_SECONDS: '0.2' });
    // The first request holds the gate until the upstream accepts: its answer is held back a while.
    suite.fake.script(accountId, { kind: 'stall', ms: 1500 });
    const held = stream(url, 'held');
    await waitFor('the held request to reach the upstream', async () => (suite.fake.requests.some((r) => r.endpoint === 'responses') ? true : undefined));
    const refused = await stream(url, 'refused');
    expect(refused.status).toBe(429);
    expect(refused.headers.get('retry-after')).toBe('5');
    expect((await json(refused)).error).toMatchObject({ type: 'rate_limit_error', code: 'global_admission_timeout' });
    expect((await held).status).toBe(200);
  });
});
