/**
 * Bounded memory for request bodies (issue 12 item 8). Two independent gates, both answered with
 * 503 `proxy_unavailable` + Retry-After so clients back off instead of the pod being OOM-killed:
 *
 * - the process RSS threshold (`CODEX_LB_MEMORY_REJECT_THRESHOLD_MB`, upstream's semantics: at or
 *   above it, new requests are refused; 0 = off);
 * - the in-flight body budget (`CODEX_LB_MAX_INFLIGHT_BODY_BYTES`): every request body and queued
 *   WebSocket frame holds a ticket for its bytes from before it is read until its turn is over.
 *   A body that would not fit is refused before its bytes are read (declared length) or as soon as
 *   they would overflow (chunked / compressed bodies grow their ticket as they arrive).
 *
 * Pure bookkeeping: the RSS reader is injected, nothing here touches sockets.
 */
import { proxyUnavailable } from '../errors/catalogue.ts';

export interface MemoryGuardOptions {
  /** Total bytes of bodies held at once. */
  readonly budgetBytes: number;
  /** Refuse new work at or above this resident set size; 0 = never. */
  readonly rssLimitBytes: number;
  /** @default process.memoryUsage.rss */
  readonly rss?: () => number;
}

/** Bytes held for one body; grow it as the body arrives, release it (once) when the work is done. */
export interface BodyTicket {
  readonly bytes: number;
  /** Holds `total` bytes in all (never shrinks); throws 503 when the budget cannot take the difference. */
  grow(total: number): void;
  release(): void;
}

interface Ledger {
  take(bytes: number): void;
  give(bytes: number): void;
}

class Ticket implements BodyTicket {
  readonly #ledger: Ledger;
  #held: number;
  #released = false;

  constructor(ledger: Ledger, bytes: number) {
    this.#ledger = ledger;
    this.#held = bytes;
  }

  get bytes(): number {
    return this.#held;
  }

  grow(total: number): void {
    if (this.#released || total <= this.#held) return;
    this.#ledger.take(total - this.#held);
    this.#held = total;
  }

  release(): void {
    if (this.#released) return;
    this.#released = true;
    this.#ledger.give(this.#held);
  }
}

export class MemoryGuard {
  readonly #budget: number;
  readonly #rssLimit: number;
  readonly #rss: () => number;
  #held = 0;
  /** What tickets change; one per guard, so a ticket (held as long as its stream) is three fields, not closures. */
  readonly #ledger: Ledger = {
    take: (bytes) => this.#take(bytes),
    give: (bytes) => {
      this.#held -= bytes;
    },
  };

  constructor(options: MemoryGuardOptions) {
    this.#budget = options.budgetBytes;
    this.#rssLimit = options.rssLimitBytes;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
  }

  /** Bytes currently held by all tickets. */
  get held(): number {
    return this.#held;
  }

  /** Throws 503 when the process is at its RSS threshold. */
  checkPressure(): void {
    if (this.#rssLimit > 0 && this.#rss() >= this.#rssLimit) {
      throw proxyUnavailable('codex-lb is temporarily unavailable due to local memory pressure');
    }
  }

  /** A ticket for `bytes` (0 for a body of unknown length); throws 503 when they do not fit. */
  admit(bytes: number): BodyTicket {
    this.checkPressure();
    this.#take(bytes);
    return new Ticket(this.#ledger, bytes);
  }

  #take(bytes: number): void {
    if (this.#held + bytes > this.#budget) {
      throw proxyUnavailable('codex-lb is temporarily unavailable: too many request bytes in flight');
    }
    this.#held += bytes;
  }
}
