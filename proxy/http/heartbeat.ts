/**
 * Keepalives while a turn waits for its first upstream event after an upstream accepted it
 * (README "Stalled upstreams"). Started by the dispatcher's `onAccepted` (never before an upstream
 * answered 2xx, so a rejection is still a real HTTP error, reference/proxy-contract.md trap 1),
 * stopped once the dispatcher settles; the relay paces keepalives from then on. A beat that is still
 * being written (a slow client) is not stacked with another one.
 */
export class Heartbeat {
  readonly #intervalMs: number;
  readonly #beat: () => Promise<void>;
  #timer: NodeJS.Timeout | undefined;
  #beating = false;
  #stopped = false;

  /** `intervalMs` ≤ 0: keepalives are off and start() does nothing. */
  constructor(intervalMs: number, beat: () => Promise<void>) {
    this.#intervalMs = intervalMs;
    this.#beat = beat;
  }

  /** Idempotent: later acceptances (after a failover) keep the same pace. */
  start(): void {
    if (this.#stopped || this.#timer !== undefined || this.#intervalMs <= 0) return;
    this.#timer = setInterval(() => void this.#tick(), this.#intervalMs);
  }

  stop(): void {
    this.#stopped = true;
    clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async #tick(): Promise<void> {
    if (this.#beating || this.#stopped) return;
    this.#beating = true;
    try {
      await this.#beat();
    } catch {
      // The client went away: the turn's abort signal ends the wait; nothing to say here.
    } finally {
      this.#beating = false;
    }
  }
}
