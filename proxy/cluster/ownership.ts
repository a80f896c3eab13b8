/**
 * Where a session's turn is served (reference/proxy-contract.md §11.2–11.3). Pure: given the live ring,
 * the durable owner row and whether the request could start afresh on another upstream socket.
 *
 * - The recorded owner keeps the session while its lease is live and it is up: its upstream socket
 *   holds the conversation (`previous_response_id` resolves only there).
 * - A draining owner still finishes what only it can continue, but a request that can start afresh
 *   moves to a live owner.
 * - Otherwise (no row, lease over, owner gone) the owner is the rendezvous winner among the replicas
 *   that take new sessions — the same on every replica that sees the same ring.
 * - A request that continues a response only a gone owner held fails closed.
 */
import { rendezvousOwner } from './rendezvous.ts';
import type { RingMember } from './ring-store.ts';
import type { SessionOwner } from './session-owners.ts';

export type OwnerDecision = { kind: 'local' } | { kind: 'forward'; target: RingMember } | { kind: 'unavailable' };

export interface OwnershipInput {
  sessionKey: string;
  self: string;
  /** This replica is draining: it takes no new session. */
  selfDraining: boolean;
  /** Live members (fresh heartbeat). */
  members: readonly RingMember[];
  row: SessionOwner | undefined;
  /** The request carries no `previous_response_id`: any upstream socket can serve it. */
  freshStart: boolean;
}

export function decideOwner(input: OwnershipInput): OwnerDecision {
  const { self, members, row, freshStart } = input;
  if (row?.leaseLive) {
    if (row.instanceId === self) return { kind: 'local' };
    const owner = members.find((m) => m.instanceId === row.instanceId && m.endpoint !== null);
    if (owner && (!owner.draining || !freshStart)) return { kind: 'forward', target: owner };
    if (!owner && !freshStart) return { kind: 'unavailable' };
  }
  const routable = members.filter((m) => m.instanceId !== self && !m.draining && m.endpoint !== null);
  const candidates = [...routable.map((m) => m.instanceId), ...(input.selfDraining ? [] : [self])];
  const winner = rendezvousOwner(input.sessionKey, candidates);
  const target = routable.find((m) => m.instanceId === winner);
  return target ? { kind: 'forward', target } : { kind: 'local' };
}
