/**
 * Buffered (`stream: false`) Responses answers (reference/proxy-contract.md §2.6): the upstream
 * always streams; the final `response` object is the terminal event's, with its output filled in.
 * A failed response is an HTTP error with the status §13 assigns; a stream that ends without a
 * terminal event is 502 `upstream_stream_truncated`.
 */
import { upstreamStreamTruncated, type ProxyError } from '../../errors/catalogue.ts';
import { endsStream, type JsonObject, type ResponseEvent } from '../../upstream/events.ts';
import { failureFromEvent } from '../../upstream/upstream-error.ts';
import { toProxyError } from '../../errors/catalogue.ts';
import { OutputCollector } from './output-backfill.ts';

export type CollectedResponse = { ok: true; response: JsonObject } | { ok: false; error: ProxyError };

export class ResponseAccumulator {
  readonly #output = new OutputCollector();
  #result: CollectedResponse | undefined;

  /** Feeds one event; returns true once the answer is complete. */
  observe(event: ResponseEvent): boolean {
    if (this.#result) return true;
    this.#output.observe(event);
    if (!endsStream(event)) return false;
    const failure = failureFromEvent(event);
    this.#result = failure ? { ok: false, error: toProxyError(failure) } : { ok: true, response: this.#output.completeResponse(event) };
    return true;
  }

  result(): CollectedResponse {
    return this.#result ?? { ok: false, error: upstreamStreamTruncated() };
  }
}
