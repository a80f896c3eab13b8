/**
 * Responses events → Chat Completions (reference/proxy-contract.md §3.2). One stateful translator
 * produces `chat.completion.chunk` objects; the non-streaming completion is those same chunks folded
 * together, so streamed and buffered answers cannot drift apart.
 */
import { randomBytes } from 'node:crypto';
import { toOpenAIError, upstreamStreamTruncated, type OpenAIErrorObject } from '../../errors/catalogue.ts';
import { isObject, responseOf, type ResponseEvent } from '../../upstream/events.ts';
import { failureFromEvent } from '../../upstream/upstream-error.ts';
import { toProxyError } from '../../errors/catalogue.ts';

export interface ChatUsage {
  prompt_tokens: number;
  completion_tokens: number;
  total_tokens: number;
  prompt_tokens_details: { cached_tokens: number };
  completion_tokens_details: { reasoning_tokens: number };
}

interface ToolCallDelta {
  index: number;
  id?: string;
  type?: 'function';
  function: { name?: string; arguments?: string };
}

export interface ChatDelta {
  role?: 'assistant';
  content?: string;
  refusal?: string;
  tool_calls?: ToolCallDelta[];
}

export interface ChatChunk {
  id: string;
  object: 'chat.completion.chunk';
  created: number;
  model: string;
  choices: Array<{ index: 0; delta: ChatDelta; finish_reason: string | null }>;
  usage?: ChatUsage | null;
}

/** What one upstream event turns into: chunks, and possibly the end of the answer. */
export interface ChatStep {
  chunks: ChatChunk[];
  /** Set when the stream failed: the error object to send as `data: {"error":…}`. */
  error?: OpenAIErrorObject;
  /** The upstream status the error maps to, for non-streaming answers. */
  errorStatus?: number;
  done: boolean;
}

function num(value: unknown): number {
  return typeof value === 'number' && Number.isFinite(value) ? value : 0;
}

export function chatUsage(usage: unknown): ChatUsage | undefined {
  if (!isObject(usage)) return undefined;
  const input = isObject(usage.input_tokens_details) ? usage.input_tokens_details : {};
  const output = isObject(usage.output_tokens_details) ? usage.output_tokens_details : {};
  const prompt = num(usage.input_tokens);
  const completion = num(usage.output_tokens);
  return {
    prompt_tokens: prompt,
    completion_tokens: completion,
    total_tokens: usage.total_tokens === undefined ? prompt + completion : num(usage.total_tokens),
    prompt_tokens_details: { cached_tokens: num(input.cached_tokens) },
    completion_tokens_details: { reasoning_tokens: num(output.reasoning_tokens) },
  };
}

// Source: codex-lb app/core/openai/chat_responses.py (incomplete_details.reason → finish_reason).
const INCOMPLETE_FINISH: Readonly<Record<string, string>> = {
  max_output_tokens: 'length',
  max_tokens: 'length',
  content_filter: 'content_filter',
};

interface ToolState {
  index: number;
  emittedArgs: string;
}

export class ChatChunkTranslator {
  readonly id = `chatcmpl-${randomBytes(12).toString('hex')}`;
  readonly #model: string;
  readonly #created: number;
  readonly #includeUsage: boolean;
  #roleSent = false;
  readonly #tools = new Map<string, ToolState>();

  constructor(options: { model: string; created: number; includeUsage: boolean }) {
    this.#model = options.model;
    this.#created = options.created;
    this.#includeUsage = options.includeUsage;
  }

  get hasToolCalls(): boolean {
    return this.#tools.size > 0;
  }

  #chunk(delta: ChatDelta, finishReason: string | null = null): ChatChunk {
    if (!this.#roleSent) {
      this.#roleSent = true;
      delta = { role: 'assistant', ...delta };
    }
    const chunk: ChatChunk = {
      id: this.id,
      object: 'chat.completion.chunk',
      created: this.#created,
      model: this.#model,
      choices: [{ index: 0, delta, finish_reason: finishReason }],
    };
    if (this.#includeUsage) chunk.usage = null;
    return chunk;
  }

  /** Tool-call deltas: `.delta` events append, `.done`/item events carry the whole value and only the unsent suffix goes out. */
  #toolCall(key: string, fields: { callId?: string; name?: string; args?: string; append?: boolean }): ChatChunk[] {
    let state = this.#tools.get(key);
    const fresh = state === undefined;
    if (!state) {
      state = { index: this.#tools.size, emittedArgs: '' };
      this.#tools.set(key, state);
    }
    let argsDelta = '';
    if (fields.args !== undefined) {
      if (fields.append) argsDelta = fields.args;
      else if (fields.args.startsWith(state.emittedArgs)) argsDelta = fields.args.slice(state.emittedArgs.length);
      state.emittedArgs += argsDelta;
    }
    if (!fresh && argsDelta === '') return [];
    const call: ToolCallDelta = { index: state.index, function: {} };
    if (fresh) {
      call.id = fields.callId ?? key;
      call.type = 'function';
      call.function.name = fields.name ?? '';
    }
    call.function.arguments = argsDelta;
    return [this.#chunk({ tool_calls: [call] })];
  }

  #finish(event: ResponseEvent): ChatChunk[] {
    const response = responseOf(event) ?? {};
    let finish = this.hasToolCalls ? 'tool_calls' : 'stop';
    if (event.type === 'response.incomplete') {
      const details = isObject(response.incomplete_details) ? response.incomplete_details : {};
      finish = INCOMPLETE_FINISH[String(details.reason)] ?? finish;
    }
    const chunks = [this.#chunk({}, finish)];
    if (this.#includeUsage) {
      chunks.push({
        id: this.id,
        object: 'chat.completion.chunk',
        created: this.#created,
        model: this.#model,
        choices: [],
        usage: chatUsage(response.usage) ?? chatUsage({}) ?? null,
      });
    }
    return chunks;
  }

  onEvent(event: ResponseEvent): ChatStep {
    const p = event.payload;
    const itemKey = (): string => String(p.item_id ?? p.output_index ?? p.call_id ?? '');
    switch (event.type) {
      case 'response.output_text.delta':
        return typeof p.delta === 'string' && p.delta !== '' ? { chunks: [this.#chunk({ content: p.delta })], done: false } : { chunks: [], done: false };
      case 'response.refusal.delta':
        return typeof p.delta === 'string' ? { chunks: [this.#chunk({ refusal: p.delta })], done: false } : { chunks: [], done: false };
      case 'response.output_item.added':
      case 'response.output_item.done': {
        const item = isObject(p.item) ? p.item : {};
        if (item.type !== 'function_call') return { chunks: [], done: false };
        const key = String(item.id ?? p.output_index ?? item.call_id);
        const args = typeof item.arguments === 'string' && (event.type === 'response.output_item.done' || item.arguments !== '') ? item.arguments : undefined;
        return { chunks: this.#toolCall(key, { callId: item.call_id as string | undefined, name: item.name as string | undefined, args }), done: false };
      }
      case 'response.function_call_arguments.delta':
        return { chunks: this.#toolCall(itemKey(), { args: typeof p.delta === 'string' ? p.delta : '', append: true }), done: false };
      case 'response.function_call_arguments.done':
        return { chunks: this.#toolCall(itemKey(), { args: typeof p.arguments === 'string' ? p.arguments : '' }), done: false };
      case 'response.completed':
      case 'response.incomplete':
        return { chunks: this.#finish(event), done: true };
      case 'response.failed':
      case 'error': {
        const failure = failureFromEvent(event);
        const error = failure ? toProxyError(failure) : undefined;
        return {
          chunks: [],
          error: error ? toOpenAIError(error) : { message: 'Upstream error', type: 'server_error', code: 'upstream_error' },
          errorStatus: error?.status ?? 502,
          done: true,
        };
      }
      default:
        return { chunks: [], done: false };
    }
  }

  /** The stream ended without a terminal event. */
  onTruncated(): ChatStep {
    const error = upstreamStreamTruncated();
    return { chunks: [], error: toOpenAIError(error), errorStatus: error.status, done: true };
  }
}

export interface ChatCompletion {
  id: string;
  object: 'chat.completion';
  created: number;
  model: string;
  choices: Array<{
    index: 0;
    message: { role: 'assistant'; content: string | null; refusal?: string; tool_calls?: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> };
    finish_reason: string | null;
  }>;
  usage?: ChatUsage;
}

/** Folds the translator's chunks into one `chat.completion` (non-streaming answers). */
export class ChatCompletionAccumulator {
  #content: string[] = [];
  #refusal: string[] = [];
  #tools: Array<{ id: string; type: 'function'; function: { name: string; arguments: string } }> = [];
  #finish: string | null = null;
  #usage: ChatUsage | undefined;
  #responseId: string | undefined;

  add(chunks: readonly ChatChunk[]): void {
    for (const chunk of chunks) {
      if (chunk.usage) this.#usage = chunk.usage;
      const choice = chunk.choices[0];
      if (!choice) continue;
      const { delta } = choice;
      if (delta.content) this.#content.push(delta.content);
      if (delta.refusal) this.#refusal.push(delta.refusal);
      for (const call of delta.tool_calls ?? []) {
        const existing = this.#tools[call.index];
        if (existing) existing.function.arguments += call.function.arguments ?? '';
        else this.#tools[call.index] = { id: call.id ?? '', type: 'function', function: { name: call.function.name ?? '', arguments: call.function.arguments ?? '' } };
      }
      if (choice.finish_reason) this.#finish = choice.finish_reason;
    }
  }

  /** Remembers the upstream response id, which becomes the completion id. */
  observe(event: ResponseEvent): void {
    const response = responseOf(event);
    if (response && typeof response.id === 'string') this.#responseId = response.id;
  }

  result(meta: { id: string; model: string; created: number }): ChatCompletion {
    const message: ChatCompletion['choices'][0]['message'] = {
      role: 'assistant',
      content: this.#content.length > 0 ? this.#content.join('') : null,
    };
    if (this.#refusal.length > 0) message.refusal = this.#refusal.join('');
    if (this.#tools.length > 0) message.tool_calls = this.#tools;
    const completion: ChatCompletion = {
      id: this.#responseId ?? meta.id,
      object: 'chat.completion',
      created: meta.created,
      model: meta.model,
      choices: [{ index: 0, message, finish_reason: this.#finish }],
    };
    if (this.#usage) completion.usage = this.#usage;
    return completion;
  }
}
