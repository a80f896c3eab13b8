/**
 * UUIDv7 (RFC 9562): 48 bits of Unix milliseconds, then 74 random bits, in the usual UUID text. The key of the
 * append-only tables (request logs, usage history): rows keyed by it arrive in key order, so the primary-key
 * index grows at its right edge. A batch of request-log rows touches a few index pages instead of one random
 * page per row (with random v4 keys each batch rewrote about a page per row into SQLite's WAL, and more as the
 * table grew: bench/results/proxy-hot-path.md). The random bits come from randomUUID's buffered entropy, as
 * mintTurnState's do (routing/affinity.ts).
 */
import { randomUUID } from 'node:crypto';

export function timeOrderedId(now: number = Date.now()): string {
  const time = now.toString(16).padStart(12, '0');
  // A v4 UUID is xxxxxxxx-xxxx-4xxx-Vxxx-xxxxxxxxxxxx with the same variant (V) as v7: its random
  // digits after the version, and everything from the variant on, are kept.
  const random = randomUUID();
  return `${time.slice(0, 8)}-${time.slice(8, 12)}-7${random.slice(15, 18)}-${random.slice(19)}`;
}
