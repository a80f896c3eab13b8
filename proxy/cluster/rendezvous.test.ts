import { describe, expect, it } from 'vitest';
import { rendezvousOwner } from './rendezvous.ts';

const keys = Array.from({ length: 600 }, (_, i) => `session-${i}`);

describe('rendezvousOwner', () => {
  it('is the same whatever order the members are listed in', () => {
    for (const key of keys.slice(0, 50)) {
      expect(rendezvousOwner(key, ['a', 'b', 'c'])).toBe(rendezvousOwner(key, ['c', 'a', 'b']));
    }
  });

  it('spreads keys over every member', () => {
    const counts = new Map<string, number>();
    for (const key of keys) {
      const owner = rendezvousOwner(key, ['a', 'b', 'c']) as string;
      counts.set(owner, (counts.get(owner) ?? 0) + 1);
    }
    for (const member of ['a', 'b', 'c']) expect(counts.get(member)).toBeGreaterThan(120);
  });

  it('moves only the keys of a member that leaves, and only to the remaining members', () => {
    for (const key of keys) {
      const before = rendezvousOwner(key, ['a', 'b', 'c']);
      const after = rendezvousOwner(key, ['a', 'c']);
      if (before !== 'b') expect(after).toBe(before);
      else expect(['a', 'c']).toContain(after);
    }
  });

  it('a joining member takes keys only for itself', () => {
    for (const key of keys) {
      const before = rendezvousOwner(key, ['a', 'b']);
      const after = rendezvousOwner(key, ['a', 'b', 'c']);
      expect(after === before || after === 'c').toBe(true);
    }
  });

  it('has no owner without members, and the only member owns everything', () => {
    expect(rendezvousOwner('k', [])).toBeUndefined();
    expect(rendezvousOwner('k', ['solo'])).toBe('solo');
  });
});
