/**
 * Graceful drain (reference/proxy-contract.md §11.7, OPERATOR-CONTRACT.md preStop). Once draining,
 * readiness fails and new work is refused, while requests already in flight run to completion.
 * The preStop hook watches `inFlight` through /internal/drain/status; SIGTERM waits on `idle()`.
 */
import { EventEmitter } from 'node:events';

export class DrainState {
  #draining = false;
  #shutdownCommitted = false;
  /** performance.now()-based deadline in seconds, as the preStop helper sends it. */
  #deadlineMonotonic: number | undefined;
  #inFlight = 0;
  readonly #events = new EventEmitter();

  get draining(): boolean {
    return this.#draining;
  }

  get shutdownCommitted(): boolean {
    return this.#shutdownCommitted;
  }

  get deadlineMonotonic(): number | undefined {
    return this.#deadlineMonotonic;
  }

  get inFlight(): number {
    return this.#inFlight;
  }

  /** Starts draining (idempotent). `shutdown` marks that the process will exit: drain cannot be undone. */
  start(options: { deadlineMonotonic?: number; shutdown?: boolean } = {}): void {
    if (options.deadlineMonotonic !== undefined) this.#deadlineMonotonic = options.deadlineMonotonic;
    if (options.shutdown ?? true) this.#shutdownCommitted = true;
    if (this.#draining) return;
    this.#draining = true;
    this.#events.emit('drain');
  }

  /** Cancels a drain that has not committed to shutdown; false when it has. */
  stop(): boolean {
    if (this.#shutdownCommitted) return false;
    this.#draining = false;
    this.#deadlineMonotonic = undefined;
    return true;
  }

  /** Counts a request or socket as in flight; call the returned function exactly when it ends. */
  enter(): () => void {
    this.#inFlight += 1;
    let left = false;
    return () => {
      if (left) return;
      left = true;
      this.#inFlight -= 1;
      if (this.#inFlight === 0) this.#events.emit('idle');
    };
  }

  onDrain(listener: () => void): () => void {
    this.#events.on('drain', listener);
    return () => this.#events.off('drain', listener);
  }

  /** Resolves once nothing is in flight, or when `signal` aborts. */
  async idle(signal?: AbortSignal): Promise<void> {
    if (this.#inFlight === 0) return;
    await new Promise<void>((resolve) => {
      const done = (): void => {
        this.#events.off('idle', done);
        signal?.removeEventListener('abort', done);
        resolve();
      };
      this.#events.on('idle', done);
      signal?.addEventListener('abort', done, { once: true });
    });
  }
}
