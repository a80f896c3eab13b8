/**
 * What operators see: Prometheus metrics with the chart's names, background work that fails logged and
 * counted, and logs, metrics and error bodies that never contain a token or an API key, whatever happened.
 */
import { once } from 'node:events';
import type { Socket } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { waitFor } from '../../harness/process.ts';
import { ANY_ACCOUNT, startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { collectSse, post } from './support/clients.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

let fake: FakeUpstream;
let proxy: ProxyUnderTest;
let account: AccountCredentials;
let accountId: string;
let apiKey: string;

beforeAll(async () => {
  fake = await startFakeUpstream();
  proxy = await startProxy({ fake, env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true', CODEX_LB_LOG_FORMAT: 'json' } });
  account = fake.addAccount({ plan: 'pro' });
  accountId = await proxy.importAccount(account);
  apiKey = (await proxy.dataLayer.apiKeyAdmin.create({ name: 'observer' })).key;
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

const auth = (): Record<string, string> => ({ authorization: `Bearer ${apiKey}` });

describe('metrics', () => {
  it('count requests by route and status, time them, and time the first token', async () => {
    await collectSse(await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'metered', stream: true }, auth()));
    await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'x' });
    const text = await proxy.services.metrics.registry.metrics();
    expect(text).toMatch(/^codex_lb_requests_total\{route="\/v1\/responses",method="POST",status="200"\} 1$/m);
    expect(text).toMatch(/^codex_lb_requests_total\{route="\/v1\/responses",method="POST",status="401"\} 1$/m);
    expect(text).toMatch(/^codex_lb_request_duration_seconds_count\{route="\/v1\/responses"\} 2$/m);
    expect(text).toMatch(/^codex_lb_time_to_first_token_seconds_count\{route="\/v1\/responses"\} 1$/m);
    expect(text).toMatch(/^codex_lb_upstream_requests_total\{outcome="accepted"\} 1$/m);
    expect(text).toMatch(/^codex_lb_event_loop_lag_seconds /m);
  });

  it('count upstream failures by class and code, and rate-limit hits', async () => {
    fake.script(ANY_ACCOUNT, { kind: 'rate_limit_exceeded' });
    await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'limited' }, auth());
    const text = await proxy.services.metrics.registry.metrics();
    expect(text).toMatch(/^codex_lb_upstream_errors_total\{class="rate_limit",code="rate_limit_exceeded"\} 1$/m);
    expect(text).toMatch(/^codex_lb_rate_limit_hits_total\{kind="rate_limit"\} 1$/m);
  });
});

describe('background writes that fail', () => {
  // Its own proxy and account: the metrics tests above leave theirs rate-limited.
  let own: ProxyUnderTest;
  let ownAccountId: string;
  beforeAll(async () => {
    own = await startProxy({ fake, env: { CODEX_LB_LOG_FORMAT: 'json' } });
    ownAccountId = await own.importAccount(fake.addAccount({ plan: 'pro' }));
  });
  afterAll(async () => {
    await own?.close();
  });

  // A real SQLite database refusing one kind of write, as a full disk or a lost connection would.
  const refusing = async (trigger: string, when: string, work: () => Promise<void>) => {
    await own.dataLayer.dataSource.query(`CREATE TRIGGER ${trigger} ${when} BEGIN SELECT RAISE(ABORT, 'refused by the test'); END`);
    try {
      await work();
    } finally {
      await own.dataLayer.dataSource.query(`DROP TRIGGER ${trigger}`);
    }
  };
  const failures = async (operation: string) =>
    Number(new RegExp(`^codex_lb_background_failures_total\\{operation="${operation}"\\} (\\d+)$`, 'm').exec(await own.services.metrics.registry.metrics())?.[1] ?? 0);
  const warned = (operation: string) =>
    own.logs.map((line) => JSON.parse(line)).filter((l) => l.message === 'background write failed' && l.operation === operation);

  it('are logged and counted: the session-to-account binding (defect 9)', async () => {
    await refusing('no_sticky_writes', 'BEFORE INSERT ON sticky_sessions', async () => {
      const res = await post(`${own.url}/v1/responses`, { model: 'gpt-5.4', input: 'bound' }, { 'x-codex-session-id': 'session-1' });
      expect(res.status).toBe(200);
    });
    expect(await failures('sticky_session_write')).toBe(1);
    expect(warned('sticky_session_write')).toEqual([expect.objectContaining({ level: 'warn', accountId: ownAccountId, err: expect.anything() })]);
  });

  it('are logged and counted: an account mark learned mid-stream (defect 9)', async () => {
    await refusing('no_status_changes', 'BEFORE UPDATE OF status ON accounts WHEN NEW.status <> OLD.status', async () => {
      fake.script(ANY_ACCOUNT, { kind: 'response_failed', afterEvents: 2, code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 20s.' });
      await collectSse(await post(`${own.url}/v1/responses`, { model: 'gpt-5.4', input: 'cut', stream: true }));
      await own.services.pending.settle();
    });
    expect(await failures('stream_failure_record')).toBe(1);
    expect(warned('stream_failure_record')).toEqual([expect.objectContaining({ level: 'warn', accountId: ownAccountId })]);
  });

  it('are logged and counted: a broken client WebSocket (defect 9)', async () => {
    const ws = new WebSocket(`${own.url.replace(/^http/, 'ws')}/backend-api/codex/responses`);
    await once(ws, 'open');
    const closed = once(ws, 'close');
    // An unmasked client frame breaks the protocol: the server's socket fails and closes it.
    (ws as unknown as { _socket: Socket })._socket.write(Buffer.from([0x81, 0x01, 0x41]));
    await closed;
    await waitFor('the WebSocket error to be counted', async () => ((await failures('websocket')) === 1 ? true : undefined));
    expect(own.logs.map((line) => JSON.parse(line)).filter((l) => l.message === 'websocket error')).toHaveLength(1);
  });
});

describe('secrets', () => {
  it('never appear in logs, metrics or error bodies — through refreshes, upstream errors and bad keys', async () => {
    await proxy.dataLayer.accounts.applyEvent(accountId, { type: 'reimported' });
    const before = fake.account(account.accountId);
    fake.revokeAccessTokens(account.accountId);
    fake.script(ANY_ACCOUNT, { kind: 'server_error', status: 503 }, { times: 2 });
    const bodies: string[] = [];
    for (const headers of [auth(), auth(), { authorization: `Bearer ${apiKey}x` }, { authorization: 'Bearer sk-clb-guessing-game' }]) {
      bodies.push(await (await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'secret test' }, headers)).text());
    }
    const after = fake.account(account.accountId);
    expect(after.accessToken).not.toBe(before.accessToken);
    const everything = [...proxy.logs, await proxy.services.metrics.registry.metrics(), ...bodies].join('\n');
    for (const secret of [before.accessToken, before.refreshToken, after.accessToken, after.refreshToken, after.idToken, apiKey, 'sk-clb-guessing-game']) {
      expect(everything).not.toContain(secret);
    }
    expect(proxy.logs.length).toBeGreaterThan(0);
  });
});
