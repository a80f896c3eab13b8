/**
 * What tests use to observe and steer the fake: the request log, the `/__fake/*` HTTP control API
 * (same operations as the in-process API), and a prompt, clean `close()`.
 */
import { createConnection } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from './fake-upstream.ts';
import { collectSse, postResponses, responsesBody } from './upstream-client.ts';
import { waitFor } from '../harness/process.ts';

let fake: FakeUpstream;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => fake.reset());

async function control(method: string, path: string, body?: unknown): Promise<{ status: number; json: unknown }> {
  const res = await fetch(`${fake.url}/__fake${path}`, {
    method,
    headers: body === undefined ? {} : { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  return { status: res.status, json: await res.json() };
}

describe('request recording', () => {
  it('records method, path, query, headers as sent, parsed body, account, transport and time', async () => {
    const account = fake.addAccount();
    const before = Date.now();
    const res = await fetch(`${fake.url}/backend-api/codex/responses?trace=1`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${account.accessToken}`, 'ChatGPT-Account-Id': account.accountId, 'Content-Type': 'application/json', originator: 'codex_cli_rs' },
      body: JSON.stringify(responsesBody('recorded')),
    });
    await collectSse(res);

    expect(fake.requests).toHaveLength(1);
    const [request] = fake.requests;
    expect(request).toMatchObject({
      seq: 1,
      transport: 'http',
      endpoint: 'responses',
      method: 'POST',
      path: '/backend-api/codex/responses',
      query: { trace: '1' },
      accountId: account.accountId,
      body: responsesBody('recorded'),
    });
    expect(request?.at).toBeGreaterThanOrEqual(before);
    expect(request?.headers.originator).toBe('codex_cli_rs');
    expect(request?.rawHeaders).toContainEqual(['ChatGPT-Account-Id', account.accountId]);
  });

  it('records rejected and unknown-path requests too, and forgets them on clearRequests()', async () => {
    await fetch(`${fake.url}/backend-api/wham/usage`, { headers: { authorization: 'Bearer nope' } });
    await fetch(`${fake.url}/v1/responses`, { method: 'POST', body: '{}' });
    expect(fake.requests.map((r) => [r.endpoint, r.accountId])).toEqual([
      ['usage', undefined],
      ['unmatched', undefined],
    ]);

    fake.clearRequests();
    expect(fake.requests).toEqual([]);
  });
});

describe('the /__fake control API', () => {
  it('adds accounts and lists them with their auth.json', async () => {
    const added = await control('POST', '/accounts', { plan: 'pro', email: 'ops@fake-upstream.test' });
    expect(added.status).toBe(200);
    const account = added.json as { accountId: string; accessToken: string; authJson: { tokens: { account_id: string } } };
    expect(account.authJson.tokens.account_id).toBe(account.accountId);

    const listed = await control('GET', '/accounts');
    expect(listed.json).toEqual([expect.objectContaining({ accountId: account.accountId, plan: 'pro', email: 'ops@fake-upstream.test' })]);
    expect(fake.account(account.accountId).accessToken).toBe(account.accessToken);
  });

  it('queues scripts for an account or for any account', async () => {
    const account = fake.addAccount();
    expect((await control('POST', '/scripts', { accountId: account.accountId, step: { kind: 'server_error', status: 503 }, times: 2 })).status).toBe(200);
    expect((await control('POST', '/scripts', { step: { kind: 'insufficient_quota' } })).status).toBe(200);
    expect((await control('GET', '/scripts')).json).toEqual([
      { target: account.accountId, endpoint: 'responses', step: { kind: 'server_error', status: 503 }, remaining: 2 },
      { target: '*', endpoint: 'responses', step: { kind: 'insufficient_quota' }, remaining: 1 },
    ]);

    const statuses = [];
    for (let i = 0; i < 4; i++) {
      const res = await postResponses(fake.url, account, responsesBody('hi'));
      statuses.push(res.status);
      await res.body?.cancel();
    }
    expect(statuses).toEqual([503, 503, 429, 200]);
  });

  it('sets usage windows and revokes tokens', async () => {
    const account = fake.addAccount();
    const usage = await control('POST', `/accounts/${account.accountId}/usage`, { primary: { usedPercent: 99 } });
    expect(usage.json).toMatchObject({ primary: { usedPercent: 99, windowMinutes: 300 } });

    await control('POST', `/accounts/${account.accountId}/revoke`, { reason: 'token_expired' });
    const res = await postResponses(fake.url, account, responsesBody('hi'));
    expect(res.status).toBe(401);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('token_expired');
  });

  it('serves and clears the request log, and resets everything', async () => {
    const account = fake.addAccount();
    await (await postResponses(fake.url, account, responsesBody('hi'))).body?.cancel();
    expect(((await control('GET', '/requests')).json as unknown[]).length).toBe(1);
    await control('DELETE', '/requests');
    expect((await control('GET', '/requests')).json).toEqual([]);

    await control('POST', '/reset');
    expect(fake.accounts()).toEqual([]);
    expect((await postResponses(fake.url, account, responsesBody('hi'))).status).toBe(401);
  });

  it('answers bad input with 400 and unknown routes or accounts with 404', async () => {
    expect(await control('POST', '/scripts', { step: { kind: 'nonsense' } })).toMatchObject({ status: 400, json: { error: expect.stringMatching(/unknown step kind/) } });
    expect((await control('POST', '/accounts', { plan: 'platinum' })).status).toBe(400);
    expect((await control('GET', '/accounts/missing')).status).toBe(404);
    expect((await control('GET', '/nowhere')).status).toBe(404);
  });
});

describe('close()', () => {
  it('returns promptly with a stalled stream and an open socket, and stops listening', async () => {
    const doomed = await startFakeUpstream();
    const account = doomed.addAccount();
    doomed.script(account.accountId, { kind: 'stall' });
    const stalled = postResponses(doomed.url, account, responsesBody('hi')).catch((err: unknown) => err);
    await waitFor('the stalled request to arrive', async () => (doomed.requests.length > 0 ? true : undefined), { intervalMs: 10 });

    await doomed.close();
    expect(await stalled).toBeInstanceOf(Error);
    const refused = await new Promise<string>((resolve) => {
      const socket = createConnection({ host: '127.0.0.1', port: doomed.port });
      socket.once('connect', () => {
        socket.destroy();
        resolve('connected');
      });
      socket.once('error', (err: NodeJS.ErrnoException) => resolve(err.code ?? 'error'));
    });
    expect(refused).toBe('ECONNREFUSED');
  });
});
