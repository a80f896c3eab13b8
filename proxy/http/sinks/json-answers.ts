/**
 * Buffered answers (`stream: false`): the upstream still streams, the client gets one JSON body —
 * the Responses object (§2.6) or a chat.completion (§3.2) — or an error with its real status.
 */
import type { ServerResponse } from 'node:http';
import { upstreamStreamTruncated, type ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd } from '../relay.ts';
import { sendJson, sendProxyError } from '../send-error.ts';
import { ChatChunkTranslator, ChatCompletionAccumulator } from '../translate/chat-response.ts';
import { ResponseAccumulator } from '../translate/response-collect.ts';
import { failureFromEvent } from '../../upstream/upstream-error.ts';
import { toProxyError } from '../../errors/catalogue.ts';
import type { JsonObject, ResponseEvent } from '../../upstream/events.ts';
import type { AnswerSink } from './sink.ts';

abstract class JsonAnswer implements AnswerSink {
  readonly buffered = true;
  protected readonly res: ServerResponse;
  protected readonly headers: Record<string, string>;
  #failure: ProxyError | undefined;

  constructor(res: ServerResponse, headers: Record<string, string>) {
    this.res = res;
    this.headers = headers;
  }

  abstract event(event: ResponseEvent): Promise<void>;
  /** The answer body once a terminal event arrived, or the error it carried. */
  protected abstract answer(terminal: ResponseEvent): { ok: true; body: unknown } | { ok: false; error: ProxyError };

  async keepalive(): Promise<void> {
    // Nothing can be sent before the whole answer; the client simply waits.
  }

  async fail(error: ProxyError): Promise<void> {
    this.#failure = error.code === 'stream_incomplete' ? upstreamStreamTruncated() : error;
  }

  reject(error: ProxyError): void {
    sendProxyError(this.res, error);
  }

  complete(end: RelayEnd): void {
    if (end.kind === 'aborted') {
      this.res.destroy();
      return;
    }
    if (end.kind === 'failed') {
      sendProxyError(this.res, this.#failure ?? end.error);
      return;
    }
    const answer = this.answer(end.event);
    if (answer.ok) sendJson(this.res, 200, answer.body, this.headers);
    else sendProxyError(this.res, answer.error);
  }
}

export class ResponsesJsonSink extends JsonAnswer {
  readonly #accumulator = new ResponseAccumulator();

  async event(event: ResponseEvent): Promise<void> {
    this.#accumulator.observe(event);
  }

  protected answer(): { ok: true; body: JsonObject } | { ok: false; error: ProxyError } {
    const result = this.#accumulator.result();
    return result.ok ? { ok: true, body: result.response } : result;
  }
}

export class ChatJsonSink extends JsonAnswer {
  readonly #translator: ChatChunkTranslator;
  readonly #accumulator = new ChatCompletionAccumulator();
  readonly #meta: { model: string; created: number };

  constructor(res: ServerResponse, headers: Record<string, string>, meta: { model: string; created: number }) {
    super(res, headers);
    this.#meta = meta;
    // Buffered completions always report usage.
    this.#translator = new ChatChunkTranslator({ ...meta, includeUsage: true });
  }

  async event(event: ResponseEvent): Promise<void> {
    this.#accumulator.observe(event);
    this.#accumulator.add(this.#translator.onEvent(event).chunks);
  }

  protected answer(terminal: ResponseEvent): { ok: true; body: unknown } | { ok: false; error: ProxyError } {
    const failure = failureFromEvent(terminal);
    if (failure) return { ok: false, error: toProxyError(failure) };
    return { ok: true, body: this.#accumulator.result({ id: this.#translator.id, ...this.#meta }) };
  }
}

/**
 * `/responses/compact` (§2.1 "Compact"): the upstream streams a turn whose input ended with a
 * `compaction_trigger`; the client gets the compacted window as one JSON object.
 */
export class CompactJsonSink extends JsonAnswer {
  readonly #accumulator = new ResponseAccumulator();

  async event(event: ResponseEvent): Promise<void> {
    this.#accumulator.observe(event);
  }

  protected answer(): { ok: true; body: JsonObject } | { ok: false; error: ProxyError } {
    const result = this.#accumulator.result();
    if (!result.ok) return result;
    const { id, created_at: createdAt, output, usage } = result.response;
    return { ok: true, body: { id, object: 'response.compaction', created_at: createdAt, output, usage } };
  }
}
