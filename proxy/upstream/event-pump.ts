/**
 * Pulls upstream events one at a time with a deadline per pull, without losing the pull in flight:
 * when a wait times out (time for a keepalive, or the startup probe is over) the pending read is
 * kept and the next call continues it. Pulling is the backpressure: nothing is read from the
 * upstream socket until the consumer asks for the next event.
 */
import type { ResponseEvent } from './events.ts';

export type PumpResult =
  | { kind: 'event'; event: ResponseEvent }
  /** The upstream closed; `error` is set when it broke rather than ended. */
  | { kind: 'end'; error?: unknown }
  | { kind: 'timeout' };

export class EventPump {
  readonly #iterator: AsyncIterator<ResponseEvent>;
  readonly #onEvent: ((event: ResponseEvent) => void) | undefined;
  #pending: Promise<PumpResult> | undefined;
  #finished = false;

  /** `onEvent` sees every event pulled, before the consumer does (live usage ingestion). */
  constructor(source: AsyncIterable<ResponseEvent>, onEvent?: (event: ResponseEvent) => void) {
    this.#iterator = source[Symbol.asyncIterator]();
    this.#onEvent = onEvent;
  }

  async next(timeoutMs: number): Promise<PumpResult> {
    if (this.#finished) return { kind: 'end' };
    this.#pending ??= this.#iterator.next().then(
      (r): PumpResult => (r.done ? { kind: 'end' } : { kind: 'event', event: r.value }),
      (error: unknown): PumpResult => ({ kind: 'end', error }),
    );
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<PumpResult>((resolve) => {
      timer = setTimeout(() => resolve({ kind: 'timeout' }), Math.max(0, timeoutMs));
    });
    const result = await Promise.race([this.#pending, timeout]);
    clearTimeout(timer);
    if (result.kind === 'timeout') return result;
    this.#pending = undefined;
    if (result.kind === 'end') this.#finished = true;
    else this.#onEvent?.(result.event);
    return result;
  }

  /** Stops reading: the upstream body is released. */
  close(): void {
    if (this.#finished) return;
    this.#finished = true;
    void this.#iterator.return?.(undefined).catch(() => undefined);
  }
}
