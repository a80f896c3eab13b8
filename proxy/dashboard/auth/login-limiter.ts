/**
 * Slows password guessing: after `maxFailures` wrong passwords or bootstrap tokens from one client within
 * `windowMs`, further attempts from it are refused (429 + Retry-After) until the oldest failure ages out. Per
 * replica and in memory: a guesser spread over replicas gets replicas × maxFailures tries per window.
 */
export class LoginLimiter {
  readonly #failures = new Map<string, number[]>();
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #now: () => number;

  constructor(options: { maxFailures?: number; windowMs?: number; now?: () => number } = {}) {
    this.#maxFailures = options.maxFailures ?? 10;
    this.#windowMs = options.windowMs ?? 5 * 60_000;
    this.#now = options.now ?? Date.now;
  }

  /** Seconds until `client` may try again; 0 when it may now. */
  retryAfterSeconds(client: string): number {
    const recent = this.#recent(client);
    if (recent.length < this.#maxFailures) return 0;
    const oldest = recent[0] ?? this.#now();
    return Math.max(1, Math.ceil((oldest + this.#windowMs - this.#now()) / 1000));
  }

  failed(client: string): void {
    this.#failures.set(client, [...this.#recent(client), this.#now()]);
  }

  succeeded(client: string): void {
    this.#failures.delete(client);
  }

  #recent(client: string): number[] {
    const since = this.#now() - this.#windowMs;
    const recent = (this.#failures.get(client) ?? []).filter((at) => at > since);
    if (recent.length === 0) this.#failures.delete(client);
    return recent;
  }
}
