import { describe, expect, it } from 'vitest';
import { makeEvent, type ResponseEvent } from '../../upstream/events.ts';
import { textTurn, usageLimitFrame } from './fixtures.ts';
import { PublicStreamNormalizer } from './public-stream.ts';
import { ResponseAccumulator } from './response-collect.ts';

function normalize(events: ResponseEvent[]): ResponseEvent[] {
  const normalizer = new PublicStreamNormalizer({ responseId: 'resp_fallback', createdAt: 5 });
  return events.flatMap((e) => normalizer.onEvent(e));
}

describe('PublicStreamNormalizer', () => {
  it('drops codex.* vendor events and numbers the rest from 0 without gaps', () => {
    const out = normalize(textTurn);
    expect(out.map((e) => e.type)).toEqual(textTurn.slice(1).map((e) => e.type));
    expect(out.map((e) => e.payload.sequence_number)).toEqual(out.map((_, i) => i));
  });

  it('passes unchanged events through as the same bytes', () => {
    const out = normalize(textTurn);
    expect(out[2]?.json).toBe(textTurn[3]?.json);
  });

  it('backfills response.completed output from the finished items', () => {
    const completed = normalize(textTurn).at(-1);
    expect(completed?.payload.response).toMatchObject({
      id: 'resp_abc',
      output: [{ id: 'msg_1', type: 'message', content: [{ type: 'output_text', text: 'OK' }] }],
    });
  });

  it('opens with response.created when upstream did not', () => {
    const out = normalize(textTurn.slice(2));
    expect(out[0]?.type).toBe('response.created');
    expect(out[0]?.payload.response).toMatchObject({ id: 'resp_fallback', status: 'in_progress', output: [] });
  });

  it('synthesizes the text lifecycle for a message that arrived only as a finished item', () => {
    const item = makeEvent({ type: 'response.output_item.done', output_index: 0, item: { id: 'msg_9', type: 'message', role: 'assistant', content: [{ type: 'output_text', text: 'hi' }] } });
    const out = normalize([textTurn[1] as ResponseEvent, item]);
    expect(out.map((e) => e.type)).toEqual([
      'response.created',
      'response.content_part.added',
      'response.output_text.delta',
      'response.output_text.done',
      'response.content_part.done',
      'response.output_item.done',
    ]);
    expect(out[2]?.payload).toMatchObject({ delta: 'hi', item_id: 'msg_9', content_index: 0 });
  });

  it('turns an upstream error frame into response.failed carrying the error and reset', () => {
    const out = normalize([textTurn[1] as ResponseEvent, usageLimitFrame]);
    expect(out[1]?.payload).toEqual({
      type: 'response.failed',
      sequence_number: 1,
      response: {
        object: 'response',
        status: 'failed',
        error: { message: 'The usage limit has been reached', type: 'usage_limit_reached', code: 'usage_limit_reached', plan_type: 'plus', resets_at: 1767612327 },
        incomplete_details: null,
        id: 'resp_abc',
        created_at: 5,
      },
    });
  });
});

describe('ResponseAccumulator', () => {
  it('answers with the completed response and its backfilled output', () => {
    const acc = new ResponseAccumulator();
    textTurn.forEach((e) => acc.observe(e));
    const result = acc.result();
    expect(result.ok && result.response).toMatchObject({ id: 'resp_abc', status: 'completed', output: [{ id: 'msg_1' }], usage: { total_tokens: 26 } });
  });

  it('answers a failed response with the error status §13 assigns', () => {
    const acc = new ResponseAccumulator();
    acc.observe(usageLimitFrame);
    const result = acc.result();
    expect(result.ok).toBe(false);
    expect(!result.ok && result.error.status).toBe(429);
  });

  it('answers a stream without a terminal event with 502 upstream_stream_truncated', () => {
    const acc = new ResponseAccumulator();
    textTurn.slice(0, 4).forEach((e) => acc.observe(e));
    const result = acc.result();
    expect(!result.ok && [result.error.status, result.error.code]).toEqual([502, 'upstream_stream_truncated']);
  });
});
