/**
 * The owner's answer to a forwarded turn: the upstream's events verbatim as SSE (no public-contract
 * rewriting, no vendor filtering — the origin does that for its own client), comment keepalives, and a
 * proxy-detected failure as `response.failed`.
 */
import type { ServerResponse } from 'node:http';
import type { ProxyError } from '../../errors/catalogue.ts';
import type { RelayEnd, RelaySink } from '../relay.ts';
import { COMMENT_KEEPALIVE, SSE_HEADERS, sseEvent, StreamWriter } from '../sse-writer.ts';
import { responseFailedEvent } from '../translate/failure-event.ts';
import { responseOf, type ResponseEvent } from '../../upstream/events.ts';
import { rejectStream } from './sink.ts';

export class BridgeSseSink implements RelaySink {
  readonly #res: ServerResponse;
  readonly #writer: StreamWriter;
  /** The answer's headers, built once (not per event). */
  readonly #head: Record<string, string>;
  readonly #fallbackId: string;
  readonly #createdAt: number;
  #responseId: string | undefined;

  constructor(res: ServerResponse, options: { headers: Record<string, string>; requestId: string; createdAt: number }) {
    this.#res = res;
    this.#writer = new StreamWriter(res);
    this.#head = { ...SSE_HEADERS, ...options.headers };
    this.#fallbackId = `resp_${options.requestId.replace(/-/g, '')}`;
    this.#createdAt = options.createdAt;
  }

  /** Commits 200 and the headers now: the upstream accepted (idempotent). */
  open(): void {
    this.#writer.commit(200, this.#head);
  }

  event(event: ResponseEvent): Promise<void> | undefined {
    const id = responseOf(event)?.id;
    if (typeof id === 'string') this.#responseId ??= id;
    return this.#writer.write(sseEvent(event));
  }

  async keepalive(): Promise<void> {
    await this.#writer.write(COMMENT_KEEPALIVE);
  }

  async fail(error: ProxyError): Promise<void> {
    await this.#writer.write(sseEvent(responseFailedEvent(error, this.#responseId ?? this.#fallbackId, this.#createdAt)));
  }

  /** The turn failed before its first event: the error status, or after keepalives a failure event and the end. */
  reject(error: ProxyError): Promise<void> {
    return rejectStream(this.#res, this.#writer, error, (e) => this.fail(e));
  }

  complete(end: RelayEnd): void {
    if (end.kind === 'aborted') this.#res.destroy();
    else this.#writer.end();
  }
}
