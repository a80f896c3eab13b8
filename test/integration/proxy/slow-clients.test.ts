/**
 * Slow and unauthenticated uploads (issue 12 item 10). Before: the admin API read a body before
 * checking its token, there was no request timeout, and one stalled upload stayed open for minutes
 * and held up shutdown. Now an unauthenticated upload is answered (and its connection closed) without
 * reading it, it never counts as in-flight work for the drain, and clients that stall in their
 * headers or body are cut off by CODEX_LB_REQUEST_HEADERS_TIMEOUT_SECONDS /
 * CODEX_LB_REQUEST_BODY_TIMEOUT_SECONDS — which never cut a long answer.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ANY_ACCOUNT } from '../../fakes/fake-upstream.ts';
import { collectSse, post } from './support/clients.ts';
import { rawRequest } from './support/raw-http.ts';
import { proxySuite } from './support/suite.ts';

const JSON_HEADERS = { 'content-type': 'application/json' };

describe('slow and unauthenticated clients', () => {
  const suite = proxySuite();

  it('answers an unauthenticated admin upload with 401 before reading it, closes it, and does not count it for the drain', async () => {
    const tokenFile = join(mkdtempSync(join(tmpdir(), 'codexlb-admin-')), 'token');
    writeFileSync(tokenFile, 'secret-token');
    const withToken = await suite.start({ env: { CODEX_LB_ADMIN_TOKEN_FILE: tokenFile } });
    const upload = rawRequest(withToken.url, 'POST', '/internal/admin/accounts/import', { ...JSON_HEADERS, 'content-length': 1_000_000 }, '{"authJson":');
    const answer = await upload.answer;
    expect([answer.status, answer.headers.connection, JSON.parse(answer.body)]).toEqual([
      401,
      'close',
      { error: { code: 'authentication_required', message: 'Missing or invalid admin token' } },
    ]);
    await upload.closed;
    expect(withToken.services.drain.inFlight).toBe(0);
    expect(withToken.services.memory.held).toBe(0);
  });

  it('answers an unauthenticated proxy upload (API keys on) with 401 mid-upload; shutdown does not wait for it', async () => {
    const proxy = await suite.start({ env: { CODEX_LB_API_KEY_AUTH_ENABLED: 'true' } });
    const upload = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 1_000_000 }, '{"model":');
    expect((await upload.answer).status).toBe(401);
    expect(proxy.services.drain.inFlight).toBe(0);
    // With an hour's drain budget, shutdown returns only because nothing is in flight.
    await proxy.server.shutdown(3_600_000);
  });

  it('cuts off a client that never finishes its headers, and one that stalls in its body (408)', async () => {
    const proxy = await suite.start({ env: { CODEX_LB_REQUEST_HEADERS_TIMEOUT_SECONDS: '0.5', CODEX_LB_REQUEST_BODY_TIMEOUT_SECONDS: '1' } });
    await proxy.importAccount(suite.fake.addAccount());
    const slowHeaders = rawRequest(proxy.url, 'POST', '/v1/responses', { 'x-still-typing': 'and then nothing' }, undefined, { endHeaders: false });
    expect((await slowHeaders.answer).status).toBe(408);
    await slowHeaders.closed;

    const slowBody = rawRequest(proxy.url, 'POST', '/v1/responses', { ...JSON_HEADERS, 'content-length': 1000 }, '{"model":');
    expect((await slowBody.answer).status).toBe(408);
    await slowBody.closed;
    await expect.poll(() => proxy.services.drain.inFlight).toBe(0);
    await expect.poll(() => proxy.services.memory.held).toBe(0);
  });

  it('never cuts a streamed answer that outlasts the request timeouts', async () => {
    const proxy = await suite.start({ env: { CODEX_LB_REQUEST_HEADERS_TIMEOUT_SECONDS: '0.2', CODEX_LB_REQUEST_BODY_TIMEOUT_SECONDS: '0.4' } });
    await proxy.importAccount(suite.fake.addAccount());
    suite.fake.script(ANY_ACCOUNT, { kind: 'slow', delayMs: 250 }); // several events, well past both timeouts in total
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'take your time', stream: true }, JSON_HEADERS);
    expect(res.status).toBe(200);
    const messages = await collectSse(res);
    expect(messages.at(-1)?.data.type).toBe('response.completed');
  });
});
