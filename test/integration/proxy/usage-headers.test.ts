/**
 * Usage headers on the answers (README "Usage headers"): the serving account's `x-codex-primary-*`,
 * `x-codex-secondary-*` and `x-codex-credits-*` exactly as its upstream answer carried them, on the Codex
 * and the Responses routes, plus the pool's usage under `x-codex-pool-*`; an answer no account served
 * (the pool-exhausted 429) carries the pool's usage under the upstream names too.
 */
import { afterAll, describe, expect, it } from 'vitest';
import type { UsageSnapshot } from '../../../proxy/usage/usage-snapshot.ts';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { CODEX_CLI_HEADERS, codexTurn, json, post } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

const NOW = Math.floor(Date.now() / 1000);

function snapshot(primary: number, primaryReset: number, secondary: number, credits: UsageSnapshot['credits']): UsageSnapshot {
  return {
    primary: { usedPercent: primary, windowMinutes: 300, resetAt: new Date(primaryReset * 1000) },
    secondary: { usedPercent: secondary, windowMinutes: 10_080, resetAt: new Date((NOW + 86_400) * 1000) },
    monthly: null,
    credits,
  };
}

describe.each(DATABASE_KINDS)('usage headers (%s)', (kind) => {
  const suite = proxySuite();

  /**
   * A Plus and a Pro account whose stored usage the pool headers are computed from, and whose upstream
   * answers carry other numbers (the serving account's live headers).
   */
  async function start(env: Record<string, string> = {}): Promise<{ p: ProxyUnderTest; live: Map<string, number> }> {
    const p = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    const plus = suite.fake.addAccount({ plan: 'plus' });
    const pro = suite.fake.addAccount({ plan: 'pro' });
    const plusId = await p.importAccount(plus);
    const proId = await p.importAccount(pro);
    await p.dataLayer.usage.record(plusId, snapshot(50, NOW + 1000, 20, { hasCredits: true, unlimited: false, balance: 5 }), 'poll');
    await p.dataLayer.usage.record(proId, snapshot(10, NOW + 2000, 40, { hasCredits: false, unlimited: false, balance: 2.5 }), 'poll');
    suite.fake.setUsage(plus.accountId, { primary: { usedPercent: 42, windowMinutes: 300, resetAt: NOW + 600 }, credits: { balance: '11' } });
    suite.fake.setUsage(pro.accountId, { primary: { usedPercent: 7, windowMinutes: 300, resetAt: NOW + 700 }, credits: { balance: '0' } });
    return { p, live: new Map([[plus.accountId, 42], [pro.accountId, 7]]) };
  }

  const servedBy = (): string => suite.fake.requests.filter((r) => r.endpoint === 'responses').at(-1)?.accountId ?? '';

  /** The pool as stored: (225 × 50 % + 1500 × 10 %) / 1725, (7560 × 20 % + 50400 × 40 %) / 57960, earliest reset, credits summed. */
  const POOL = {
    'x-codex-pool-primary-used-percent': '15.22',
    'x-codex-pool-primary-window-minutes': '300',
    'x-codex-pool-primary-reset-at': String(NOW + 1000),
    'x-codex-pool-secondary-used-percent': '37.39',
    'x-codex-pool-secondary-window-minutes': '10080',
    'x-codex-pool-credits-has-credits': 'true',
    'x-codex-pool-credits-unlimited': 'false',
    'x-codex-pool-credits-balance': '7.50',
  };

  const expectPool = (headers: Headers): void => {
    for (const [name, value] of Object.entries(POOL)) expect(headers.get(name), name).toBe(value);
  };

  it.each([
    ['the Codex route', '/backend-api/codex/responses', codexTurn('usage please'), CODEX_CLI_HEADERS],
    ['/v1/responses, streamed', '/v1/responses', { model: 'gpt-5.4', input: 'usage please', stream: true }, {}],
    ['/v1/responses, buffered', '/v1/responses', { model: 'gpt-5.4', input: 'usage please' }, {}],
    ['chat completions', '/v1/chat/completions', { model: 'gpt-5.4', messages: [{ role: 'user', content: 'usage please' }] }, {}],
  ])('%s: the serving account’s x-codex-* headers as its upstream sent them, and the pool’s under x-codex-pool-*', async (_name, path, body, headers) => {
    const { p, live } = await start();
    const res = await post(`${p.url}${path}`, body, headers);
    expect(res.status).toBe(200);
    await res.text();
    const server = servedBy();
    expect(res.headers.get('x-codex-primary-used-percent')).toBe(String(live.get(server)));
    expect(res.headers.get('x-codex-primary-window-minutes')).toBe('300');
    expect(res.headers.get('x-codex-credits-balance')).toBe(live.get(server) === 42 ? '11' : '0');
    expectPool(res.headers);
  });

  it('a stream committed by a keepalive before any account answered carries the pool’s usage under both names', async () => {
    const { p } = await start({ CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'http', CODEX_LB_SSE_KEEPALIVE_INTERVAL_SECONDS: '0.1' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'stall', ms: 500, afterHeaders: true });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('slow start'), CODEX_CLI_HEADERS);
    expect(await res.text()).toMatch(/^event: codex\.keepalive\n/);
    expect(res.headers.get('x-codex-primary-used-percent')).toBe(POOL['x-codex-pool-primary-used-percent']);
    expectPool(res.headers);
  });

  it('the pool-exhausted 429 carries the pool’s usage under the upstream names (what the Codex CLI shows)', async () => {
    const p = await suite.start({ databaseUrl: await dbs.fresh(kind) });
    const id = await p.importAccount(suite.fake.addAccount({ plan: 'plus' }));
    await p.dataLayer.usage.record(id, snapshot(100, NOW + 1800, 30, null), 'poll');
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('no room'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(429);
    expect(await json(res)).toMatchObject({ error: { code: 'usage_limit_reached' } });
    expect(res.headers.get('x-codex-primary-used-percent')).toBe('100');
    expect(res.headers.get('x-codex-primary-reset-at')).toBe(String(NOW + 1800));
    expect(res.headers.get('x-codex-pool-primary-used-percent')).toBe('100');
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toHaveLength(0);
  });
});
