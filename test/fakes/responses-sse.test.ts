/**
 * The fake's `/codex/responses` over HTTP behaves like the Codex backend: the SSE event sequence of
 * a turn, the usage numbers, the rate-limit headers, tool calls, and the body rules the proxy's
 * normalisation must satisfy (proxy-contract §2.3, §2.5, §2.8).
 */
import { zstdCompressSync } from 'node:zlib';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from './fake-upstream.ts';
import { collectSse, postResponses, responsesBody, userMessage, type SseMessage } from './upstream-client.ts';

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

const types = (messages: SseMessage[]): string[] => messages.map((m) => m.data.type as string);
const ofType = (messages: SseMessage[], type: string): Record<string, unknown>[] =>
  messages.filter((m) => m.data.type === type).map((m) => m.data);
const completed = (messages: SseMessage[]): Record<string, unknown> => {
  const [event] = ofType(messages, 'response.completed');
  return event?.response as Record<string, unknown>;
};

async function turn(body: Record<string, unknown>, who: AccountCredentials = account): Promise<SseMessage[]> {
  const res = await postResponses(fake.url, who, body);
  expect(res.status).toBe(200);
  return collectSse(res);
}

describe('a text turn', () => {
  it('streams the canonical event sequence as text/event-stream with numbered response events', async () => {
    const res = await postResponses(fake.url, account, responsesBody('hello there'));
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toBe('text/event-stream');
    const messages = await collectSse(res);

    expect(types(messages)).toEqual([
      'codex.rate_limits',
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.content_part.added',
      ...Array(5).fill('response.output_text.delta'),
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
      'response.completed',
    ]);
    for (const m of messages) expect(m.event).toBe(m.data.type);
    const numbered = messages.filter((m) => m.event?.startsWith('response.'));
    expect(numbered.map((m) => m.data.sequence_number)).toEqual(numbered.map((_, i) => i));
    expect(messages[0]?.data).not.toHaveProperty('sequence_number');
  });

  it('echoes the last user message with the serving account id, split across several deltas', async () => {
    const messages = await turn(responsesBody('hello there'));
    const expected = `Echo from ${account.accountId}: hello there`;

    const deltas = ofType(messages, 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(expected);
    expect(ofType(messages, 'response.output_text.done')[0]?.text).toBe(expected);
    expect(ofType(messages, 'response.output_item.done')[0]?.item).toMatchObject({
      type: 'message',
      role: 'assistant',
      status: 'completed',
      content: [{ type: 'output_text', text: expected }],
    });
  });

  it('ends with response.completed carrying an empty output list and the usage', async () => {
    const messages = await turn(responsesBody('hello there'));
    const created = ofType(messages, 'response.created')[0]?.response as Record<string, unknown>;
    const response = completed(messages);

    expect(response).toMatchObject({ id: created.id, object: 'response', status: 'completed', model: 'gpt-5.4', service_tier: 'default', output: [] });
    // "Be brief." + "hello there" = 20 chars = 5 tokens in; one token per streamed delta out.
    expect(response.usage).toEqual({
      input_tokens: 5,
      input_tokens_details: { cached_tokens: 0 },
      output_tokens: 5,
      output_tokens_details: { reasoning_tokens: 0 },
      total_tokens: 10,
    });
  });

  it('reports the priority service tier when the request asked for it', async () => {
    const messages = await turn(responsesBody('hi', { service_tier: 'priority' }));
    expect(completed(messages).service_tier).toBe('priority');
  });

  it('counts cached tokens only when the same account saw the prompt_cache_key before', async () => {
    const other = fake.addAccount();
    const body = responsesBody('hello there', { prompt_cache_key: 'thread-1' });
    const cached = async (who: AccountCredentials): Promise<unknown> =>
      (completed(await turn(body, who)).usage as { input_tokens_details: { cached_tokens: number } }).input_tokens_details.cached_tokens;

    expect(await cached(account)).toBe(0);
    expect(await cached(account)).toBe(5);
    expect(await cached(other)).toBe(0);
  });

  it('adds a reasoning item with encrypted content and bills reasoning tokens for reasoning.effort', async () => {
    const messages = await turn(responsesBody('hello there', { reasoning: { effort: 'high' }, include: ['reasoning.encrypted_content'] }));
    const items = ofType(messages, 'response.output_item.done').map((e) => e.item as Record<string, unknown>);

    expect(items.map((i) => i.type)).toEqual(['reasoning', 'message']);
    expect(items[0]?.encrypted_content).toEqual(expect.stringMatching(/^gAAAAA/));
    expect(ofType(messages, 'response.output_text.delta')[0]?.output_index).toBe(1);
    expect(completed(messages).usage).toMatchObject({ output_tokens: 5 + 256, output_tokens_details: { reasoning_tokens: 256 }, total_tokens: 5 + 5 + 256 });
  });

  it('accepts a zstd-compressed body, as Codex CLI sends them', async () => {
    const res = await fetch(`${fake.url}/backend-api/codex/responses`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${account.accessToken}`,
        'chatgpt-account-id': account.accountId,
        'content-type': 'application/json',
        'content-encoding': 'zstd',
      },
      body: zstdCompressSync(Buffer.from(JSON.stringify(responsesBody('squeezed')))),
    });
    expect(res.status).toBe(200);
    const deltas = ofType(await collectSse(res), 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(`Echo from ${account.accountId}: squeezed`);
  });
});

describe('rate-limit reporting', () => {
  it('sends the account usage windows as x-codex-* headers and as the leading codex.rate_limits event', async () => {
    const now = Math.floor(Date.now() / 1000);
    fake.setUsage(account.accountId, {
      primary: { usedPercent: 42.5, resetAt: now + 600 },
      secondary: { usedPercent: 10, resetAt: now + 86_400 },
      credits: { hasCredits: true, balance: '12.50' },
    });
    const res = await postResponses(fake.url, account, responsesBody('hi'));
    const header = (name: string): string | null => res.headers.get(name);

    expect(header('x-codex-plan-type')).toBe('plus');
    expect(header('x-codex-primary-used-percent')).toBe('42.5');
    expect(header('x-codex-primary-window-minutes')).toBe('300');
    expect(header('x-codex-primary-reset-at')).toBe(String(now + 600));
    expect(Number(header('x-codex-primary-reset-after-seconds'))).toBeGreaterThan(590);
    expect(Number(header('x-codex-primary-reset-after-seconds'))).toBeLessThanOrEqual(600);
    expect(header('x-codex-secondary-used-percent')).toBe('10');
    expect(header('x-codex-secondary-window-minutes')).toBe('10080');
    expect(header('x-codex-secondary-reset-at')).toBe(String(now + 86_400));
    expect(header('x-codex-credits-has-credits')).toBe('True');
    expect(header('x-codex-credits-unlimited')).toBe('False');
    expect(header('x-codex-credits-balance')).toBe('12.50');

    const [first] = await collectSse(res);
    expect(first?.data).toEqual({
      type: 'codex.rate_limits',
      plan_type: 'plus',
      rate_limits: {
        primary: { used_percent: 42.5, window_minutes: 300, reset_at: now + 600 },
        secondary: { used_percent: 10, window_minutes: 10_080, reset_at: now + 86_400 },
      },
      credits: { has_credits: true, unlimited: false, balance: '12.50' },
    });
  });
});

describe('tool calls', () => {
  const weatherTool = { type: 'function', name: 'get_weather', description: 'Weather by city', parameters: { type: 'object', properties: { city: { type: 'string' } } } };

  it('answers with a streamed function call when the request offers tools and the user asks for one', async () => {
    const messages = await turn(responsesBody('please call get_weather {"city":"Paris"}', { tools: [weatherTool] }));
    const argumentDeltas = ofType(messages, 'response.function_call_arguments.delta').map((e) => e.delta);

    expect(types(messages).filter((t) => t !== 'response.function_call_arguments.delta')).toEqual([
      'codex.rate_limits',
      'response.created',
      'response.in_progress',
      'response.output_item.added',
      'response.function_call_arguments.done',
      'response.output_item.done',
      'response.completed',
    ]);
    expect(argumentDeltas.length).toBeGreaterThan(1);
    expect(argumentDeltas.join('')).toBe('{"city":"Paris"}');
    const item = ofType(messages, 'response.output_item.done')[0]?.item as Record<string, unknown>;
    expect(item).toMatchObject({ type: 'function_call', status: 'completed', name: 'get_weather', arguments: '{"city":"Paris"}' });
    expect(item.call_id).toEqual(expect.stringMatching(/^call_/));
    expect(ofType(messages, 'response.function_call_arguments.done')[0]).toMatchObject({ item_id: item.id, arguments: '{"city":"Paris"}' });
  });

  it('calls the tool named by tool_choice', async () => {
    const lookup = { ...weatherTool, name: 'lookup' };
    const messages = await turn(responsesBody('hi', { tools: [weatherTool, lookup], tool_choice: { type: 'function', name: 'lookup' } }));
    expect(ofType(messages, 'response.output_item.done')[0]?.item).toMatchObject({ type: 'function_call', name: 'lookup', arguments: '{}' });
  });

  it('answers tool output with text naming the call and its result', async () => {
    const input = [
      userMessage('call get_weather {"city":"Paris"}'),
      { type: 'function_call', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' },
      { type: 'function_call_output', call_id: 'call_1', output: 'sunny' },
    ];
    const messages = await turn(responsesBody('', { input, tools: [weatherTool] }));
    expect(ofType(messages, 'response.output_text.done')[0]?.text).toBe(`Echo from ${account.accountId}: tool call_1 returned sunny`);
  });

  it('answers a compaction trigger with a single compaction item', async () => {
    const messages = await turn(responsesBody('', { input: [userMessage('long history'), { type: 'compaction_trigger' }] }));
    const items = ofType(messages, 'response.output_item.done').map((e) => e.item as Record<string, unknown>);
    expect(items).toEqual([{ id: expect.stringMatching(/^cmp_/), type: 'compaction', encrypted_content: expect.any(String) }]);
  });
});

describe('body rules the proxy must satisfy (§2.3, §15.4)', () => {
  const detail = (text: string): object => ({ detail: text });
  const without = (key: string): Record<string, unknown> => {
    const { [key]: _dropped, ...rest } = responsesBody('hi');
    return rest;
  };

  it.each([
    ['stream=false', responsesBody('hi', { stream: false }), detail('Stream must be set to true')],
    ['a missing stream', without('stream'), detail('Stream must be set to true')],
    ['store=true', responsesBody('hi', { store: true }), detail('Store must be set to false')],
    ['a missing store', without('store'), detail('Store must be set to false')],
    ['a string input', responsesBody('hi', { input: 'hi' }), detail('Input must be a list')],
    ['missing instructions', without('instructions'), detail('Instructions are required')],
    ['temperature', responsesBody('hi', { temperature: 0.2 }), detail('Unsupported parameter: temperature')],
    ['max_output_tokens', responsesBody('hi', { max_output_tokens: 100 }), detail('Unsupported parameter: max_output_tokens')],
    ['previous_response_id over HTTP', responsesBody('hi', { previous_response_id: 'resp_1' }), detail('Unsupported parameter: previous_response_id')],
    ['an unnormalised model alias', responsesBody('hi', { model: 'gpt-5.4-mini-high' }), detail("The 'gpt-5.4-mini-high' model is not supported when using Codex with a ChatGPT account.")],
    ['a model outside the plan', responsesBody('hi', { model: 'gpt-5.3-codex-spark' }), detail("The 'gpt-5.3-codex-spark' model is not supported when using Codex with a ChatGPT account.")],
    [
      'a Chat Completions-shaped tool',
      responsesBody('hi', { tools: [{ type: 'function', function: { name: 'get_weather', parameters: {} } }] }),
      { error: { message: "Missing required parameter: 'tools[0].name'.", type: 'invalid_request_error', param: 'tools[0].name', code: 'missing_required_parameter' } },
    ],
  ])('rejects %s with 400 before streaming', async (_case, body, expected) => {
    const res = await postResponses(fake.url, account, body);
    expect(res.status).toBe(400);
    expect(res.headers.get('content-type')).toBe('application/json');
    expect(await res.json()).toEqual(expected);
  });
});

describe('authorisation (§2.2)', () => {
  const post = (headers: Record<string, string>): Promise<Response> =>
    fetch(`${fake.url}/backend-api/codex/responses`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...headers },
      body: JSON.stringify(responsesBody('hi')),
    });
  const unparseable = { detail: 'Could not parse your authentication token. Please try signing in again.' };

  it('answers 401 without a bearer token', async () => {
    const res = await post({});
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unparseable);
  });

  it('answers 401 to a token it never issued', async () => {
    const res = await post({ authorization: 'Bearer not-a-token', 'chatgpt-account-id': account.accountId });
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual(unparseable);
  });

  it('answers 401 token_expired to an expired access token', async () => {
    const stale = fake.addAccount({ accessTokenExpired: true });
    const res = await postResponses(fake.url, stale, responsesBody('hi'));
    expect(res.status).toBe(401);
    expect(await res.json()).toEqual({
      error: { message: 'Provided authentication token is expired. Please try signing in again.', type: 'invalid_request_error', code: 'token_expired', param: null },
      status: 401,
    });
  });

  it("refuses a chatgpt-account-id naming another account than the token's", async () => {
    const other = fake.addAccount();
    const res = await post({ authorization: `Bearer ${account.accessToken}`, 'chatgpt-account-id': other.accountId });
    expect(res.status).toBe(403);
  });

  it('serves the token owner when the account header is omitted (synthetic ids, §2.2 item 5)', async () => {
    const res = await post({ authorization: `Bearer ${account.accessToken}` });
    expect(res.status).toBe(200);
    const deltas = ofType(await collectSse(res), 'response.output_text.delta').map((e) => e.delta);
    expect(deltas.join('')).toBe(`Echo from ${account.accountId}: hi`);
  });
});
