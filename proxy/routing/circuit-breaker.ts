/**
 * Circuit breaker per account (reference/proxy-contract.md §7.6, §11.6; `CODEX_LB_CIRCUIT_BREAKER_ENABLED`):
 * 5 consecutive server-side failures (5xx, timeouts, transport errors) open an account's circuit for 60 s;
 * then one request at a time probes it (half-open), and 2 successes close it again; a failed probe opens it
 * for another 60 s. Rate limits and client errors say nothing about the server's health and are not counted.
 * The thresholds are fixed upstream (the settings were removed), and so they are here.
 *
 * With the breaker on, it replaces the per-account error backoff (§7.2 step 5): both keep traffic off a
 * failing account, and two clocks would make the recovery time neither of them.
 */
export const FAILURE_THRESHOLD = 5;
export const RECOVERY_MS = 60_000;
export const SUCCESSES_TO_CLOSE = 2;

export type CircuitState = 'closed' | 'open' | 'half_open';

export class Circuit {
  #state: CircuitState = 'closed';
  #failures = 0;
  #openedAt = 0;
  #successes = 0;
  #probing = false;

  get state(): CircuitState {
    return this.#state;
  }

  /** Whether a request may go to it at `now` (ms); an open circuit past its recovery time turns half-open. */
  available(now: number): boolean {
    if (this.#state === 'open' && now - this.#openedAt >= RECOVERY_MS) {
      this.#state = 'half_open';
      this.#successes = 0;
      this.#probing = false;
    }
    if (this.#state === 'open') return false;
    return this.#state === 'closed' || !this.#probing;
  }

  /** A request was sent to it; while half-open it is the one probe. */
  begin(): void {
    if (this.#state === 'half_open') this.#probing = true;
  }

  /** The request ended without a verdict on the server (client gone, neutral failure). */
  abandon(): void {
    this.#probing = false;
  }

  success(): void {
    this.#probing = false;
    if (this.#state === 'half_open') {
      this.#successes += 1;
      if (this.#successes < SUCCESSES_TO_CLOSE) return;
    }
    this.#state = 'closed';
    this.#failures = 0;
  }

  failure(now: number): void {
    this.#probing = false;
    this.#failures += 1;
    if (this.#state === 'half_open' || this.#failures >= FAILURE_THRESHOLD) {
      this.#state = 'open';
      this.#openedAt = now;
    }
  }
}

/** One attempt's view of an account's circuit. */
export interface CircuitProbe {
  success(): void;
  failure(): void;
  abandon(): void;
  /** The circuit is open now: stop retrying this account within the request. */
  readonly open: boolean;
}

const NO_PROBE: CircuitProbe = { success: () => undefined, failure: () => undefined, abandon: () => undefined, open: false };

export class CircuitBreakers {
  readonly enabled: boolean;
  readonly #now: () => number;
  readonly #circuits = new Map<string, Circuit>();
  /** Every attempt on any account: when it opens, the upstream as a whole is failing (service degraded). */
  readonly global = new Circuit();

  constructor(options: { enabled: boolean; now?: () => number }) {
    this.enabled = options.enabled;
    this.#now = options.now ?? Date.now;
  }

  #circuit(accountId: string): Circuit {
    let circuit = this.#circuits.get(accountId);
    if (!circuit) {
      circuit = new Circuit();
      this.#circuits.set(accountId, circuit);
    }
    return circuit;
  }

  /** The accounts among `ids` whose circuit refuses a request now. */
  refusing(ids: readonly string[]): ReadonlySet<string> {
    const refused = new Set<string>();
    if (!this.enabled) return refused;
    const now = this.#now();
    for (const id of ids) if (this.#circuits.get(id)?.available(now) === false) refused.add(id);
    return refused;
  }

  /** Accounts whose circuit is not closed (metrics). */
  openCount(): number {
    let count = 0;
    for (const circuit of this.#circuits.values()) if (circuit.state !== 'closed') count += 1;
    return count;
  }

  state(accountId: string): CircuitState {
    return this.#circuits.get(accountId)?.state ?? 'closed';
  }

  /** Call right after selecting `accountId`, before anything awaits: a half-open circuit admits one probe. */
  begin(accountId: string): CircuitProbe {
    if (!this.enabled) return NO_PROBE;
    const circuit = this.#circuit(accountId);
    circuit.begin();
    const now = this.#now;
    const global = this.global;
    return {
      success: () => {
        circuit.success();
        global.success();
      },
      failure: () => {
        circuit.failure(now());
        global.failure(now());
      },
      abandon: () => circuit.abandon(),
      get open() {
        return circuit.state === 'open';
      },
    };
  }

  /** A server-side failure after the stream started (no probe in hand). */
  failed(accountId: string): void {
    if (!this.enabled) return;
    this.#circuit(accountId).failure(this.#now());
    this.global.failure(this.#now());
  }
}
