/**
 * Per-replica routing state kept in memory (reference/proxy-contract.md §7.1 "Runtime", §7.5 leases):
 * error streaks (for backoff), when an account was last picked, and the leases of requests in flight —
 * a response-create lease until the upstream accepted, a stream lease for the whole stream.
 * Persisted state (status, reset times, usage) lives in the database; this is what one replica
 * learns from its own traffic between database writes.
 */
import { EventEmitter } from 'node:events';
import { IDLE_RUNTIME, type RuntimeView } from './account-state.ts';

interface Entry extends RuntimeView {
  /** Rate limits in a row, for the exponential fallback when upstream gives no reset. */
  consecutiveRateLimits: number;
}

/** An attempt's hold on an account: both slots from dispatch, the create slot until the upstream accepts. */
export interface Lease {
  /** The upstream accepted: the response-create slot is free again. Idempotent. */
  accepted(): void;
  /** The attempt or its stream is over: every slot it still holds is free. Idempotent. */
  release(): void;
}

export class RuntimeRegistry {
  readonly #entries = new Map<string, Entry>();
  readonly #released = new EventEmitter();
  /** Monotonic tie-breaker: two selections within one clock tick still order. */
  #selections = 0;

  constructor() {
    this.#released.setMaxListeners(0);
  }

  #entry(accountId: string): Entry {
    let entry = this.#entries.get(accountId);
    if (!entry) {
      entry = { ...IDLE_RUNTIME, consecutiveRateLimits: 0 };
      this.#entries.set(accountId, entry);
    }
    return entry;
  }

  snapshot(): ReadonlyMap<string, RuntimeView> {
    return this.#entries;
  }

  /** `now` in epoch seconds; the fraction keeps round-robin order within one second. */
  markSelected(accountId: string, now: number): void {
    this.#selections = (this.#selections + 1) % 1_000_000;
    this.#entry(accountId).lastSelectedAt = now + this.#selections / 1_000_000;
  }

  acquire(accountId: string): Lease {
    const entry = this.#entry(accountId);
    entry.streams += 1;
    entry.creates += 1;
    entry.inflight += 2;
    let creating = true;
    let streaming = true;
    const accepted = (): void => {
      if (!creating) return;
      creating = false;
      entry.creates -= 1;
      entry.inflight -= 1;
      this.#released.emit('released');
    };
    return {
      accepted,
      release: () => {
        accepted();
        if (!streaming) return;
        streaming = false;
        entry.streams -= 1;
        entry.inflight -= 1;
        this.#released.emit('released');
      },
    };
  }

  /**
   * Resolves when any slot is released, or after `timeoutMs`, or when `signal` aborts — whichever
   * comes first. Callers re-check what they were waiting for.
   */
  async released(timeoutMs: number, signal: AbortSignal): Promise<void> {
    if (signal.aborted || timeoutMs <= 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        clearTimeout(timer);
        this.#released.off('released', done);
        signal.removeEventListener('abort', done);
        resolve();
      };
      const timer = setTimeout(done, timeoutMs);
      this.#released.on('released', done);
      signal.addEventListener('abort', done, { once: true });
    });
  }

  recordSuccess(accountId: string): void {
    const entry = this.#entry(accountId);
    entry.errorCount = 0;
    entry.consecutiveRateLimits = 0;
  }

  recordError(accountId: string, now: number): void {
    const entry = this.#entry(accountId);
    entry.errorCount += 1;
    entry.lastErrorAt = now;
  }

  /** Counts the streak and returns how many rate limits preceded this one. */
  recordRateLimit(accountId: string): number {
    const entry = this.#entry(accountId);
    return entry.consecutiveRateLimits++;
  }

  /** Upstream streams open on this replica, for metrics and drain. */
  inflightTotal(): number {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.streams;
    return total;
  }

  forget(accountId: string): void {
    if ((this.#entries.get(accountId)?.inflight ?? 0) === 0) this.#entries.delete(accountId);
  }
}
