/**
 * Which account produced a response id (trap 2: `previous_response_id` continues only there). Kept
 * in memory per replica, bounded and aged: the upstream keeps no responses over HTTP (store=false),
 * so an anchor is only useful while its conversation is live.
 */
import type { ResponseOwners } from './ports.ts';

export class ResponseOwnerIndex implements ResponseOwners {
  readonly #owners = new Map<string, { accountId: string; at: number }>();
  readonly #limit: number;
  readonly #ttlMs: number;

  constructor(options: { limit?: number; ttlMs?: number } = {}) {
    this.#limit = options.limit ?? 100_000;
    this.#ttlMs = options.ttlMs ?? 24 * 3600_000;
  }

  async owner(responseId: string): Promise<string | undefined> {
    const entry = this.#owners.get(responseId);
    if (!entry) return undefined;
    if (Date.now() - entry.at > this.#ttlMs) {
      this.#owners.delete(responseId);
      return undefined;
    }
    return entry.accountId;
  }

  remember(responseId: string, accountId: string): void {
    // Map iteration order is insertion order: the first key is the oldest.
    if (this.#owners.size >= this.#limit) {
      const oldest = this.#owners.keys().next();
      if (!oldest.done) this.#owners.delete(oldest.value);
    }
    this.#owners.set(responseId, { accountId, at: Date.now() });
  }
}
