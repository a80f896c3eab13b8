/**
 * Rendezvous (highest-random-weight) hashing (reference/proxy-contract.md §11.2): every replica that
 * sees the same member list picks the same owner for a session key, and adding or removing one member
 * moves only the keys that member wins or held — the rest keep their owner and their upstream socket.
 */
import { createHash } from 'node:crypto';

function weight(key: string, member: string): string {
  return createHash('sha256').update(`${key}:${member}`).digest('hex');
}

/** The member with the highest weight for `key`; undefined for an empty list. Ties break on the member id. */
export function rendezvousOwner(key: string, members: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestWeight = '';
  for (const member of members) {
    const w = weight(key, member);
    if (best === undefined || w > bestWeight || (w === bestWeight && member < best)) {
      best = member;
      bestWeight = w;
    }
  }
  return best;
}
