/**
 * Per-account caps partitioned across live replicas (reference/proxy-contract.md §7.5): a cap is
 * cluster-wide, and each replica enforces its share of it, so N replicas together stay within the
 * cap instead of multiplying it by N (the per-pod limit trap, peers-and-user-demand.md item 20).
 */

/**
 * This replica's share of `cap` among `members` (self always counted): the cap split evenly, the
 * remainder going to the first members in sorted order, never below 1. `cap` 0 means unlimited.
 */
export function capShare(cap: number, members: readonly string[], self: string): number {
  if (cap <= 0) return 0;
  const ring = [...new Set([...members, self])].sort();
  const count = ring.length;
  const rank = ring.indexOf(self);
  return Math.max(1, Math.floor(cap / count) + (rank < cap % count ? 1 : 0));
}

/**
 * A share that shrinks at once but grows only after the larger value has been observed continuously
 * for `growAfterMs` (a replica that vanished for a moment must not leave the others over the cap
 * when it returns). A failed membership read restarts the window.
 */
export class ShareHysteresis {
  readonly #growAfterMs: number;
  #current: number | undefined;
  /** When a larger share was first seen, and the smallest larger share seen since. */
  #pending: { since: number; share: number } | undefined;

  constructor(growAfterMs: number) {
    this.#growAfterMs = growAfterMs;
  }

  /** The share to enforce, given the share computed from the membership just read (`now` in ms). */
  observe(share: number, now: number): number {
    const current = this.#current;
    if (current === undefined || isSmaller(share, current)) {
      this.#current = share;
      this.#pending = undefined;
      return share;
    }
    if (share === current) {
      this.#pending = undefined;
      return current;
    }
    const pending = this.#pending;
    if (pending === undefined) {
      this.#pending = { since: now, share };
    } else {
      pending.share = isSmaller(share, pending.share) ? share : pending.share;
    }
    const window = this.#pending as { since: number; share: number };
    if (now - window.since >= this.#growAfterMs) {
      this.#current = window.share;
      this.#pending = undefined;
    }
    return this.#current as number;
  }

  /** The membership could not be read: whatever larger share was pending must be observed afresh. */
  readFailed(): void {
    this.#pending = undefined;
  }

  get current(): number | undefined {
    return this.#current;
  }
}

/** 0 is "unlimited", the largest share of all. */
function isSmaller(a: number, b: number): boolean {
  if (a === b) return false;
  if (a === 0) return false;
  if (b === 0) return true;
  return a < b;
}
