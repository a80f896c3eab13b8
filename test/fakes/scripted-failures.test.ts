/**
 * Scripted upstream behaviour per account (proxy-contract §7.6, §2.5): the 429 family with reset
 * metadata, 401 that forces a refresh, 5xx, stalls, mid-stream disconnects, pacing, and the
 * in-stream `response.failed` / `response.incomplete` endings; plus one-shot, counted, sticky and
 * any-account scripts.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { OAUTH_CLIENT_ID } from './accounts.ts';
import { ANY_ACCOUNT, startFakeUpstream, type AccountCredentials, type FakeUpstream } from './fake-upstream.ts';
import { waitFor } from '../harness/process.ts';
import { collectSse, postResponses, readSse, responsesBody, type SseMessage } from './upstream-client.ts';

let fake: FakeUpstream;
let account: AccountCredentials;

beforeAll(async () => {
  fake = await startFakeUpstream();
});
afterAll(() => fake.close());
beforeEach(() => {
  fake.reset();
  account = fake.addAccount();
});

const send = (who: AccountCredentials = account, signal?: AbortSignal): Promise<Response> => postResponses(fake.url, who, responsesBody('hi'), { signal });
const nowSec = (): number => Math.floor(Date.now() / 1000);
const types = (messages: SseMessage[]): string[] => messages.map((m) => m.data.type as string);

/** Settles to 'pending' if `promise` has not settled shortly after the fake saw the request. */
async function stillPending(promise: Promise<unknown>): Promise<'pending' | 'settled'> {
  await waitFor('the request to reach the fake', async () => (fake.requests.length > 0 ? true : undefined), { intervalMs: 10 });
  return Promise.race([promise.then(() => 'settled' as const, () => 'settled' as const), sleep(100).then(() => 'pending' as const)]);
}

async function expectSuccess(who: AccountCredentials = account): Promise<void> {
  const res = await send(who);
  expect(res.status).toBe(200);
  expect(types(await collectSse(res)).at(-1)).toBe('response.completed');
}

describe('429 family', () => {
  it('answers usage_limit_reached with resets_at and resets_in_seconds and a full primary window, once', async () => {
    fake.script(account.accountId, { kind: 'usage_limit_reached' });
    const res = await send();

    expect(res.status).toBe(429);
    const body = (await res.json()) as { error: Record<string, unknown> };
    expect(body.error).toMatchObject({ type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_in_seconds: 3600 });
    expect(body.error.resets_at).toBeGreaterThanOrEqual(nowSec() + 3599);
    expect(res.headers.get('x-codex-primary-used-percent')).toBe('100');
    expect(res.headers.get('x-codex-primary-reset-at')).toBe(String(body.error.resets_at));

    await expectSuccess();
  });

  it('sends only the reset fields the script names', async () => {
    fake.script(account.accountId, { kind: 'usage_limit_reached', resetsInSeconds: 120 });
    const res = await send();
    const { error } = (await res.json()) as { error: Record<string, unknown> };
    expect(error.resets_in_seconds).toBe(120);
    expect(error).not.toHaveProperty('resets_at');
  });

  it('answers rate_limit_exceeded with a "try again in" hint', async () => {
    fake.script(account.accountId, { kind: 'rate_limit_exceeded', tryAgainIn: '6m0s' });
    const res = await send();
    expect(res.status).toBe(429);
    const { error } = (await res.json()) as { error: { code: string; type: string; message: string } };
    expect(error).toMatchObject({ code: 'rate_limit_exceeded', type: 'rate_limit_error' });
    expect(error.message).toContain('Please try again in 6m0s.');
  });

  it('answers insufficient_quota', async () => {
    fake.script(account.accountId, { kind: 'insufficient_quota' });
    const res = await send();
    expect(res.status).toBe(429);
    expect(((await res.json()) as { error: { code: string; type: string } }).error).toMatchObject({ code: 'insufficient_quota', type: 'insufficient_quota' });
  });
});

describe('401 and 5xx', () => {
  it('answers 401 token_invalidated and keeps refusing the token until the proxy refreshes', async () => {
    fake.script(account.accountId, { kind: 'unauthorized' });
    const first = await send();
    expect(first.status).toBe(401);
    expect(await first.json()).toEqual({
      error: { message: 'Your authentication token has been invalidated. Please try signing in again.', type: 'invalid_request_error', code: 'token_invalidated', param: null },
      status: 401,
    });
    expect((await send()).status).toBe(401);

    const refreshed = await fetch(`${fake.url}/oauth/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ grant_type: 'refresh_token', client_id: OAUTH_CLIENT_ID, refresh_token: account.refreshToken }),
    });
    expect(refreshed.status).toBe(200);
    await expectSuccess(fake.account(account.accountId));
  });

  it.each([
    [500, 'application/json', { error: { type: 'server_error', code: 'server_error' } }],
    [503, 'application/json', { error: { type: 'server_error', code: 'server_is_overloaded' } }],
    [502, 'text/html; charset=UTF-8', undefined],
    [504, 'text/html; charset=UTF-8', undefined],
  ] as const)('answers server_error %i with its usual body', async (status, contentType, json) => {
    fake.script(account.accountId, { kind: 'server_error', status });
    const res = await send();
    expect(res.status).toBe(status);
    expect(res.headers.get('content-type')).toBe(contentType);
    if (json) expect(await res.json()).toMatchObject(json);
    else expect(await res.text()).toContain(`Error ${status}`);
  });
});

describe('script lifetimes and targets', () => {
  it('fails `times` requests, then recovers', async () => {
    fake.script(account.accountId, { kind: 'server_error', status: 503 }, { times: 2 });
    expect((await send()).status).toBe(503);
    expect((await send()).status).toBe(503);
    await expectSuccess();
  });

  it('keeps failing while sticky, until the scripts are cleared', async () => {
    fake.script(account.accountId, { kind: 'insufficient_quota' }, { sticky: true });
    for (let i = 0; i < 3; i++) expect((await send()).status).toBe(429);
    fake.clearScripts();
    await expectSuccess();
  });

  it('applies ANY_ACCOUNT steps to whoever serves next, after the account-specific ones', async () => {
    const other = fake.addAccount();
    fake.script(ANY_ACCOUNT, { kind: 'server_error' });
    fake.script(account.accountId, { kind: 'insufficient_quota' });

    expect((await send(account)).status).toBe(429);
    expect((await send(account)).status).toBe(500);
    await expectSuccess(other);
  });

  it('refuses steps that cannot apply to the endpoint, and non-positive counts', () => {
    expect(() => fake.script(account.accountId, { kind: 'disconnect', afterEvents: 1 }, { endpoint: 'usage' })).toThrow(/cannot apply to the 'usage' endpoint/);
    expect(() => fake.script(account.accountId, { kind: 'refresh_error', code: 'invalid_grant' }, { endpoint: 'responses' })).toThrow(/cannot apply/);
    expect(() => fake.script(account.accountId, { kind: 'server_error' }, { times: 0 })).toThrow(/positive integer/);
  });
});

describe('stalls', () => {
  it('sends nothing, not even headers, until the client gives up', async () => {
    fake.script(account.accountId, { kind: 'stall' });
    const abort = new AbortController();
    const pending = send(account, abort.signal);

    expect(await stillPending(pending)).toBe('pending');
    abort.abort();
    await expect(pending).rejects.toThrow(/abort/i);
    await expectSuccess();
  });

  it('answers normally once a timed stall is over', async () => {
    fake.script(account.accountId, { kind: 'stall', ms: 1500 });
    const pending = send();
    expect(await stillPending(pending)).toBe('pending');
    const res = await pending;
    expect(res.status).toBe(200);
    expect(types(await collectSse(res)).at(-1)).toBe('response.completed');
  });

  it('can commit 200 and the SSE headers first, then hold back every event', async () => {
    fake.script(account.accountId, { kind: 'stall', ms: 1500, afterHeaders: true });
    const res = await send();
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');

    const reader = readSse(res.body);
    const first = reader.next();
    expect(await Promise.race([first.then(() => 'event'), sleep(100).then(() => 'nothing yet')])).toBe('nothing yet');
    expect((await first).value?.data.type).toBe('codex.rate_limits');
    await reader.return(undefined);
  });
});

describe('stream shaping', () => {
  it('drops the connection after K events: no terminal event, the body errors', async () => {
    fake.script(account.accountId, { kind: 'disconnect', afterEvents: 5 });
    const res = await send();
    expect(res.status).toBe(200);

    const received: SseMessage[] = [];
    const reading = (async () => {
      for await (const message of readSse(res.body)) received.push(message);
    })();
    await expect(reading).rejects.toThrow();
    expect(types(received)).toEqual([
      'codex.rate_limits',
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
    ]);
  });

  it('paces a slow stream: each delta arrives on its own, in order', async () => {
    fake.script(account.accountId, { kind: 'slow', delayMs: 150 });
    const messages = await collectSse(await send());
    const deltas = messages.filter((m) => m.data.type === 'response.output_text.delta');

    expect(deltas.map((m) => m.data.delta).join('')).toBe(`Echo from ${account.accountId}: hi`);
    const reads = deltas.map((m) => m.read);
    expect(new Set(reads).size).toBe(reads.length);
    expect([...reads].sort((a, b) => a - b)).toEqual(reads);
  });

  it('ends with response.failed after the given events', async () => {
    fake.script(account.accountId, { kind: 'response_failed' });
    const messages = await collectSse(await send());

    expect(types(messages)).toEqual(['codex.rate_limits', 'response.created', 'response.failed']);
    expect(messages[2]?.data).toMatchObject({
      sequence_number: 1,
      response: { status: 'failed', error: { code: 'server_error' }, incomplete_details: null, output: [] },
    });
  });

  it('carries a scripted error code and message in response.failed, mid-message', async () => {
    fake.script(account.accountId, { kind: 'response_failed', afterEvents: 6, code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 5s.' });
    const messages = await collectSse(await send());

    expect(types(messages).slice(-2)).toEqual(['response.output_text.delta', 'response.failed']);
    expect(messages).toHaveLength(7);
    expect((messages[6]?.data.response as Record<string, unknown>).error).toEqual({ code: 'rate_limit_exceeded', message: 'Rate limit reached. Please try again in 5s.' });
  });

  it('ends with response.incomplete and its reason', async () => {
    fake.script(account.accountId, { kind: 'incomplete' });
    const messages = await collectSse(await send());

    expect(types(messages)).not.toContain('response.completed');
    expect(messages.at(-1)?.data).toMatchObject({ type: 'response.incomplete', response: { status: 'incomplete', incomplete_details: { reason: 'max_output_tokens' } } });
    expect(messages.find((m) => m.data.type === 'response.output_item.done')?.data.item).toMatchObject({ status: 'incomplete' });
  });

  it('answers with scripted text', async () => {
    fake.script(account.accountId, { kind: 'text', text: 'Exactly this, with ünïcode.' });
    const messages = await collectSse(await send());
    expect(messages.find((m) => m.data.type === 'response.output_text.done')?.data.text).toBe('Exactly this, with ünïcode.');
  });

  it('answers with a scripted tool call', async () => {
    fake.script(account.accountId, { kind: 'tool_call', name: 'shell', arguments: '{"cmd":["ls"]}' });
    const messages = await collectSse(await send());
    expect(messages.find((m) => m.data.type === 'response.output_item.done')?.data.item).toMatchObject({ type: 'function_call', name: 'shell', arguments: '{"cmd":["ls"]}' });
  });
});
