/**
 * The Codex backend usually ends with `response.completed` carrying `output: []`; the items arrived
 * one by one as `response.output_item.done` (reference/proxy-contract.md §2.8 note, trap 9). SDKs and
 * buffered answers need the full response object, so the items are collected and put back.
 */
import { isObject, responseOf, type JsonObject, type ResponseEvent } from '../../upstream/events.ts';

export class OutputCollector {
  readonly #items = new Map<number, JsonObject>();

  /** Records finished output items; call for every event. */
  observe(event: ResponseEvent): void {
    if (event.type !== 'response.output_item.done') return;
    const item = event.payload.item;
    if (!isObject(item)) return;
    const index = typeof event.payload.output_index === 'number' ? event.payload.output_index : this.#items.size;
    this.#items.set(index, item);
  }

  /** The terminal event's response with `output` filled in when upstream left it empty. */
  completeResponse(terminal: ResponseEvent): JsonObject {
    const response = responseOf(terminal) ?? {};
    const output = response.output;
    if (Array.isArray(output) && output.length > 0) return response;
    if (this.#items.size === 0) return { ...response, output: Array.isArray(output) ? output : [] };
    const items = [...this.#items.entries()].sort(([a], [b]) => a - b).map(([, item]) => item);
    return { ...response, output: items };
  }
}
