/**
 * The official `openai` npm SDK against `codex-lb-proxy serve`: Responses and Chat Completions,
 * streamed and not, tool calls included — the SDK's own parsers are the judge of the wire format.
 */
import OpenAI from 'openai';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startFakeUpstream, type AccountCredentials, type FakeUpstream } from '../../fakes/fake-upstream.ts';
import { startServe, type ServeProcess } from './support/serve-process.ts';

let fake: FakeUpstream;
let serve: ServeProcess;
let account: AccountCredentials;
let client: OpenAI;

beforeAll(async () => {
  fake = await startFakeUpstream();
  serve = await startServe(fake);
  account = fake.addAccount({ plan: 'pro' });
  await serve.importAccount(account);
  client = new OpenAI({ baseURL: `${serve.url}/v1`, apiKey: 'unused-locally', maxRetries: 0 });
});
afterAll(async () => {
  await serve?.stop();
  await fake?.close();
});

const echo = (text: string): string => `Echo from ${account.accountId}: ${text}`;

describe('openai SDK through the proxy', () => {
  it('responses.create returns a completed Response with output_text', async () => {
    const response = await client.responses.create({ model: 'gpt-5.4', input: 'sdk hello', instructions: 'Be brief.' });
    expect(response.status).toBe('completed');
    expect(response.output_text).toBe(echo('sdk hello'));
    expect(response.usage?.input_tokens).toBeGreaterThan(0);
  });

  it('responses.create with stream: true yields the event sequence, ending in response.completed', async () => {
    const stream = await client.responses.create({ model: 'gpt-5.4', input: 'sdk stream', stream: true });
    const types: string[] = [];
    let text = '';
    for await (const event of stream) {
      types.push(event.type);
      if (event.type === 'response.output_text.delta') text += event.delta;
    }
    expect(types[0]).toBe('response.created');
    expect(types.at(-1)).toBe('response.completed');
    expect(text).toBe(echo('sdk stream'));
  });

  it('the responses.stream helper assembles the final response from the events', async () => {
    const stream = client.responses.stream({ model: 'gpt-5.4', input: 'sdk helper' });
    const final = await stream.finalResponse();
    expect(final.output_text).toBe(echo('sdk helper'));
  });

  it('chat.completions.create returns a chat.completion with usage', async () => {
    const completion = await client.chat.completions.create({ model: 'gpt-5.4', messages: [{ role: 'user', content: 'sdk chat' }] });
    expect(completion.choices[0]?.message.content).toBe(echo('sdk chat'));
    expect(completion.choices[0]?.finish_reason).toBe('stop');
    expect(completion.usage?.total_tokens).toBeGreaterThan(0);
  });

  it('chat.completions streaming with include_usage ends with a usage chunk', async () => {
    const stream = await client.chat.completions.create({
      model: 'gpt-5.4',
      messages: [{ role: 'user', content: 'sdk chat stream' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: OpenAI.CompletionUsage | null | undefined;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(echo('sdk chat stream'));
    expect(usage?.completion_tokens).toBeGreaterThan(0);
  });

  it('chat tool calls round-trip through the SDK, streamed and not', async () => {
    const tools: OpenAI.ChatCompletionTool[] = [
      { type: 'function', function: { name: 'lookup', description: 'Look a word up', parameters: { type: 'object', properties: { word: { type: 'string' } } } } },
    ];
    const asked: OpenAI.ChatCompletionMessageParam = { role: 'user', content: 'call lookup {"word":"proxy"}' };
    const completion = await client.chat.completions.create({ model: 'gpt-5.4', tools, messages: [asked] });
    const call = completion.choices[0]?.message.tool_calls?.[0];
    expect(call?.type === 'function' && call.function).toEqual({ name: 'lookup', arguments: '{"word":"proxy"}' });

    const runner = client.chat.completions.stream({ model: 'gpt-5.4', tools, messages: [asked] });
    const streamed = await runner.finalChatCompletion();
    const streamedCall = streamed.choices[0]?.message.tool_calls?.[0];
    expect(streamedCall?.type === 'function' && streamedCall.function).toEqual({ name: 'lookup', arguments: '{"word":"proxy"}' });

    const answer = await client.chat.completions.create({
      model: 'gpt-5.4',
      tools,
      messages: [asked, completion.choices[0]!.message, { role: 'tool', tool_call_id: call!.id, content: 'a middleman' }],
    });
    expect(answer.choices[0]?.message.content).toBe(echo(`tool ${call!.id} returned a middleman`));
  });

  it('an exhausted pool reaches the SDK as a RateLimitError with the OpenAI error body', async () => {
    fake.script(account.accountId, { kind: 'usage_limit_reached', resetsInSeconds: 120 });
    const failure = await client.responses.create({ model: 'gpt-5.4', input: 'limited' }).catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(OpenAI.RateLimitError);
    expect((failure as InstanceType<typeof OpenAI.RateLimitError>).error).toMatchObject({ type: 'usage_limit_reached', code: 'usage_limit_reached' });
  });
});
