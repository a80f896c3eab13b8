/**
 * The session bridge on the owning replica (reference/proxy-contract.md §11.1): one entry per Codex
 * session holding its upstream WebSocket (per account), kept warm between turns so later turns of the
 * session — from whichever replica the client reached — reuse the connection where the conversation
 * lives. One turn runs at a time per session ("response-create gate"); later ones queue, at most
 * `queueLimit` of them. An idle session closes its socket and gives up its ownership lease.
 *
 * Bounded per replica: at most `maxSessions`; a new session evicts the longest-idle one, and when every
 * session is busy it is refused (429 capacity_exhausted_active_sessions).
 */
import { activeSessionsExhausted, bridgeQueueFull } from '../../errors/catalogue.ts';
import type { Logger } from '../../observability/logger.ts';
import { RequestAborted } from '../../routing/dispatch.ts';
import type { RequestRoute } from '../../upstream/request-body.ts';
import type { SocketTransport } from '../../upstream/transport.ts';
import type { SessionOwnerStore } from '../session-owners.ts';

export interface BridgeSettings {
  maxSessions: number;
  /** Turns that may wait behind a session's running turn. */
  queueLimit: number;
  /** Idle time after which a session closes: Codex sessions, other routes. */
  codexIdleTtlMs: number;
  idleTtlMs: number;
}

/**
 * A lease outlives the session's idle TTL by this much, so a live owner is never second-guessed; it is
 * renewed after a turn once this much of it has passed (not after every turn: one write saved per turn).
 */
const LEASE_SLACK_MS = 60_000;

/** One turn's hold on its session. */
export interface SessionTurn {
  /** The session's upstream sockets; undefined when the upstream is reached over HTTP only. */
  readonly transport: SocketTransport | undefined;
  /** The account the session's earlier turns used. */
  readonly account: string | undefined;
  accepted(accountId: string): void;
  /** Ends the turn (idempotent): the next one may run. */
  leave(): void;
}

class Session {
  transport: SocketTransport | undefined;
  account: string | undefined;
  epoch: number | undefined;
  /** When this replica last wrote the lease (claim or renewal), epoch ms. */
  leasedAt = 0;
  /** The running turn plus those waiting. */
  busy = 0;
  tail: Promise<void> = Promise.resolve();
  idleSince: number;
  timer: NodeJS.Timeout | undefined;

  constructor(transport: SocketTransport | undefined, now: number) {
    this.transport = transport;
    this.idleSince = now;
  }
}

export class BridgeSessions {
  readonly #settings: BridgeSettings;
  readonly #owners: SessionOwnerStore | undefined;
  readonly #self: string;
  readonly #newTransport: () => SocketTransport | undefined;
  readonly #logger: Logger;
  readonly #sessions = new Map<string, Session>();

  constructor(options: {
    settings: BridgeSettings;
    /** Durable ownership; absent for a replica on its own. */
    owners: SessionOwnerStore | undefined;
    self: string;
    newTransport: () => SocketTransport | undefined;
    logger: Logger;
  }) {
    this.#settings = options.settings;
    this.#owners = options.owners;
    this.#self = options.self;
    this.#newTransport = options.newTransport;
    this.#logger = options.logger;
  }

  get size(): number {
    return this.#sessions.size;
  }

  has(sessionKey: string): boolean {
    return this.#sessions.has(sessionKey);
  }

  /**
   * Waits for the session's turn slot (in arrival order) and records this replica as its owner — unless
   * `seenEpoch`, the epoch of a live owner row naming this replica that the caller just read, is the one
   * this session already holds (then the row is right as it is, and the turn saves a write).
   * Throws 429s when the replica or the session's queue is full, RequestAborted when the client left.
   */
  async enter(sessionKey: string, route: RequestRoute, signal: AbortSignal, seenEpoch?: number): Promise<SessionTurn> {
    const session = this.#session(sessionKey);
    if (session.busy > this.#settings.queueLimit) throw bridgeQueueFull(this.#settings.queueLimit);
    session.busy += 1;
    clearTimeout(session.timer);
    let release!: () => void;
    const mine = new Promise<void>((resolve) => (release = resolve));
    const previous = session.tail;
    session.tail = previous.then(() => mine);
    let left = false;
    const leave = (): void => {
      if (left) return;
      left = true;
      release();
      session.busy -= 1;
      if (session.busy === 0) this.#idle(sessionKey, session, route);
    };
    try {
      await waitFor(previous, signal);
      if (seenEpoch === undefined || seenEpoch !== session.epoch) await this.#claim(sessionKey, session, route);
    } catch (err) {
      leave();
      throw err;
    }
    return {
      transport: session.transport,
      account: session.account,
      accepted: (accountId) => {
        session.account = accountId;
      },
      leave,
    };
  }

  /** Closes every session's sockets (shutdown). */
  closeAll(): void {
    for (const session of this.#sessions.values()) {
      clearTimeout(session.timer);
      session.transport?.close();
    }
    this.#sessions.clear();
  }

  #session(id: string): Session {
    const existing = this.#sessions.get(id);
    if (existing) return existing;
    if (this.#sessions.size >= this.#settings.maxSessions) this.#evictIdlest();
    const session = new Session(this.#newTransport(), Date.now());
    this.#sessions.set(id, session);
    return session;
  }

  #evictIdlest(): void {
    let idlest: [string, Session] | undefined;
    for (const entry of this.#sessions) {
      if (entry[1].busy === 0 && (idlest === undefined || entry[1].idleSince < idlest[1].idleSince)) idlest = entry;
    }
    if (!idlest) throw activeSessionsExhausted(this.#settings.maxSessions);
    this.#close(idlest[0], idlest[1]);
  }

  /** Records this replica as the owner; a session another replica served meanwhile starts a fresh socket. */
  async #claim(id: string, session: Session, route: RequestRoute): Promise<void> {
    if (!this.#owners) return;
    const epoch = await this.#owners.claim(id, this.#self, this.#ttl(route) + LEASE_SLACK_MS);
    if (session.epoch !== undefined && epoch !== session.epoch) {
      session.transport?.close();
      session.transport = this.#newTransport();
      session.account = undefined;
    }
    session.epoch = epoch;
    session.leasedAt = Date.now();
  }

  #ttl(route: RequestRoute): number {
    return route === 'codex' ? this.#settings.codexIdleTtlMs : this.#settings.idleTtlMs;
  }

  #idle(id: string, session: Session, route: RequestRoute): void {
    session.idleSince = Date.now();
    clearTimeout(session.timer);
    session.timer = setTimeout(() => this.#close(id, session), this.#ttl(route));
    session.timer.unref();
    // Renewed once a minute of the lease has gone: it then still covers the whole idle TTL from here, and a
    // turn longer than the lease does not leave the session unowned afterwards.
    if (this.#owners && session.epoch !== undefined && session.idleSince - session.leasedAt >= LEASE_SLACK_MS) {
      session.leasedAt = session.idleSince;
      this.#owners
        .renew(id, this.#self, session.epoch, this.#ttl(route) + LEASE_SLACK_MS)
        .catch((err: unknown) => this.#logger.warn('could not renew a session lease', { err }));
    }
  }

  #close(id: string, session: Session): void {
    clearTimeout(session.timer);
    session.transport?.close();
    if (this.#sessions.get(id) === session) this.#sessions.delete(id);
    this.#owners?.release(id, this.#self).catch((err: unknown) => this.#logger.warn('could not release a session lease', { err }));
  }
}

/** Resolves with `previous`, or rejects with RequestAborted when `signal` aborts first. */
function waitFor(previous: Promise<void>, signal: AbortSignal): Promise<void> {
  if (signal.aborted) return Promise.reject(new RequestAborted('client went away'));
  return new Promise((resolve, reject) => {
    const abort = (): void => reject(new RequestAborted('client went away'));
    signal.addEventListener('abort', abort, { once: true });
    void previous.then(() => {
      signal.removeEventListener('abort', abort);
      resolve();
    });
  });
}
