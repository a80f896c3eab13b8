/**
 * A rate-limited, deduplicating work queue with client-go semantics:
 *
 * - Items are keys. Adding a key that is already waiting is a no-op (events collapse).
 * - A key being processed is never handed to a second worker; if it is added meanwhile it is
 *   marked dirty and re-queued when the worker calls done().
 * - addRateLimited() re-adds after a per-key exponential backoff (base · 2^failures, capped);
 *   forget() resets it after a success.
 * - addAfter() schedules a delayed add; a later request for the same key never postpones an
 *   earlier one.
 */
import type { RuntimeMetrics } from './metrics.ts';

export interface BackoffOptions {
  baseMs: number;
  maxMs: number;
}

export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 5, maxMs: 1000_000 };

export interface Clock {
  now(): number;
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export const realClock: Clock = {
  now: () => Date.now(),
  setTimeout: (fn, ms) => {
    const t = setTimeout(fn, ms);
    t.unref();
    return t;
  },
  clearTimeout: (h) => clearTimeout(h as NodeJS.Timeout),
};

export class WorkQueue {
  readonly name: string;
  readonly #queue: string[] = [];
  readonly #dirty = new Set<string>();
  readonly #processing = new Set<string>();
  readonly #failures = new Map<string, number>();
  readonly #delayed = new Map<string, { at: number; handle: unknown }>();
  readonly #addedAt = new Map<string, number>();
  readonly #waiters: Array<(key: string | undefined) => void> = [];
  readonly #backoff: BackoffOptions;
  readonly #clock: Clock;
  readonly #metrics: RuntimeMetrics | undefined;
  #shuttingDown = false;

  constructor(name: string, opts: { backoff?: BackoffOptions; clock?: Clock; metrics?: RuntimeMetrics } = {}) {
    this.name = name;
    this.#backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.#clock = opts.clock ?? realClock;
    this.#metrics = opts.metrics;
  }

  get length(): number {
    return this.#queue.length;
  }

  add(key: string): void {
    if (this.#shuttingDown || this.#dirty.has(key)) return;
    this.#metrics?.queueAdds.inc({ name: this.name });
    this.#dirty.add(key);
    if (this.#processing.has(key)) return;
    this.#enqueue(key);
  }

  addAfter(key: string, delayMs: number): void {
    if (this.#shuttingDown) return;
    if (delayMs <= 0) {
      this.add(key);
      return;
    }
    const at = this.#clock.now() + delayMs;
    const existing = this.#delayed.get(key);
    if (existing && existing.at <= at) return;
    if (existing) this.#clock.clearTimeout(existing.handle);
    const handle = this.#clock.setTimeout(() => {
      this.#delayed.delete(key);
      this.add(key);
    }, delayMs);
    this.#delayed.set(key, { at, handle });
  }

  /** Re-add after this key's backoff; each call doubles it until forget(). */
  addRateLimited(key: string): void {
    const failures = this.#failures.get(key) ?? 0;
    this.#failures.set(key, failures + 1);
    this.#metrics?.queueRetries.inc({ name: this.name });
    this.addAfter(key, this.backoffFor(failures));
  }

  backoffFor(failures: number): number {
    return Math.min(this.#backoff.baseMs * 2 ** failures, this.#backoff.maxMs);
  }

  numRequeues(key: string): number {
    return this.#failures.get(key) ?? 0;
  }

  forget(key: string): void {
    this.#failures.delete(key);
  }

  /** Resolves with the next key, or undefined once the queue is shut down and empty. */
  get(): Promise<string | undefined> {
    const key = this.#queue.shift();
    if (key !== undefined) return Promise.resolve(this.#take(key));
    if (this.#shuttingDown) return Promise.resolve(undefined);
    return new Promise((resolve) => this.#waiters.push(resolve));
  }

  done(key: string): void {
    this.#processing.delete(key);
    if (this.#dirty.has(key)) this.#enqueue(key);
  }

  /** Stops accepting keys; pending get() calls resolve with undefined once the queue drains. */
  shutDown(): void {
    this.#shuttingDown = true;
    for (const { handle } of this.#delayed.values()) this.#clock.clearTimeout(handle);
    this.#delayed.clear();
    if (this.#queue.length === 0) for (const w of this.#waiters.splice(0)) w(undefined);
  }

  #enqueue(key: string): void {
    this.#addedAt.set(key, this.#clock.now());
    const waiter = this.#waiters.shift();
    if (waiter) waiter(this.#take(key));
    else this.#queue.push(key);
    this.#metrics?.queueDepth.set({ name: this.name }, this.#queue.length);
  }

  #take(key: string): string {
    this.#processing.add(key);
    this.#dirty.delete(key);
    const added = this.#addedAt.get(key);
    if (added !== undefined) this.#metrics?.queueLatency.observe({ name: this.name }, (this.#clock.now() - added) / 1000);
    this.#metrics?.queueDepth.set({ name: this.name }, this.#queue.length);
    return key;
  }
}
