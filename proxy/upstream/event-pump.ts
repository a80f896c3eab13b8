/**
 * Pulls upstream events one at a time with a deadline per pull, without losing the pull in flight:
 * when a wait times out (time for a keepalive, or the startup probe is over) the pending read is
 * kept and the next call continues it. Pulling is the backpressure: a source reads at most a
 * bounded amount past what the consumer has taken (sse-exchange.ts: 64 KiB).
 *
 * The source yields events in the batches they arrived in (all the events parsed since the previous
 * pull): an event already in hand is returned without a timer or a race, and `take` hands the rest of a read
 * out synchronously, so relaying a read costs one wait, not one per event (bench/results/proxy-hot-path.md).
 */
import type { ResponseEvent } from './events.ts';

export type PumpResult =
  | { kind: 'event'; event: ResponseEvent }
  /** The upstream closed; `error` is set when it broke rather than ended. */
  | { kind: 'end'; error?: unknown }
  | { kind: 'timeout' };

type Read = { kind: 'batch'; events: readonly ResponseEvent[] } | { kind: 'end'; error?: unknown };

const TIMEOUT = { kind: 'timeout' } as const satisfies PumpResult;
const NO_EVENTS: readonly ResponseEvent[] = [];

export class EventPump {
  readonly #iterator: AsyncIterator<readonly ResponseEvent[]>;
  readonly #onEvent: ((event: ResponseEvent) => void) | undefined;
  #batch: readonly ResponseEvent[] = [];
  #index = 0;
  #pending: Promise<Read> | undefined;
  #finished = false;

  /** `onEvent` sees every event pulled, before the consumer does (live usage ingestion). */
  constructor(source: AsyncIterable<readonly ResponseEvent[]>, onEvent?: (event: ResponseEvent) => void) {
    this.#iterator = source[Symbol.asyncIterator]();
    this.#onEvent = onEvent;
  }

  /** The next event of the read in hand, without waiting; undefined once that read is used up (then call `next`). */
  take(): ResponseEvent | undefined {
    if (this.#index >= this.#batch.length) return undefined;
    const event = this.#batch[this.#index++] as ResponseEvent;
    this.#onEvent?.(event);
    return event;
  }

  async next(timeoutMs: number): Promise<PumpResult> {
    for (;;) {
      const event = this.take();
      if (event !== undefined) return { kind: 'event', event };
      if (this.#finished) return { kind: 'end' };
      // Not kept while waiting: a read's events (a `response.created` echoes the turn's instructions and tools)
      // would otherwise stay alive until the next read arrives, which a thinking model can take minutes over.
      this.#batch = NO_EVENTS;
      this.#pending ??= this.#iterator.next().then(
        (r): Read => (r.done ? { kind: 'end' } : { kind: 'batch', events: r.value }),
        (error: unknown): Read => ({ kind: 'end', error }),
      );
      let timer: NodeJS.Timeout | undefined;
      const timeout = new Promise<typeof TIMEOUT>((resolve) => {
        timer = setTimeout(() => resolve(TIMEOUT), Math.max(0, timeoutMs));
      });
      const read = await Promise.race([this.#pending, timeout]);
      clearTimeout(timer);
      if (read.kind === 'timeout') return read;
      this.#pending = undefined;
      if (read.kind === 'end') {
        this.#finished = true;
        return read;
      }
      this.#batch = read.events;
      this.#index = 0;
    }
  }

  /** Stops reading: the upstream body is released. */
  close(): void {
    if (this.#finished) return;
    this.#finished = true;
    this.#batch = [];
    void this.#iterator.return?.(undefined).catch(() => undefined);
  }
}
