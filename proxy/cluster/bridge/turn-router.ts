/**
 * Decides where each Responses turn runs (reference/proxy-contract.md §11): a turn without a session
 * key is dispatched here as before; a session's turn runs on the session's owner — here, through the
 * session's bridge entry (its upstream socket and turn gate), or on another replica through the
 * forwarder. When the recorded owner cannot take the turn and the request can start afresh, this
 * replica takes the session over; a continuation that only the lost owner could serve fails closed.
 */
import { bridgeOwnerUnreachable } from '../../errors/catalogue.ts';
import type { Logger } from '../../observability/logger.ts';
import type { Dispatcher, OpenStream } from '../../routing/dispatch.ts';
import { decideOwner } from '../ownership.ts';
import type { RingView } from '../ring.ts';
import { sessionKeyOf } from '../session-key.ts';
import type { SessionOwnerStore } from '../session-owners.ts';
import { OwnerRefused, type Forwarder } from './forwarder.ts';
import type { BridgeSessions } from './sessions.ts';
import type { TurnRequest } from './turn-request.ts';

export type ForwardOutcome = 'forwarded' | 'local' | 'taken_over' | 'refused';

export interface TurnRouterDeps {
  dispatcher: Dispatcher;
  /** Absent when the session bridge is off: every turn is dispatched where it lands. */
  sessions: BridgeSessions | undefined;
  /** Present in a ring of replicas (with the owner rows it reads). */
  cluster?: { ring: RingView; owners: SessionOwnerStore; forwarder: Forwarder };
  logger: Logger;
  /** Counts where session turns went (metrics). */
  observe?: (outcome: ForwardOutcome) => void;
}

export class TurnRouter {
  readonly #deps: TurnRouterDeps;

  constructor(deps: TurnRouterDeps) {
    this.#deps = deps;
  }

  async open(request: TurnRequest): Promise<OpenStream> {
    const key = this.#deps.sessions && request.bridgeable ? sessionKeyOf(request.headers, request.apiKeyId) : undefined;
    if (!key) return this.#deps.dispatcher.open(request);
    const cluster = this.#deps.cluster;
    if (!cluster) return this.serveSession(key.id, request);
    const freshStart = typeof request.body.previous_response_id !== 'string';
    const [members, row] = await Promise.all([cluster.ring.members(), cluster.owners.get(key.id)]);
    const decision = decideOwner({
      sessionKey: key.id,
      self: cluster.ring.self.instanceId,
      selfDraining: cluster.ring.draining,
      members,
      row,
      freshStart,
    });
    // A live row naming the replica that serves the turn: its epoch lets that replica skip re-claiming.
    const seenEpoch = (owner: string): number | undefined => (row?.leaseLive && row.instanceId === owner ? row.epoch : undefined);
    if (decision.kind === 'local') {
      this.#deps.observe?.('local');
      return this.serveSession(key.id, request, seenEpoch(cluster.ring.self.instanceId));
    }
    if (decision.kind === 'unavailable') {
      this.#deps.observe?.('refused');
      throw bridgeOwnerUnreachable();
    }
    try {
      const stream = await cluster.forwarder.open(decision.target, key, request, seenEpoch(decision.target.instanceId));
      this.#deps.observe?.('forwarded');
      return stream;
    } catch (err) {
      if (!(err instanceof OwnerRefused)) throw err;
      if (!freshStart) {
        this.#deps.observe?.('refused');
        this.#deps.logger.warn('session owner unreachable; the turn continues a response only it holds', { owner: decision.target.instanceId, reason: err.message });
        throw bridgeOwnerUnreachable();
      }
      this.#deps.observe?.('taken_over');
      this.#deps.logger.info('session owner unreachable; serving the session here', { owner: decision.target.instanceId, reason: err.message });
      return this.serveSession(key.id, request);
    }
  }

  /**
   * Runs a session's turn on this replica, through its bridge entry: waits for the session's earlier
   * turn, uses its upstream socket and account, and frees the session when the stream is finished.
   * Forwarded turns come straight here, so a turn is never forwarded twice.
   */
  async serveSession(sessionKey: string, request: TurnRequest, seenEpoch?: number): Promise<OpenStream> {
    const sessions = this.#deps.sessions;
    if (!sessions) return this.#deps.dispatcher.open(request);
    const turn = await sessions.enter(sessionKey, request.route, request.signal, seenEpoch);
    let stream: OpenStream;
    try {
      // The session's socket and account, not the client connection's: the session may span many connections.
      const plan = { ...request.plan, preferredAccount: turn.account ?? request.plan.preferredAccount };
      stream = await this.#deps.dispatcher.open({ ...request, plan, transport: turn.transport });
    } catch (err) {
      turn.leave();
      throw err;
    }
    turn.accepted(stream.accountId);
    const finish = stream.finish;
    return {
      ...stream,
      finish: (outcome) => {
        finish(outcome);
        turn.leave();
      },
    };
  }
}
