/**
 * Keeps API-key reservations honest across crashes (issue 12 item 9): while this process runs, its open
 * reservations are heart-beaten, and reservations whose heartbeat stopped — their process died without settling
 * (`kill -9`, OOM, node loss) — are released, on every replica (the release is a compare-and-set, so two replicas
 * racing release once). Upstream heart-beats every 5 min and releases after 6 h; we beat every minute and release
 * after 10 missed beats, so a dead replica's budget comes back in minutes, not hours. A replica that restarts under
 * the same instance id gives back its predecessor's reservations at once (`reclaimAbandoned({ holder })` in serve).
 */
import { setTimeout as sleep } from 'node:timers/promises';
import type { ApiKeyService } from './api-key-service.ts';

export const RESERVATION_HEARTBEAT_MS = 60_000;
export const RESERVATION_ABANDONED_AFTER_MS = 10 * RESERVATION_HEARTBEAT_MS;

export interface ReservationKeeperOptions {
  readonly apiKeys: Pick<ApiKeyService, 'heartbeat' | 'reclaimAbandoned'>;
  /** @default RESERVATION_HEARTBEAT_MS */
  readonly intervalMs?: number;
  /** @default RESERVATION_ABANDONED_AFTER_MS */
  readonly abandonedAfterMs?: number;
  /** @default Date.now */
  readonly now?: () => number;
}

export class ReservationKeeper {
  readonly #apiKeys: ReservationKeeperOptions['apiKeys'];
  readonly #intervalMs: number;
  readonly #abandonedAfterMs: number;
  readonly #now: () => number;

  constructor(options: ReservationKeeperOptions) {
    this.#apiKeys = options.apiKeys;
    this.#intervalMs = options.intervalMs ?? RESERVATION_HEARTBEAT_MS;
    this.#abandonedAfterMs = options.abandonedAfterMs ?? RESERVATION_ABANDONED_AFTER_MS;
    this.#now = options.now ?? Date.now;
  }

  /** One heartbeat and sweep; returns how many abandoned reservations were released. */
  async pass(): Promise<number> {
    await this.#apiKeys.heartbeat();
    return this.#apiKeys.reclaimAbandoned({ staleBefore: new Date(this.#now() - this.#abandonedAfterMs) });
  }

  /** Runs a pass every interval until the signal aborts. A failing pass is reported, not fatal. */
  async run(signal: AbortSignal, onError: (err: unknown) => void = () => undefined): Promise<void> {
    while (!signal.aborted) {
      await this.pass().catch(onError);
      await sleep(this.#intervalMs, undefined, { signal }).catch(() => undefined);
    }
  }
}
