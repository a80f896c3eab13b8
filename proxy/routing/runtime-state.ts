/**
 * Per-replica routing state kept in memory (reference/proxy-contract.md §7.1 "Runtime"): error
 * streaks (for backoff), when an account was last picked, and streams in flight.
 * Persisted state (status, reset times, usage) lives in the database; this is what one replica
 * learns from its own traffic between database writes.
 */
import { IDLE_RUNTIME, type RuntimeView } from './account-state.ts';

interface Entry {
  errorCount: number;
  lastErrorAt: number;
  lastSelectedAt: number;
  inflight: number;
  /** Rate limits in a row, for the exponential fallback when upstream gives no reset. */
  consecutiveRateLimits: number;
}

export class RuntimeRegistry {
  readonly #entries = new Map<string, Entry>();
  /** Monotonic tie-breaker: two selections within one clock tick still order. */
  #selections = 0;

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

  acquire(accountId: string): () => void {
    const entry = this.#entry(accountId);
    entry.inflight += 1;
    let released = false;
    return () => {
      if (released) return;
      released = true;
      entry.inflight -= 1;
    };
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

  /** Total streams in flight on this replica, for metrics and drain. */
  inflightTotal(): number {
    let total = 0;
    for (const entry of this.#entries.values()) total += entry.inflight;
    return total;
  }

  forget(accountId: string): void {
    if ((this.#entries.get(accountId)?.inflight ?? 0) === 0) this.#entries.delete(accountId);
  }
}
