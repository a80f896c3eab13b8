/**
 * A bounded gate with a bounded wait (reference/proxy-contract.md §7.5 global admission): at most
 * `limit` holders at once per replica; a newcomer waits its turn in arrival order for up to the
 * admission wait, then gives up so the caller can answer 429 instead of hanging.
 */
export class AdmissionGate {
  readonly #limit: number;
  #held = 0;
  readonly #waiting: Array<() => void> = [];

  constructor(limit: number) {
    this.#limit = limit;
  }

  get held(): number {
    return this.#held;
  }

  /** A release function once admitted; undefined when `waitMs` passed or `signal` aborted first. */
  async enter(waitMs: number, signal: AbortSignal): Promise<(() => void) | undefined> {
    if (this.#held < this.#limit && this.#waiting.length === 0) return this.#admit();
    if (waitMs <= 0 || signal.aborted) return undefined;
    const admitted = await new Promise<boolean>((resolve) => {
      const wake = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
        resolve(true);
      };
      const giveUp = (): void => {
        clearTimeout(timer);
        signal.removeEventListener('abort', giveUp);
        const at = this.#waiting.indexOf(wake);
        if (at >= 0) this.#waiting.splice(at, 1);
        resolve(false);
      };
      const timer = setTimeout(giveUp, waitMs);
      signal.addEventListener('abort', giveUp, { once: true });
      this.#waiting.push(wake);
    });
    // A woken waiter inherits the slot its waker gave up (held was not decremented for it).
    return admitted ? this.#releaser() : undefined;
  }

  #admit(): () => void {
    this.#held += 1;
    return this.#releaser();
  }

  #releaser(): () => void {
    let released = false;
    return () => {
      if (released) return;
      released = true;
      const next = this.#waiting.shift();
      if (next) next();
      else this.#held -= 1;
    };
  }
}
