/**
 * Malformed requests are the client's fault: each gets an OpenAI-style 4xx body (reference/
 * proxy-contract.md §13) — never a 5xx, never a crash — and the proxy keeps serving.
 */
import { gzipSync } from 'node:zlib';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { json, post } from './support/clients.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

let fake: FakeUpstream;
let proxy: ProxyUnderTest;

beforeAll(async () => {
  fake = await startFakeUpstream();
  proxy = await startProxy({ fake, env: { CODEX_LB_MAX_DECOMPRESSED_BODY_BYTES: '4096' } });
  await proxy.importAccount(fake.addAccount());
});
afterAll(async () => {
  await proxy?.close();
  await fake?.close();
});

async function expectClientError(res: Response, status: number, fields: Record<string, unknown> = {}): Promise<void> {
  expect(res.status).toBe(status);
  const body = await json(res);
  expect(body).toMatchObject({ error: { message: expect.any(String), type: expect.any(String), code: expect.any(String), ...fields } });
}

describe('malformed requests', () => {
  it.each([
    ['/v1/responses', '{"model": "gpt-5.4", "input": '],
    ['/v1/chat/completions', 'not json at all'],
    ['/backend-api/codex/responses', '{"model":"gpt-5.4",}'],
  ])('%s with a body that is not JSON → 400 invalid_request_error', async (path, body) => {
    await expectClientError(await post(`${proxy.url}${path}`, body), 400, { type: 'invalid_request_error' });
  });

  it.each([
    ['a JSON array', '/v1/responses', [1, 2, 3], undefined],
    ['a JSON string', '/v1/responses', '"hello"', undefined],
    ['no model', '/v1/responses', { input: 'x' }, 'model'],
    ['a numeric input', '/v1/responses', { model: 'gpt-5.4', input: 42 }, 'input'],
    ['an unknown include', '/backend-api/codex/responses', { model: 'gpt-5.4', input: [], include: ['secrets'] }, 'include'],
    ['a bad truncation', '/v1/responses', { model: 'gpt-5.4', input: 'x', truncation: 'middle' }, 'truncation'],
    ['chat without messages', '/v1/chat/completions', { model: 'gpt-5.4' }, 'messages'],
    ['a chat message with an unknown role', '/v1/chat/completions', { model: 'gpt-5.4', messages: [{ role: 'robot', content: 'x' }] }, 'messages[0].role'],
    ['a chat tool call with object arguments', '/v1/chat/completions', { model: 'gpt-5.4', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: {} } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    ['chat with n = 3', '/v1/chat/completions', { model: 'gpt-5.4', n: 3, messages: [{ role: 'user', content: 'x' }] }, 'n'],
    ['compact with nothing to compact', '/v1/responses/compact', { model: 'gpt-5.4', input: [] }, 'input'],
  ])('%s → 400 with the offending param', async (_what, path, body, param) => {
    await expectClientError(await post(`${proxy.url}${path}`, typeof body === 'string' ? body : JSON.stringify(body)), 400, param ? { param } : {});
  });

  it('a body over the size cap → 413 payload_too_large', async () => {
    await expectClientError(await post(`${proxy.url}/v1/chat/completions`, { model: 'gpt-5.4', messages: [{ role: 'user', content: 'x'.repeat(10_000) }] }), 413, {
      code: 'payload_too_large',
    });
  });

  it('an unknown content encoding → 415; a gzip body is decompressed and served', async () => {
    const odd = await fetch(`${proxy.url}/v1/responses`, { method: 'POST', headers: { 'content-type': 'application/json', 'content-encoding': 'snappy' }, body: '{}' });
    await expectClientError(odd, 415);
    const gzipped = await fetch(`${proxy.url}/v1/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'content-encoding': 'gzip' },
      body: gzipSync(JSON.stringify({ model: 'gpt-5.4', input: 'zipped' })),
    });
    expect(gzipped.status).toBe(200);
  });

  it('an unknown proxy path → 404 in the OpenAI envelope; other paths → {"detail"}', async () => {
    await expectClientError(await fetch(`${proxy.url}/v1/nothing-here`), 404, { code: 'not_found' });
    await expectClientError(await fetch(`${proxy.url}/v1/responses`), 404, { code: 'not_found' });
    const other = await fetch(`${proxy.url}/definitely/not/here`);
    expect([other.status, await json(other)]).toEqual([404, { detail: 'No route for GET /definitely/not/here' }]);
  });

  it('keeps serving after all of the above', async () => {
    expect((await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'still here' })).status).toBe(200);
    expect(proxy.logs.filter((line) => JSON.parse(line).level === 'error')).toEqual([]);
  });
});
