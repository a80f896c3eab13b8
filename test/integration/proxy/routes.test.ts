/**
 * Every client route of the proxy, end to end against the fake upstream, on both databases.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { waitFor } from '../../harness/process.ts';
import { CODEX_CLI_HEADERS, codexTurn, collectSse, json, post, streamedText, types } from './support/clients.ts';
import { DATABASE_KINDS, Databases } from './support/databases.ts';
import { startProxy, type ProxyUnderTest } from './support/proxy-harness.ts';

const dbs = new Databases();
afterAll(() => dbs.stop());

describe.each(DATABASE_KINDS)('proxy routes (%s)', (kind) => {
  let fake: FakeUpstream;
  let proxy: ProxyUnderTest;
  let account: AccountCredentials;

  beforeAll(async () => {
    fake = await startFakeUpstream();
    proxy = await startProxy({ fake, databaseUrl: await dbs.fresh(kind) });
    account = fake.addAccount({ plan: 'pro' });
    await proxy.importAccount(account);
  });
  afterAll(async () => {
    await proxy?.close();
    await fake?.close();
  });

  const echo = (text: string): string => `Echo from ${account.accountId}: ${text}`;

  it('POST /backend-api/codex/responses streams the upstream events verbatim to the Codex CLI, vendor events included', async () => {
    const res = await post(`${proxy.url}/backend-api/codex/responses`, codexTurn('hello'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toMatch(/^text\/event-stream/);
    expect(res.headers.get('cache-control')).toBe('no-cache, no-transform');
    expect(res.headers.get('x-accel-buffering')).toBe('no');
    expect(res.headers.get('x-codex-turn-state')).toMatch(/^http_turn_[0-9a-f]{32}$/);
    const messages = await collectSse(res);
    expect(types(messages)[0]).toBe('codex.rate_limits');
    expect(types(messages).at(-1)).toBe('response.completed');
    expect(messages.every((m) => m.event === m.data.type)).toBe(true);
    expect(streamedText(messages)).toBe(echo('hello'));
  });

  it('serves /backend-api/codex/v1/* as /backend-api/codex/*', async () => {
    const res = await post(`${proxy.url}/backend-api/codex/v1/responses`, codexTurn('alias'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(200);
    expect(streamedText(await collectSse(res))).toBe(echo('alias'));
  });

  it('GET /backend-api/codex/models answers the Codex catalog shape', async () => {
    const body = await json(await fetch(`${proxy.url}/backend-api/codex/models`));
    expect(body.object).toBe('list');
    const models = body.models as Array<Record<string, unknown>>;
    expect(models.map((m) => m.slug)).toContain('gpt-5.4');
    expect(models[0]).toMatchObject({ slug: expect.any(String), context_window: expect.any(Number), supported_reasoning_levels: expect.any(Array) });
    expect((body.data as Array<Record<string, unknown>>).map((m) => m.id)).toContain('gpt-5.4');
  });

  it('GET /v1/models lists models in the OpenAI shape, and the Codex catalog when client_version is given', async () => {
    const list = await json(await fetch(`${proxy.url}/v1/models`));
    expect(list).not.toHaveProperty('models');
    expect((list.data as Array<Record<string, unknown>>).find((m) => m.id === 'gpt-5.4')).toMatchObject({ object: 'model', owned_by: 'codex-lb' });
    const catalog = await json(await fetch(`${proxy.url}/v1/models?client_version=0.169.0`));
    expect((catalog.models as Array<Record<string, unknown>>).map((m) => m.slug)).toContain('gpt-5.4');
  });

  it('POST /v1/responses streams the public contract: no codex.* events, sequence numbers from 0, output on completion', async () => {
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'stream me', stream: true });
    expect(res.status).toBe(200);
    const messages = await collectSse(res);
    expect(types(messages).some((t) => t.startsWith('codex.'))).toBe(false);
    expect(types(messages)[0]).toBe('response.created');
    expect(messages.map((m) => m.data.sequence_number)).toEqual(messages.map((_, i) => i));
    const completed = messages.at(-1)?.data.response as Record<string, unknown>;
    expect(completed.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: echo('stream me') })] })]);
  });

  it('POST /v1/responses without stream answers one Response object with its output', async () => {
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'buffer me', temperature: 0.2, max_output_tokens: 100 });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ object: 'response', status: 'completed', usage: { input_tokens: expect.any(Number) } });
    expect(body.output).toEqual([expect.objectContaining({ type: 'message', content: [expect.objectContaining({ text: echo('buffer me') })] })]);
  });

  it('POST /v1/responses accepts chat-shaped messages instead of input', async () => {
    const body = await json(await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', messages: [{ role: 'system', content: 'sys' }, { role: 'user', content: 'as messages' }] }));
    expect(body.status).toBe('completed');
    const sent = fake.requests.at(-1)?.body as Record<string, unknown>;
    expect(sent.instructions).toBe('sys');
  });

  it('POST /v1/chat/completions without stream answers a chat.completion with usage', async () => {
    const res = await post(`${proxy.url}/v1/chat/completions`, { model: 'gpt-5.4', messages: [{ role: 'user', content: 'hi there' }] });
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({
      object: 'chat.completion',
      model: 'gpt-5.4',
      choices: [{ index: 0, message: { role: 'assistant', content: echo('hi there') }, finish_reason: 'stop' }],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number), total_tokens: expect.any(Number) },
    });
  });

  it('POST /v1/chat/completions streams chunks, then a usage chunk with include_usage, then [DONE]', async () => {
    const res = await post(`${proxy.url}/v1/chat/completions`, {
      model: 'gpt-5.4',
      stream: true,
      stream_options: { include_usage: true },
      messages: [{ role: 'user', content: 'chunks' }],
    });
    const text = await res.text();
    const frames = text.split('\n\n').filter(Boolean).map((f) => f.replace(/^data: /, ''));
    expect(frames.at(-1)).toBe('[DONE]');
    const chunks = frames.slice(0, -1).map((f) => JSON.parse(f) as Record<string, unknown>);
    const content = chunks.map((c) => (c.choices as Array<{ delta: { content?: string } }>)[0]?.delta.content ?? '').join('');
    expect(content).toBe(echo('chunks'));
    expect(chunks.at(-1)).toMatchObject({ choices: [], usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) } });
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
  });

  it('POST /v1/chat/completions translates tool calls out and tool results back', async () => {
    const tools = [{ type: 'function', function: { name: 'get_weather', parameters: { type: 'object', properties: { city: { type: 'string' } } } } }];
    const first = await json(
      await post(`${proxy.url}/v1/chat/completions`, { model: 'gpt-5.4', tools, messages: [{ role: 'user', content: 'call get_weather {"city":"Paris"}' }] }),
    );
    const choice = (first.choices as Array<Record<string, unknown>>)[0] as { message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> }; finish_reason: string };
    expect(choice.finish_reason).toBe('tool_calls');
    const call = choice.message.tool_calls[0];
    expect(call?.function).toEqual({ name: 'get_weather', arguments: '{"city":"Paris"}' });
    const second = await json(
      await post(`${proxy.url}/v1/chat/completions`, {
        model: 'gpt-5.4',
        tools,
        messages: [
          { role: 'user', content: 'call get_weather {"city":"Paris"}' },
          { role: 'assistant', content: null, tool_calls: [{ id: call?.id, type: 'function', function: call?.function }] },
          { role: 'tool', tool_call_id: call?.id, content: 'sunny' },
        ],
      }),
    );
    expect((second.choices as Array<{ message: { content: string } }>)[0]?.message.content).toBe(echo(`tool ${call?.id} returned sunny`));
  });

  it.each(['/backend-api/codex/responses/compact', '/v1/responses/compact'])('POST %s answers the compacted window as one JSON object', async (path) => {
    const res = await post(`${proxy.url}${path}`, codexTurn('a long history'), CODEX_CLI_HEADERS);
    expect(res.status).toBe(200);
    const body = await json(res);
    expect(body).toMatchObject({ object: 'response.compaction', output: [{ type: 'compaction', encrypted_content: expect.any(String) }] });
    const sent = fake.requests.at(-1)?.body as { input: Array<{ type?: string }>; stream: boolean; store: boolean };
    expect(sent.input.at(-1)).toEqual({ type: 'compaction_trigger' });
    expect([sent.stream, sent.store]).toEqual([true, false]);
  });

  it('echoes an inbound x-request-id and forwards it upstream; mints one when absent', async () => {
    const res = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'ids' }, { 'x-request-id': 'req-from-client-1' });
    expect(res.headers.get('x-request-id')).toBe('req-from-client-1');
    await res.json();
    expect(fake.requests.at(-1)?.headers['x-request-id']).toBe('req-from-client-1');
    const minted = await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'ids' });
    const id = minted.headers.get('x-request-id');
    expect(id).toMatch(/^[0-9a-f-]{36}$/);
    await minted.json();
    expect(fake.requests.at(-1)?.headers['x-request-id']).toBe(id);
  });

  it('answers the health probes', async () => {
    for (const path of ['/health', '/health/live', '/health/startup', '/health/ready']) {
      const res = await fetch(`${proxy.url}${path}`);
      expect([path, res.status]).toEqual([path, 200]);
      expect(await json(res)).toMatchObject({ status: 'ok' });
    }
  });

  it('writes one request log row per request with tokens, latency, TTFT and the serving account', async () => {
    const body = await json(await post(`${proxy.url}/v1/responses`, { model: 'gpt-5.4', input: 'log me' }));
    const rows = await waitFor('the request log row', async () => {
      const found = (await proxy.dataLayer.dataSource.query(`SELECT * FROM request_logs WHERE request_id = '${String(body.id)}'`)) as Array<Record<string, unknown>>;
      return found.length > 0 ? found : undefined;
    });
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ status: 'success', model: 'gpt-5.4', transport: 'http', upstream_status_code: 200 });
    expect(Number(rows[0]?.input_tokens)).toBeGreaterThan(0);
    expect(Number(rows[0]?.output_tokens)).toBeGreaterThan(0);
    expect(Number(rows[0]?.cost_usd)).toBeGreaterThan(0);
    expect(Number(rows[0]?.latency_first_token_ms)).toBeLessThanOrEqual(Number(rows[0]?.latency_ms));
    expect(String(rows[0]?.account_id)).toContain(account.accountId);
  });
});
