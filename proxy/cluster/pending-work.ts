/**
 * Writes that outlive the request that caused them (request log rows, usage snapshots, limit
 * settlements, account marks). They never hold up a client, but shutdown waits for them before the
 * database closes: a write racing a closed connection loses data (and crashes SQLite's driver).
 */
export class PendingWork {
  readonly #inFlight = new Set<Promise<unknown>>();

  /** Runs `work` in the background; a failure goes to `onError`, never to the caller. */
  track(work: Promise<unknown>, onError: (err: unknown) => void): void {
    const settled = work.catch(onError).finally(() => this.#inFlight.delete(settled));
    this.#inFlight.add(settled);
  }

  get size(): number {
    return this.#inFlight.size;
  }

  /** Resolves once everything tracked so far (and anything it started) has settled. */
  async settle(): Promise<void> {
    while (this.#inFlight.size > 0) await Promise.allSettled([...this.#inFlight]);
  }
}
