import { describe, expect, it } from 'vitest';
import { makeEvent } from '../../upstream/events.ts';
import { ChatChunkTranslator, ChatCompletionAccumulator, type ChatChunk } from './chat-response.ts';
import { functionCallTurn, textTurn, usageLimitFrame } from './fixtures.ts';

function translate(events = textTurn, includeUsage = false): { chunks: ChatChunk[]; done: boolean } {
  const translator = new ChatChunkTranslator({ model: 'gpt-5.4', created: 1, includeUsage });
  const chunks: ChatChunk[] = [];
  let done = false;
  for (const event of events) {
    const step = translator.onEvent(event);
    chunks.push(...step.chunks);
    done ||= step.done;
  }
  return { chunks, done };
}

describe('ChatChunkTranslator', () => {
  it('streams text deltas, the role on the first chunk, then a stop chunk', () => {
    const { chunks, done } = translate();
    expect(done).toBe(true);
    expect(chunks.map((c) => c.choices[0])).toEqual([
      { index: 0, delta: { role: 'assistant', content: 'O' }, finish_reason: null },
      { index: 0, delta: { content: 'K' }, finish_reason: null },
      { index: 0, delta: {}, finish_reason: 'stop' },
    ]);
    expect(chunks.every((c) => c.object === 'chat.completion.chunk' && c.model === 'gpt-5.4' && c.id === chunks[0]?.id)).toBe(true);
    expect(chunks.some((c) => 'usage' in c)).toBe(false);
  });

  it('with include_usage, carries usage: null on every chunk and ends with a usage chunk without choices', () => {
    const { chunks } = translate(textTurn, true);
    expect(chunks.slice(0, -1).every((c) => c.usage === null)).toBe(true);
    expect(chunks.at(-1)).toMatchObject({
      choices: [],
      usage: { prompt_tokens: 24, completion_tokens: 2, total_tokens: 26, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('streams a tool call: id and name once, then argument fragments without repeats, finishing with tool_calls', () => {
    const { chunks } = translate(functionCallTurn);
    expect(chunks.map((c) => c.choices[0]?.delta.tool_calls ?? c.choices[0]?.finish_reason)).toEqual([
      [{ index: 0, id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '' } }],
      [{ index: 0, function: { arguments: '{"city":' } }],
      [{ index: 0, function: { arguments: '"Paris"}' } }],
      'tool_calls',
    ]);
  });

  it('maps incomplete responses to length / content_filter', () => {
    const incomplete = makeEvent({ type: 'response.incomplete', response: { incomplete_details: { reason: 'max_output_tokens' } } });
    const { chunks } = translate([incomplete]);
    expect(chunks[0]?.choices[0]?.finish_reason).toBe('length');
  });

  it('turns an upstream error frame into an error payload with its HTTP status', () => {
    const translator = new ChatChunkTranslator({ model: 'm', created: 1, includeUsage: false });
    expect(translator.onEvent(usageLimitFrame)).toEqual({
      chunks: [],
      done: true,
      errorStatus: 429,
      error: { message: 'The usage limit has been reached', type: 'usage_limit_reached', code: 'usage_limit_reached', plan_type: 'plus', resets_at: 1767612327 },
    });
  });

  it('reports a truncated stream as upstream_stream_truncated', () => {
    const translator = new ChatChunkTranslator({ model: 'm', created: 1, includeUsage: false });
    expect(translator.onTruncated().error).toEqual({
      message: 'Responses stream ended before a terminal event',
      type: 'server_error',
      code: 'upstream_stream_truncated',
    });
  });
});

describe('ChatCompletionAccumulator', () => {
  function collect(events = textTurn): ReturnType<ChatCompletionAccumulator['result']> {
    const translator = new ChatChunkTranslator({ model: 'gpt-5.4', created: 1, includeUsage: true });
    const acc = new ChatCompletionAccumulator();
    for (const event of events) {
      acc.observe(event);
      acc.add(translator.onEvent(event).chunks);
    }
    return acc.result({ id: translator.id, model: 'gpt-5.4', created: 1 });
  }

  it('folds a text turn into one chat.completion with usage', () => {
    expect(collect()).toEqual({
      id: 'resp_abc',
      object: 'chat.completion',
      created: 1,
      model: 'gpt-5.4',
      choices: [{ index: 0, message: { role: 'assistant', content: 'OK' }, finish_reason: 'stop' }],
      usage: { prompt_tokens: 24, completion_tokens: 2, total_tokens: 26, prompt_tokens_details: { cached_tokens: 20 }, completion_tokens_details: { reasoning_tokens: 0 } },
    });
  });

  it('folds a tool call into message.tool_calls with null content', () => {
    expect(collect(functionCallTurn).choices[0]).toEqual({
      index: 0,
      message: { role: 'assistant', content: null, tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'get_weather', arguments: '{"city":"Paris"}' } }] },
      finish_reason: 'tool_calls',
    });
  });
});
