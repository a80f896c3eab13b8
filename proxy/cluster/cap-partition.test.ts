import { describe, expect, it } from 'vitest';
import { CapPartition, type CapSettings } from './cap-partition.ts';
import type { RingListener, RingView } from './ring.ts';
import type { RingMember } from './ring-store.ts';

function fakeRing(self: string): RingView & { emit(members: readonly RingMember[] | undefined): void } {
  const listeners: RingListener[] = [];
  return {
    self: { instanceId: self, processId: 'p', endpoint: null },
    draining: false,
    members: async () => [],
    onChange: (listener) => listeners.push(listener),
    emit: (members) => listeners.forEach((l) => l(members)),
  };
}
const members = (...ids: string[]): RingMember[] => ids.map((instanceId) => ({ instanceId, endpoint: null, processId: 'p', draining: false }));
const settings: CapSettings = { stream: 4, create: 4, streamReserve: 1, scope: 'partitioned', growAfterMs: 60_000 };

describe('CapPartition', () => {
  it('enforces this replica’s share of each cap among the live replicas', () => {
    const ring = fakeRing('b');
    const caps = new CapPartition(ring, settings, () => 0);
    ring.emit(members('a', 'b', 'c'));
    expect(caps.limits()).toEqual({ stream: 1, create: 1, streamReserve: 1 });
  });

  it('grows the share only after a replica has been gone for the whole window', () => {
    let now = 0;
    const ring = fakeRing('a');
    const caps = new CapPartition(ring, { ...settings, stream: 6 }, () => now);
    ring.emit(members('a', 'b', 'c'));
    expect(caps.limits().stream).toBe(2);
    now = 1000;
    ring.emit(members('a', 'b'));
    expect(caps.limits().stream).toBe(2);
    now = 60_999;
    ring.emit(members('a', 'b'));
    expect(caps.limits().stream).toBe(2);
    now = 61_000;
    ring.emit(members('a', 'b'));
    expect(caps.limits().stream).toBe(3);
  });

  it('a failed ring read restarts the growth window', () => {
    let now = 0;
    const ring = fakeRing('a');
    const caps = new CapPartition(ring, { ...settings, stream: 6 }, () => now);
    ring.emit(members('a', 'b', 'c'));
    ring.emit(members('a', 'b'));
    now = 30_000;
    ring.emit(undefined);
    now = 61_000;
    ring.emit(members('a', 'b'));
    expect(caps.limits().stream).toBe(2);
    now = 121_000;
    ring.emit(members('a', 'b'));
    expect(caps.limits().stream).toBe(3);
  });

  it('with the replica scope enforces the whole cap on every replica', () => {
    const ring = fakeRing('a');
    const caps = new CapPartition(ring, { ...settings, scope: 'replica' }, () => 0);
    ring.emit(members('a', 'b', 'c'));
    expect(caps.limits()).toEqual({ stream: 4, create: 4, streamReserve: 1 });
  });
});
