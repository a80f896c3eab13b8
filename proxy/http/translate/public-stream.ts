/**
 * The OpenAI Responses streaming contract for `/v1` clients (reference/proxy-contract.md §2.5
 * "Public /v1 streams"): vendor `codex.*` events are dropped, the stream opens with
 * `response.created`, text arrives with its full part/delta/done lifecycle, `response.completed`
 * carries its output, `error` frames become `response.failed`, and `sequence_number` counts up
 * from 0 without gaps. Events that need no change are passed through as the same object.
 */
import { isObject, isVendorEvent, makeEvent, responseOf, type ResponseEvent } from '../../upstream/events.ts';
import { failureFromEvent } from '../../upstream/upstream-error.ts';
import { toProxyError } from '../../errors/catalogue.ts';
import { OutputCollector } from './output-backfill.ts';
import { responseFailedEvent } from './failure-event.ts';

export class PublicStreamNormalizer {
  readonly #fallbackId: string;
  readonly #createdAt: number;
  readonly #output = new OutputCollector();
  /** Items whose text already streamed as deltas or parts. */
  readonly #streamedText = new Set<string>();
  #started = false;
  #sequence = 0;
  #responseId: string | undefined;

  constructor(options: { responseId: string; createdAt: number }) {
    this.#fallbackId = options.responseId;
    this.#createdAt = options.createdAt;
  }

  #numbered(event: ResponseEvent): ResponseEvent {
    const seq = this.#sequence++;
    if (event.payload.sequence_number === seq) return event;
    return makeEvent({ ...event.payload, sequence_number: seq });
  }

  #created(): ResponseEvent {
    return makeEvent({
      type: 'response.created',
      response: { id: this.#responseId ?? this.#fallbackId, object: 'response', created_at: this.#createdAt, status: 'in_progress', output: [] },
    });
  }

  /** Text parts of a finished message whose lifecycle events never came. */
  #synthesizeText(event: ResponseEvent): ResponseEvent[] {
    const item = event.payload.item;
    if (!isObject(item) || item.type !== 'message' || typeof item.id !== 'string' || this.#streamedText.has(item.id)) return [];
    const content = Array.isArray(item.content) ? item.content : [];
    const out: ResponseEvent[] = [];
    content.forEach((part, contentIndex) => {
      if (!isObject(part) || part.type !== 'output_text' || typeof part.text !== 'string') return;
      const at = { output_index: event.payload.output_index, content_index: contentIndex, item_id: item.id };
      out.push(
        makeEvent({ type: 'response.content_part.added', ...at, part: { type: 'output_text', text: '', annotations: [] } }),
        makeEvent({ type: 'response.output_text.delta', ...at, delta: part.text, logprobs: [] }),
        makeEvent({ type: 'response.output_text.done', ...at, text: part.text, logprobs: [] }),
        makeEvent({ type: 'response.content_part.done', ...at, part }),
      );
    });
    return out;
  }

  /** Normalizes one upstream event into the events a `/v1` client receives (possibly none). */
  onEvent(event: ResponseEvent): ResponseEvent[] {
    if (isVendorEvent(event)) return [];
    const out: ResponseEvent[] = [];
    const response = responseOf(event);
    if (response && typeof response.id === 'string') this.#responseId ??= response.id;
    if (!this.#started) {
      this.#started = true;
      if (event.type !== 'response.created') out.push(this.#created());
    }
    let current = event;
    switch (event.type) {
      case 'response.output_text.delta':
      case 'response.content_part.added':
        if (typeof event.payload.item_id === 'string') this.#streamedText.add(event.payload.item_id);
        break;
      case 'response.output_item.done':
        out.push(...this.#synthesizeText(event));
        this.#output.observe(event);
        break;
      case 'response.completed':
      case 'response.incomplete': {
        const completed = this.#output.completeResponse(event);
        if (completed !== response) current = makeEvent({ ...event.payload, response: completed });
        break;
      }
      case 'error': {
        const failure = failureFromEvent(event);
        if (failure) current = responseFailedEvent(toProxyError(failure), this.#responseId ?? this.#fallbackId, this.#createdAt);
        break;
      }
      default:
        break;
    }
    out.push(current);
    return out.map((e) => this.#numbered(e));
  }
}
