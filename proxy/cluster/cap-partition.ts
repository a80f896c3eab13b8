/**
 * The per-account limits this replica enforces (reference/proxy-contract.md §7.5), recomputed on every
 * read of the ring: with `CODEX_LB_PROXY_ACCOUNT_CAPS_SCOPE=partitioned` each cap is split across the
 * live replicas (capShare), growing only after the hysteresis window; with `replica` every replica
 * enforces the whole cap.
 */
import type { AccountLimits } from '../routing/account-state.ts';
import { capShare, ShareHysteresis } from './cap-share.ts';
import type { RingView } from './ring.ts';

export interface CapSettings {
  /** Cluster-wide caps; 0 = unlimited. */
  stream: number;
  create: number;
  streamReserve: number;
  scope: 'partitioned' | 'replica';
  /** `CODEX_LB_PROXY_ACCOUNT_CAP_PARTITION_SCALE_DOWN_SECONDS` in ms. */
  growAfterMs: number;
}

export class CapPartition {
  readonly #now: () => number;
  readonly #stream: ShareHysteresis;
  readonly #create: ShareHysteresis;
  #limits: AccountLimits;

  constructor(ring: RingView, settings: CapSettings, now: () => number = Date.now) {
    this.#now = now;
    this.#stream = new ShareHysteresis(settings.growAfterMs);
    this.#create = new ShareHysteresis(settings.growAfterMs);
    this.#limits = { stream: settings.stream, create: settings.create, streamReserve: settings.streamReserve };
    const self = ring.self.instanceId;
    ring.onChange((members) => {
      if (settings.scope === 'replica') return;
      if (members === undefined) {
        this.#stream.readFailed();
        this.#create.readFailed();
        return;
      }
      const ids = members.map((m) => m.instanceId);
      const now = this.#now();
      this.#limits = {
        stream: this.#stream.observe(capShare(settings.stream, ids, self), now),
        create: this.#create.observe(capShare(settings.create, ids, self), now),
        streamReserve: settings.streamReserve,
      };
    });
  }

  limits(): AccountLimits {
    return this.#limits;
  }
}
