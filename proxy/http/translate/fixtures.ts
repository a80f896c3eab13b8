/**
 * Upstream event sequences shaped like the real Codex backend's (reference/proxy-contract.md §2.8 A
 * and B), shared by the translation tests.
 */
import { makeEvent, type ResponseEvent } from '../../upstream/events.ts';

export const textTurn: ResponseEvent[] = [
  { type: 'codex.rate_limits', rate_limits: { primary: { used_percent: 33, window_minutes: 300, reset_at: 1700000300 } } },
  { type: 'response.created', sequence_number: 0, response: { id: 'resp_abc', object: 'response', status: 'in_progress', output: [] } },
  { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'in_progress', content: [] } },
  { type: 'response.content_part.added', sequence_number: 2, output_index: 0, content_index: 0, item_id: 'msg_1', part: { type: 'output_text', text: '' } },
  { type: 'response.output_text.delta', sequence_number: 3, output_index: 0, content_index: 0, item_id: 'msg_1', delta: 'O' },
  { type: 'response.output_text.delta', sequence_number: 4, output_index: 0, content_index: 0, item_id: 'msg_1', delta: 'K' },
  { type: 'response.output_text.done', sequence_number: 5, output_index: 0, content_index: 0, item_id: 'msg_1', text: 'OK' },
  { type: 'response.content_part.done', sequence_number: 6, output_index: 0, content_index: 0, item_id: 'msg_1', part: { type: 'output_text', text: 'OK' } },
  { type: 'response.output_item.done', sequence_number: 7, output_index: 0, item: { id: 'msg_1', type: 'message', role: 'assistant', status: 'completed', content: [{ type: 'output_text', text: 'OK' }] } },
  {
    type: 'response.completed',
    sequence_number: 8,
    response: {
      id: 'resp_abc',
      object: 'response',
      status: 'completed',
      output: [],
      usage: { input_tokens: 24, output_tokens: 2, total_tokens: 26, input_tokens_details: { cached_tokens: 20 }, output_tokens_details: { reasoning_tokens: 0 } },
    },
  },
].map(makeEvent);

export const functionCallTurn: ResponseEvent[] = [
  { type: 'response.created', sequence_number: 0, response: { id: 'resp_fc', object: 'response', status: 'in_progress', output: [] } },
  { type: 'response.output_item.added', sequence_number: 1, output_index: 0, item: { id: 'fc_call_1', type: 'function_call', status: 'in_progress', call_id: 'call_1', name: 'get_weather', arguments: '' } },
  { type: 'response.function_call_arguments.delta', sequence_number: 2, output_index: 0, item_id: 'fc_call_1', delta: '{"city":' },
  { type: 'response.function_call_arguments.delta', sequence_number: 3, output_index: 0, item_id: 'fc_call_1', delta: '"Paris"}' },
  { type: 'response.function_call_arguments.done', sequence_number: 4, output_index: 0, item_id: 'fc_call_1', arguments: '{"city":"Paris"}' },
  { type: 'response.output_item.done', sequence_number: 5, output_index: 0, item: { id: 'fc_call_1', type: 'function_call', status: 'completed', call_id: 'call_1', name: 'get_weather', arguments: '{"city":"Paris"}' } },
  { type: 'response.completed', sequence_number: 6, response: { id: 'resp_fc', object: 'response', status: 'completed', output: [], usage: { input_tokens: 2, output_tokens: 3, total_tokens: 5 } } },
].map(makeEvent);

export const usageLimitFrame: ResponseEvent = makeEvent({
  type: 'error',
  status: 429,
  error: { type: 'usage_limit_reached', message: 'The usage limit has been reached', plan_type: 'plus', resets_at: 1767612327 },
});
