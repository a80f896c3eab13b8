/**
 * What operators see: Prometheus metrics with the chart's names, and logs, metrics and error bodies
 * that never contain a token or an API key, whatever happened.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
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
