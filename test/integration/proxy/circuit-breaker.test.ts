/**
 * Issue 8 acceptance 4: with `CODEX_LB_CIRCUIT_BREAKER_ENABLED`, an account that fails 5 times in a row
 * (server-side failures) is skipped until its recovery time (60 s), then probed with one request; a
 * failed probe skips it for another recovery time, two good probes put it back in rotation. The clock
 * the proxy's request path reads is moved instead of waiting a minute.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { json, post } from './support/clients.ts';
import { Databases } from './support/databases.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe('circuit breaker', () => {
  const suite = proxySuite();

  it('skips an account that failed 5 times in a row until its recovery time, then probes it', async () => {
    let offset = 0;
    const p = await suite.start({
      databaseUrl: await dbs.fresh('sqlite'),
      env: { CODEX_LB_CIRCUIT_BREAKER_ENABLED: 'true', CODEX_LB_ROUTING_STRATEGY: 'round_robin' },
      clock: () => Date.now() + offset,
    });
    const failing = suite.fake.addAccount({ plan: 'plus' });
    const healthy = suite.fake.addAccount({ plan: 'plus' });
    await p.importAccount(failing);
    await p.importAccount(healthy);
    suite.fake.script(failing.accountId, { kind: 'server_error', status: 500 }, { sticky: true });
    const reached = (): number => suite.fake.requests.filter((r) => r.endpoint === 'responses' && r.accountId === failing.accountId).length;
    const turn = async (text: string): Promise<void> => {
      const res = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: text });
      expect(res.status, JSON.stringify(await json(res.clone()))).toBe(200);
    };

    // Every client is still served (by the healthy account) while the failing one runs up its count:
    // 1 + 3 same-account retries on the first request that picks it, and the circuit opens on the fifth.
    for (let i = 0; i < 6 && reached() < 5; i++) await turn(`warming ${i}`);
    expect(reached()).toBe(5);

    // Open: nothing reaches the failing account, however often it would be picked.
    for (const text of ['three', 'four', 'five']) await turn(text);
    expect(reached()).toBe(5);

    // Recovery time passed: exactly one probe; it fails, and the account is skipped for another 60 s.
    offset += 60_000;
    for (const text of ['six', 'seven', 'eight']) await turn(text);
    expect(reached()).toBe(6);

    // It recovers upstream: the next probes succeed and it serves traffic again.
    suite.fake.clearScripts();
    offset += 60_000;
    for (const text of ['nine', 'ten', 'eleven', 'twelve']) await turn(text);
    expect(reached()).toBeGreaterThanOrEqual(8);
    const last = suite.fake.requests.filter((r) => r.endpoint === 'responses').slice(-4);
    expect(last.some((r) => r.accountId === failing.accountId)).toBe(true);
  });

  it('is off by default: the error backoff keeps a failing account out instead, from its third error', async () => {
    const p = await suite.start({ databaseUrl: await dbs.fresh('sqlite'), env: { CODEX_LB_ROUTING_STRATEGY: 'round_robin' } });
    const failing = suite.fake.addAccount({ plan: 'plus' });
    const healthy = suite.fake.addAccount({ plan: 'plus' });
    await p.importAccount(failing);
    await p.importAccount(healthy);
    suite.fake.script(failing.accountId, { kind: 'server_error', status: 500 }, { sticky: true });
    const reached = (): number => suite.fake.requests.filter((r) => r.endpoint === 'responses' && r.accountId === failing.accountId).length;
    for (let i = 0; i < 6; i++) expect((await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: `turn ${i}` })).status).toBe(200);
    // One request's worth (1 + 3 retries), then backoff; with the breaker on, a fifth attempt would open it.
    expect(reached()).toBe(4);
  });
});
