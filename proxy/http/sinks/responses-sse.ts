/**
 * Responses over SSE. Codex-native clients get the upstream events verbatim (vendor `codex.*`
 * events and `codex.keepalive` heartbeats included); OpenAI SDK clients get the normalized public
 * contract (public-stream.ts) and comment keepalives.
 */
import type { ServerResponse } from 'node:http';
import type { ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd } from '../relay.ts';
import { CODEX_KEEPALIVE, COMMENT_KEEPALIVE, SSE_HEADERS, sseEvent, StreamWriter } from '../sse-writer.ts';
import { responseFailedEvent } from '../translate/failure-event.ts';
import { PublicStreamNormalizer } from '../translate/public-stream.ts';
import { responseOf, type ResponseEvent } from '../../upstream/events.ts';
import { rejectStream, type AnswerSink } from './sink.ts';

export interface ResponsesSseOptions {
  /** `native`: verbatim Codex stream; `public`: OpenAI SDK contract. */
  mode: 'native' | 'public';
  requestId: string;
  createdAt: number;
  /** Extra response headers (x-request-id, x-codex-turn-state). */
  headers: Record<string, string>;
}

export class ResponsesSseSink implements AnswerSink {
  readonly buffered = false;
  readonly #res: ServerResponse;
  readonly #writer: StreamWriter;
  readonly #options: ResponsesSseOptions;
  readonly #normalizer: PublicStreamNormalizer | undefined;
  /** The answer's headers, built once (not per event). */
  readonly #head: Record<string, string>;
  #responseId: string | undefined;

  constructor(res: ServerResponse, options: ResponsesSseOptions) {
    this.#res = res;
    this.#writer = new StreamWriter(res);
    this.#options = options;
    this.#head = { ...SSE_HEADERS, ...options.headers };
    this.#normalizer = options.mode === 'public' ? new PublicStreamNormalizer({ responseId: `resp_${options.requestId.replace(/-/g, '')}`, createdAt: options.createdAt }) : undefined;
  }

  #commit(): void {
    this.#writer.commit(200, this.#head);
  }

  #write(event: ResponseEvent): Promise<void> | undefined {
    if (!this.#normalizer) return this.#writer.write(sseEvent(event));
    return this.#writer.writeAll(this.#normalizer.onEvent(event).map(sseEvent));
  }

  event(event: ResponseEvent): Promise<void> | undefined {
    this.#commit();
    if (this.#responseId === undefined) {
      const id = responseOf(event)?.id;
      if (typeof id === 'string') this.#responseId = id;
    }
    return this.#write(event);
  }

  async keepalive(): Promise<void> {
    this.#commit();
    await this.#writer.write(this.#options.mode === 'native' ? CODEX_KEEPALIVE : COMMENT_KEEPALIVE);
  }

  async fail(error: ProxyError): Promise<void> {
    this.#commit();
    const id = this.#responseId ?? `resp_${this.#options.requestId.replace(/-/g, '')}`;
    await this.#write(responseFailedEvent(error, id, this.#options.createdAt));
  }

  reject(error: ProxyError): Promise<void> {
    return rejectStream(this.#res, this.#writer, error, (e) => this.fail(e));
  }

  complete(end: RelayEnd): void {
    if (end.kind === 'aborted') {
      this.#res.destroy();
      return;
    }
    this.#writer.end();
  }
}
