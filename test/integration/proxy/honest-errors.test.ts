/**
 * Errors that say what happened (README "Errors"): the pool-exhausted 429's message, Retry-After and
 * resets_at name the same moment; accounts out of quota stay `insufficient_quota`; and a stream cut is
 * described as the cut of the connection that carried it.
 */
import { afterAll, describe, expect, it } from 'vitest';
import { formatWait } from '../../../proxy/errors/catalogue.ts';
import { parseRetryAfterHint } from '../../../proxy/routing/reset-time.ts';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { openSocket, runTurn, socketBody } from '../../fakes/upstream-client.ts';
import { CODEX_CLI_HEADERS, codexTurn, collectSse, json, post } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import type { ProxyUnderTest } from './support/proxy-harness.ts';
import { proxySuite } from './support/suite.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe.each(DATABASE_KINDS)('honest errors (%s)', (kind) => {
  const suite = proxySuite();

  async function start(accounts: number, env: Record<string, string> = {}): Promise<ProxyUnderTest> {
    const p = await suite.start({ databaseUrl: await dbs.fresh(kind), env });
    for (let i = 0; i < accounts; i++) await p.importAccount(suite.fake.addAccount({ plan: 'plus' }));
    return p;
  }

  it('every account rate-limited for 30 minutes: message, Retry-After, resets_at and resets_in_seconds agree', async () => {
    const p = await start(2);
    const now = Math.floor(Date.now() / 1000);
    suite.fake.script(ANY_ACCOUNT, { kind: 'usage_limit_reached', resetsAt: now + 1800 }, { times: 2 });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('out of usage'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(429);
    const { error } = (await json(res)) as { error: { message: string; code: string; resets_at: number; resets_in_seconds: number } };
    expect(error).toMatchObject({ code: 'usage_limit_reached', resets_at: now + 1800 });
    const retryAfter = Number(res.headers.get('retry-after'));
    expect(retryAfter).toBe(error.resets_in_seconds);
    expect(retryAfter).toBeGreaterThan(300);
    expect(error.message).toBe(`Usage limit reached on every account. Try again in ${formatWait(retryAfter)}`);
    expect(parseRetryAfterHint(error.message)).toBe(retryAfter);
    // The wait counts from the moment of the answer: resets_at − resets_in_seconds falls within the request.
    const answeredAt = error.resets_at - retryAfter;
    expect(answeredAt).toBeGreaterThanOrEqual(now);
    expect(answeredAt).toBeLessThanOrEqual(Math.ceil(Date.now() / 1000));
  });

  it('insufficient_quota on every account stays insufficient_quota, on that request and on the next (no upstream call)', async () => {
    const p = await start(2);
    suite.fake.script(ANY_ACCOUNT, { kind: 'insufficient_quota' }, { times: 2 });
    const first = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'no quota' });
    expect(first.status).toBe(429);
    const body = (await json(first)) as { error: { code: string; type: string; resets_in_seconds: number } };
    expect(body.error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
    expect(Number(first.headers.get('retry-after'))).toBe(body.error.resets_in_seconds);
    const calls = suite.fake.requests.filter((r) => r.endpoint === 'responses').length;
    const next = await post(`${p.url}/v1/responses`, { model: 'gpt-5.4', input: 'still none' });
    expect(next.status).toBe(429);
    expect(await json(next)).toMatchObject({ error: { code: 'insufficient_quota' } });
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses')).toHaveLength(calls);
  });

  it('a cut of an HTTP upstream stream is not described as a websocket failure', async () => {
    const p = await start(1, { CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'http' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'disconnect', afterEvents: 3 });
    const res = await post(`${p.url}/backend-api/codex/responses`, codexTurn('cut short'), CODEX_CLI_HEADERS);
    const messages = await collectSse(res);
    expect(messages.at(-1)?.data).toMatchObject({
      type: 'response.failed',
      response: { error: { code: 'stream_incomplete', message: 'Upstream stream closed before response.completed' } },
    });
    expect(suite.fake.requests.filter((r) => r.endpoint === 'responses').map((r) => r.transport)).toEqual(['http']);
  });

  it('a cut of an upstream WebSocket is described as one', async () => {
    const p = await start(1, { CODEX_LB_UPSTREAM_STREAM_TRANSPORT: 'websocket' });
    suite.fake.script(ANY_ACCOUNT, { kind: 'disconnect', afterEvents: 3 });
    const opening = await openSocket(p.url, CODEX_CLI_HEADERS);
    if (!opening.ok) throw new Error(`upgrade refused: ${opening.status}`);
    const { frames } = await runTurn(opening.ws, socketBody('cut short'));
    expect(frames.at(-1)).toMatchObject({
      type: 'response.failed',
      response: { error: { code: 'stream_incomplete', message: 'Upstream websocket closed before response.completed' } },
    });
    opening.ws.close();
  });
});
