/**
 * A PostgreSQL outage is the database's problem, not a bug (issue 12 item 12): requests get 503
 * `database_unavailable` with Retry-After (they used to get 500 `server_error`), on the key check and
 * on routing alike, and the proxy process keeps running.
 */
import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { startPostgres } from '../../harness/postgres.ts';
import { json, post } from './support/clients.ts';
import { proxySuite } from './support/suite.ts';

describe('database outage', () => {
  const suite = proxySuite();

  it('answers 503 database_unavailable + Retry-After while PostgreSQL is down', async () => {
    const postgres = await startPostgres();
    const proxy = await suite.start({
      databaseUrl: await postgres.createDatabase(`outage_${randomBytes(4).toString('hex')}`),
      env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' },
    });
    await proxy.importAccount(suite.fake.addAccount());
    const { key } = await proxy.dataLayer.apiKeyAdmin.create({ name: 'ci' });
    const ask = (headers: Record<string, string>) => post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' }, headers);
    expect((await ask({ authorization: `Bearer ${key}` })).status).toBe(200);

    await postgres.stop();
    const unavailable = {
      error: { message: 'The proxy database is unavailable; retry later', type: 'server_error', code: 'database_unavailable' },
    };
    for (const headers of [{ authorization: `Bearer ${key}` }, { authorization: 'Bearer sk-clb-someone-else' }]) {
      const res = await ask(headers);
      expect([res.status, res.headers.get('retry-after'), await json(res)]).toEqual([503, '5', unavailable]);
    }
    expect(proxy.logs.filter((line) => JSON.parse(line).message === 'unhandled error')).toEqual([]);
  });
});
