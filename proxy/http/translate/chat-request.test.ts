import { describe, expect, it } from 'vitest';
import { ProxyError } from '../../errors/catalogue.ts';
import { chatToResponses } from './chat-request.ts';

function rejection(body: unknown): ProxyError {
  try {
    chatToResponses(body);
  } catch (err) {
    if (err instanceof ProxyError) return err;
    throw err;
  }
  throw new Error('expected a ProxyError');
}

describe('chatToResponses', () => {
  it('turns messages into Responses input items, keeping system prompts as messages for hoisting', () => {
    const { body, stream, includeUsage } = chatToResponses({
      model: 'gpt-5.4',
      stream: true,
      stream_options: { include_usage: true },
      temperature: 0.3,
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'be brief' },
        { role: 'user', content: [{ type: 'text', text: 'look' }, { type: 'image_url', image_url: { url: 'data:image/png;base64,AA', detail: 'low' } }] },
        { role: 'assistant', content: 'calling', tool_calls: [{ id: 'call_1', type: 'function', function: { name: 'f', arguments: '{}' } }] },
        { role: 'tool', tool_call_id: 'call_1', content: 'result' },
      ],
    });
    expect(stream).toBe(true);
    expect(includeUsage).toBe(true);
    expect(body).toEqual({
      model: 'gpt-5.4',
      stream: true,
      temperature: 0.3,
      input: [
        { role: 'system', content: [{ type: 'input_text', text: 'be brief' }] },
        { role: 'user', content: [{ type: 'input_text', text: 'look' }, { type: 'input_image', image_url: 'data:image/png;base64,AA', detail: 'low' }] },
        { role: 'assistant', content: [{ type: 'output_text', text: 'calling' }] },
        { type: 'function_call', call_id: 'call_1', name: 'f', arguments: '{}' },
        { type: 'function_call_output', call_id: 'call_1', output: 'result' },
      ],
    });
  });

  it('flattens function tools and tool_choice, and maps response_format to text.format', () => {
    const { body } = chatToResponses({
      model: 'm',
      messages: [{ role: 'user', content: 'x' }],
      tools: [{ type: 'function', function: { name: 'get', description: 'd', parameters: { type: 'object' }, strict: true } }],
      tool_choice: { type: 'function', function: { name: 'get' } },
      response_format: { type: 'json_schema', json_schema: { name: 'out', schema: { type: 'object' }, strict: true } },
    });
    expect(body.tools).toEqual([{ type: 'function', name: 'get', description: 'd', parameters: { type: 'object' }, strict: true }]);
    expect(body.tool_choice).toEqual({ type: 'function', name: 'get' });
    expect(body.text).toEqual({ format: { type: 'json_schema', schema: { type: 'object' }, name: 'out', strict: true } });
  });

  it.each([
    [{ messages: [] }, 'model'],
    [{ model: 'm' }, 'messages'],
    [{ model: 'm', messages: [] }, 'messages'],
    [{ model: 'm', messages: 'hi' }, 'messages'],
    [{ model: 'm', messages: [{ role: 'wizard', content: 'x' }] }, 'messages[0].role'],
    [{ model: 'm', messages: [{ role: 'system', content: [{ type: 'image_url', image_url: 'x' }] }] }, 'messages[0].content[0]'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'input_audio' }] }] }, 'messages[0].content[0]'],
    [{ model: 'm', messages: [{ role: 'user', content: [{ type: 'file', file: { file_id: 'f' } }] }] }, 'messages[0].content[0].file.file_id'],
    [{ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: '', function: { name: 'f', arguments: '{}' } }] }] }, 'messages[0].tool_calls[0].id'],
    [{ model: 'm', messages: [{ role: 'assistant', tool_calls: [{ id: 'c', function: { name: 'f', arguments: {} } }] }] }, 'messages[0].tool_calls[0].function.arguments'],
    [{ model: 'm', messages: [{ role: 'tool', content: 'x' }] }, 'messages[0].tool_call_id'],
    [{ model: 'm', n: 2, messages: [{ role: 'user', content: 'x' }] }, 'n'],
    [{ model: 'm', messages: [{ role: 'user', content: 'x' }], tools: [{ type: 'code_interpreter' }] }, 'tools[0].type'],
  ])('rejects %o with 400 at %s', (body, param) => {
    const err = rejection(body);
    expect(err.status).toBe(400);
    expect(err.param).toBe(param);
  });

  it('passes a Responses-shaped body through', () => {
    expect(chatToResponses({ model: 'm', input: 'hi' }).body).toEqual({ model: 'm', input: 'hi' });
  });
});
