import { describe, expect, it } from 'vitest';
import { ProxyError } from '../errors/catalogue.ts';
import { carriesEncryptedReasoning, derivePromptCacheKey, normalizeResponsesRequest, withInstallationId } from './request-body.ts';

const codex = { route: 'codex' as const, deriveCacheKey: false };
const openai = { route: 'openai' as const, deriveCacheKey: true, apiKeyId: 'key-abcdefghijklmnop' };

function rejects(body: unknown, param?: string): void {
  try {
    normalizeResponsesRequest(body, codex);
  } catch (err) {
    expect(err).toBeInstanceOf(ProxyError);
    expect((err as ProxyError).status).toBe(400);
    expect((err as ProxyError).type).toBe('invalid_request_error');
    if (param) expect((err as ProxyError).param).toBe(param);
    return;
  }
  throw new Error('expected a 400');
}

describe('normalizeResponsesRequest', () => {
  it('forces store:false and stream:true, and wraps a string input as a user message', () => {
    const out = normalizeResponsesRequest({ model: 'gpt-5.4', input: 'hi', store: true, stream: false }, codex);
    expect(out).toEqual({
      model: 'gpt-5.4',
      instructions: '',
      input: [{ role: 'user', content: [{ type: 'input_text', text: 'hi' }] }],
      store: false,
      stream: true,
    });
  });

  it('strips fields the backend rejects', () => {
    const out = normalizeResponsesRequest(
      { model: 'm', input: [], temperature: 0.2, top_p: 1, max_output_tokens: 9, metadata: {}, user: 'u', safety_identifier: 's', prompt_cache_retention: '24h', truncation: 'auto' },
      codex,
    );
    expect(Object.keys(out).sort()).toEqual(['input', 'instructions', 'model', 'store', 'stream']);
  });

  it('hoists system and developer messages into instructions, after the explicit ones', () => {
    const out = normalizeResponsesRequest(
      {
        model: 'm',
        instructions: 'base',
        input: [
          { role: 'system', content: 'be brief' },
          { type: 'message', role: 'developer', content: [{ type: 'input_text', text: 'use tools' }, { type: 'input_image', image_url: 'data:x' }] },
          { role: 'user', content: 'hi' },
        ],
      },
      codex,
    );
    expect(out.instructions).toBe('base\nbe brief\nuse tools');
    expect(out.input).toEqual([{ role: 'user', content: [{ type: 'input_image', image_url: 'data:x' }] }, { role: 'user', content: 'hi' }]);
  });

  it('leaves Responses-Lite inputs intact and asks for all-turn reasoning context', () => {
    const input = [{ type: 'additional_tools', tools: [] }, { role: 'system', content: 'x' }];
    const out = normalizeResponsesRequest({ model: 'm', input }, codex);
    expect(out.input).toEqual(input);
    expect(out.reasoning).toEqual({ context: 'all_turns' });
  });

  it('does not synthesize tools when the client sent none, and forwards client tools as sent', () => {
    expect('tools' in normalizeResponsesRequest({ model: 'm', input: [] }, codex)).toBe(false);
    const tools = [{ type: 'function', name: 'f', parameters: { type: 'object', properties: {} }, strict: false }, { type: 'web_search_preview' }];
    expect(normalizeResponsesRequest({ model: 'm', input: [], tools }, codex).tools).toEqual([tools[0], { type: 'web_search' }]);
  });

  it('maps aliases: camelCase keys, thinking, verbosity and the fast tier', () => {
    const out = normalizeResponsesRequest(
      { model: 'm', input: [], promptCacheKey: 'k', reasoningEffort: 'low', reasoningSummary: 'auto', textVerbosity: 'low', service_tier: 'fast' },
      codex,
    );
    expect(out).toMatchObject({ prompt_cache_key: 'k', reasoning: { effort: 'low', summary: 'auto' }, text: { verbosity: 'low' }, service_tier: 'priority' });
    expect(normalizeResponsesRequest({ model: 'm', input: [], thinking: true }, codex).reasoning).toEqual({ effort: 'medium' });
  });

  it('splits effort and fast suffixes off GPT-5 model names', () => {
    expect(normalizeResponsesRequest({ model: 'gpt-5.4-mini-high', input: [] }, codex)).toMatchObject({ model: 'gpt-5.4-mini', reasoning: { effort: 'high' } });
    expect(normalizeResponsesRequest({ model: 'gpt-5.5-fast', input: [] }, codex)).toMatchObject({ model: 'gpt-5.5', service_tier: 'priority' });
    expect(normalizeResponsesRequest({ model: 'gpt-5.3-codex-spark', input: [] }, codex).model).toBe('gpt-5.3-codex-spark');
    expect(normalizeResponsesRequest({ model: 'gpt-5-mini', input: [] }, codex).model).toBe('gpt-5-mini');
  });

  it('trims previous_response_id and drops it when empty', () => {
    expect(normalizeResponsesRequest({ model: 'm', input: [], previous_response_id: ' resp_1 ' }, codex).previous_response_id).toBe('resp_1');
    expect('previous_response_id' in normalizeResponsesRequest({ model: 'm', input: [], previous_response_id: '  ' }, codex)).toBe(false);
  });

  it('rejects malformed requests with 400 and the offending param', () => {
    rejects('not an object');
    rejects([1, 2]);
    rejects({ input: 'x' }, 'model');
    rejects({ model: 'm' }, 'input');
    rejects({ model: 'm', input: 42 }, 'input');
    rejects({ model: 'm', input: [], instructions: 5 }, 'instructions');
    rejects({ model: 'm', input: [], include: ['secrets'] }, 'include');
    rejects({ model: 'm', input: [], truncation: 'middle' }, 'truncation');
    rejects({ model: 'm', input: [], conversation: 'c', previous_response_id: 'r' }, 'previous_response_id');
  });

  it('derives a stable prompt_cache_key on OpenAI routes when the client sent none', () => {
    const body = { model: 'gpt-5.4-mini', instructions: 'sys', input: [{ role: 'system', content: 'dev' }, { role: 'user', content: 'hello' }] };
    const first = normalizeResponsesRequest(body, openai).prompt_cache_key;
    expect(first).toMatch(/^mini-key-abcdefgh-[0-9a-f]{12}-[0-9a-f]{12}-[0-9a-f]{12}$/);
    expect(normalizeResponsesRequest(body, openai).prompt_cache_key).toBe(first);
    expect(normalizeResponsesRequest({ ...body, prompt_cache_key: 'mine' }, openai).prompt_cache_key).toBe('mine');
    expect('prompt_cache_key' in normalizeResponsesRequest(body, codex)).toBe(false);
  });

  it('derives a random key when nothing identifies the prompt', () => {
    expect(derivePromptCacheKey({ model: 'gpt-5.3-codex', instructions: '', systemText: '', firstUserText: '' })).toMatch(/^codex-[0-9a-f]{24}$/);
  });
});

describe('withInstallationId', () => {
  it('puts the account installation id into client_metadata without touching the shared body', () => {
    const body = { model: 'm', client_metadata: { a: 1 } };
    expect(withInstallationId(body, 'inst')).toEqual({ model: 'm', client_metadata: { a: 1, 'x-codex-installation-id': 'inst' } });
    expect(body.client_metadata).toEqual({ a: 1 });
  });
});

describe('carriesEncryptedReasoning', () => {
  it('spots reasoning items only their account can decrypt', () => {
    expect(carriesEncryptedReasoning({ input: [{ type: 'reasoning', encrypted_content: 'gAAA' }] })).toBe(true);
    expect(carriesEncryptedReasoning({ input: [{ type: 'reasoning', summary: [] }] })).toBe(false);
  });
});
