/**
 * This replica's membership in the ring and its view of the others (reference/proxy-contract.md §11.2).
 * It joins at startup (refusing an advertise URL that cannot identify it), heartbeats every 10 s, flags
 * itself draining when the drain starts and leaves when it stops. The request path reads the live members
 * from a view at most two seconds old (one query per refresh, shared by concurrent readers); every read is
 * also handed to listeners (the cap partition), and a failed read tells them so.
 */
import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Logger } from '../observability/logger.ts';
import { advertiseProblem } from './advertise.ts';
import type { MemberIdentity, RingMember, RingStore } from './ring-store.ts';
import type { SessionOwnerStore } from './session-owners.ts';

/** Upstream's `RING_HEARTBEAT_INTERVAL_SECONDS`. */
export const HEARTBEAT_MS = 10_000;
/** How old a view of the ring the request path accepts. */
export const VIEW_MAX_AGE_MS = 2000;
/** Purge old rows every this many heartbeats. */
const PURGE_EVERY = 30;

export class RingJoinError extends Error {
  override readonly name = 'RingJoinError';
}

export type RingListener = (members: readonly RingMember[] | undefined) => void;

/** What the request path needs from the ring. */
export interface RingView {
  readonly self: MemberIdentity;
  /** This replica started draining: it takes no new session. */
  readonly draining: boolean;
  /** Live members, from a view at most a couple of seconds old (self included once registered). */
  members(): Promise<readonly RingMember[]>;
  onChange(listener: RingListener): void;
}

/** A replica on its own (no database ring): itself, always. */
export function soloRing(instanceId: string): RingView {
  const self: MemberIdentity = { instanceId, processId: randomUUID(), endpoint: null };
  const members: readonly RingMember[] = [{ ...self, draining: false }];
  return {
    self,
    draining: false,
    members: async () => members,
    onChange: (listener) => listener(members),
  };
}

export class Ring implements RingView {
  readonly self: MemberIdentity;
  readonly #store: RingStore;
  readonly #owners: SessionOwnerStore;
  readonly #logger: Logger;
  readonly #now: () => number;
  readonly #listeners: RingListener[] = [];
  #members: readonly RingMember[];
  #readAt = Number.NEGATIVE_INFINITY;
  #refreshing: Promise<void> | undefined;
  #draining = false;

  constructor(options: { store: RingStore; owners: SessionOwnerStore; instanceId: string; endpoint: string | null; logger: Logger; now?: () => number }) {
    this.self = { instanceId: options.instanceId, processId: randomUUID(), endpoint: options.endpoint };
    this.#store = options.store;
    this.#owners = options.owners;
    this.#logger = options.logger;
    this.#now = options.now ?? Date.now;
    this.#members = [{ ...this.self, draining: false }];
  }

  get draining(): boolean {
    return this.#draining;
  }

  /** Registers this replica; throws RingJoinError when its advertise URL cannot identify it among the live members. */
  async join(): Promise<void> {
    const problem = advertiseProblem(this.self.instanceId, this.self.endpoint, await this.#store.live());
    if (problem) throw new RingJoinError(problem);
    await this.#store.register(this.self);
    await this.refresh();
  }

  /** Registers without the advertise checks (the bridge is off: the ring only partitions caps). */
  async register(): Promise<void> {
    await this.#store.register(this.self);
    await this.refresh();
  }

  async members(): Promise<readonly RingMember[]> {
    if (this.#now() - this.#readAt > VIEW_MAX_AGE_MS) await this.refresh();
    return this.#members;
  }

  onChange(listener: RingListener): void {
    this.#listeners.push(listener);
    listener(this.#members);
  }

  /** Reads the live members now (concurrent callers share one read); a failed read keeps the last view. */
  refresh(): Promise<void> {
    this.#refreshing ??= this.#read().finally(() => (this.#refreshing = undefined));
    return this.#refreshing;
  }

  async #read(): Promise<void> {
    let members: readonly RingMember[] | undefined;
    try {
      members = await this.#store.live();
      this.#members = members;
    } catch (err) {
      this.#logger.warn('ring membership read failed; keeping the last view', { err });
    }
    // A failed read is also "now": the request path does not retry it on every request.
    this.#readAt = this.#now();
    for (const listener of this.#listeners) listener(members);
  }

  /** Heartbeats until `signal` aborts. */
  async run(signal: AbortSignal): Promise<void> {
    for (let beat = 1; !signal.aborted; beat++) {
      await sleep(HEARTBEAT_MS, undefined, { signal }).catch(() => undefined);
      if (signal.aborted) break;
      try {
        if (!(await this.#store.heartbeat(this.self))) {
          this.#logger.warn('ring row was missing or taken over by another process with this instance id; registering again', { instanceId: this.self.instanceId });
          await this.#store.register(this.self);
          if (this.#draining) await this.#store.markDraining(this.self);
        }
        if (beat % PURGE_EVERY === 0) await Promise.all([this.#store.purge(), this.#owners.purge()]);
      } catch (err) {
        this.#logger.warn('ring heartbeat failed', { err });
      }
      await this.refresh();
    }
  }

  /** Peers stop sending new sessions here; sessions that only this replica can continue still come. */
  async startDraining(): Promise<void> {
    this.#draining = true;
    await this.#store.markDraining(this.self).catch((err: unknown) => this.#logger.warn('could not mark this replica draining in the ring', { err }));
  }

  /** Leaves the ring and gives up every session lease: the next turn of each session finds a live owner. */
  async leave(): Promise<void> {
    this.#draining = true;
    await Promise.all([
      this.#owners.releaseAll(this.self.instanceId).catch((err: unknown) => this.#logger.warn('could not release session leases', { err })),
      this.#store.leave(this.self).catch((err: unknown) => this.#logger.warn('could not leave the ring', { err })),
    ]);
  }
}
