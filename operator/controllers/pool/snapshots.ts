/**
 * The last known state of each installation's pool, so that refreshing the status of every account
 * and key of an installation costs one admin call per period, not one per resource.
 *
 * The pool monitor refreshes each installation once per period; reconciles in between read the
 * snapshot. A reconcile finding no snapshot, or one older than `maxAgeMs`, fetches one itself, and
 * concurrent fetches of one installation share a single call. Failures are remembered for the same
 * time, so a down installation is not called once per resource either. Writes the controllers make
 * (import, patch, delete) fold their answers into the snapshot instead of invalidating it.
 */
import type { PoolState } from './admin-types.ts';

interface Entry {
  at: number;
  state?: PoolState;
  error?: unknown;
  inflight?: Promise<PoolState>;
}

export class PoolSnapshots {
  readonly #maxAgeMs: number;
  readonly #now: () => number;
  readonly #entries = new Map<string, Entry>();

  constructor(opts: { maxAgeMs: number; now?: () => number }) {
    this.#maxAgeMs = opts.maxAgeMs;
    this.#now = opts.now ?? Date.now;
  }

  /** The pool as of at most maxAgeMs ago (or the failure of that time), fetching when there is none. */
  get(key: string, fetch: () => Promise<PoolState>): Promise<PoolState> {
    const entry = this.#entries.get(key);
    if (entry?.inflight) return entry.inflight;
    if (entry && this.#now() - entry.at < this.#maxAgeMs) {
      if (entry.state) return Promise.resolve(entry.state);
      return Promise.reject(entry.error);
    }
    return this.refresh(key, fetch);
  }

  /** Fetches now (sharing a fetch already under way). */
  refresh(key: string, fetch: () => Promise<PoolState>): Promise<PoolState> {
    const entry = this.#entries.get(key);
    if (entry?.inflight) return entry.inflight;
    const inflight = fetch().then(
      (state) => {
        this.#entries.set(key, { at: this.#now(), state });
        return state;
      },
      (error: unknown) => {
        this.#entries.set(key, { at: this.#now(), error });
        throw error;
      },
    );
    this.#entries.set(key, { ...(entry ?? { at: 0 }), inflight });
    return inflight;
  }

  /** Folds the answer of a write into the current snapshot, if there is one. */
  update(key: string, change: (state: PoolState) => PoolState): void {
    const entry = this.#entries.get(key);
    if (entry?.state && !entry.inflight) this.#entries.set(key, { ...entry, state: change(entry.state) });
  }

  /** Drops what is known about an installation (a deleted CodexLB). */
  forget(key: string): void {
    this.#entries.delete(key);
  }

  keys(): string[] {
    return [...this.#entries.keys()];
  }
}

/** Replaces (or adds) one element with the same id. */
export function upsertById<T extends { id: string }>(items: T[], item: T): T[] {
  return items.some((i) => i.id === item.id) ? items.map((i) => (i.id === item.id ? item : i)) : [...items, item];
}

export function removeById<T extends { id: string }>(items: T[], id: string): T[] {
  return items.filter((i) => i.id !== id);
}
