import { describe, expect, it } from 'vitest';
import { decideOwner, type OwnershipInput } from './ownership.ts';
import { rendezvousOwner } from './rendezvous.ts';
import type { RingMember } from './ring-store.ts';

const member = (id: string, extra: Partial<RingMember> = {}): RingMember => ({ instanceId: id, endpoint: `http://${id}:2455`, processId: 'p', draining: false, ...extra });
const ring = [member('a'), member('b'), member('c')];

/** A session key whose rendezvous winner among a, b, c is `winner`. */
function keyWonBy(winner: string): string {
  for (let i = 0; ; i++) if (rendezvousOwner(`k${i}`, ['a', 'b', 'c']) === winner) return `k${i}`;
}

function decide(extra: Partial<OwnershipInput>): ReturnType<typeof decideOwner> {
  return decideOwner({ sessionKey: keyWonBy('b'), self: 'a', selfDraining: false, members: ring, row: undefined, freshStart: true, ...extra });
}

describe('decideOwner', () => {
  it('a new session goes to its rendezvous owner, or stays when that is this replica', () => {
    expect(decide({})).toEqual({ kind: 'forward', target: member('b') });
    expect(decide({ sessionKey: keyWonBy('a') })).toEqual({ kind: 'local' });
  });

  it('follows the recorded owner while its lease is live, whatever the hash says', () => {
    expect(decide({ row: { instanceId: 'c', epoch: 1, leaseLive: true } })).toEqual({ kind: 'forward', target: member('c') });
    expect(decide({ row: { instanceId: 'a', epoch: 1, leaseLive: true } })).toEqual({ kind: 'local' });
  });

  it('ignores an expired lease', () => {
    expect(decide({ row: { instanceId: 'c', epoch: 1, leaseLive: false } })).toEqual({ kind: 'forward', target: member('b') });
  });

  it('moves a fresh start away from a draining owner, but sends a continuation to it', () => {
    const draining = [member('a'), member('b'), member('c', { draining: true })];
    const row = { instanceId: 'c', epoch: 1, leaseLive: true };
    expect(decide({ members: draining, row, sessionKey: keyWonBy('c') }).kind).not.toBe('unavailable');
    expect(decide({ members: draining, row, sessionKey: keyWonBy('c') })).not.toEqual({ kind: 'forward', target: member('c', { draining: true }) });
    expect(decide({ members: draining, row, freshStart: false })).toEqual({ kind: 'forward', target: member('c', { draining: true }) });
  });

  it('a gone owner: a fresh start moves to a live replica, a continuation fails closed', () => {
    const row = { instanceId: 'gone', epoch: 3, leaseLive: true };
    expect(decide({ row })).toEqual({ kind: 'forward', target: member('b') });
    expect(decide({ row, freshStart: false })).toEqual({ kind: 'unavailable' });
  });

  it('never sends a new session to a draining replica or one without an advertise URL', () => {
    const members = [member('a'), member('b', { draining: true }), member('c', { endpoint: null })];
    expect(decide({ members })).toEqual({ kind: 'local' });
  });

  it('a draining replica hands its new sessions to the others', () => {
    expect(decide({ sessionKey: keyWonBy('a'), selfDraining: true }).kind).toBe('forward');
  });

  it('serves locally when it is alone', () => {
    expect(decide({ members: [member('a')] })).toEqual({ kind: 'local' });
    expect(decide({ members: [] })).toEqual({ kind: 'local' });
  });
});
