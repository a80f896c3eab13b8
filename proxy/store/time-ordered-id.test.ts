import { describe, expect, it } from 'vitest';
import { timeOrderedId } from './time-ordered-id.ts';

const UUID_V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('timeOrderedId', () => {
  it('is a UUIDv7 whose first 48 bits are the time in milliseconds', () => {
    const at = Date.UTC(2026, 11, 2, 14, 30);
    const id = timeOrderedId(at);
    expect(id).toMatch(UUID_V7);
    expect(parseInt(id.slice(0, 8) + id.slice(9, 13), 16)).toBe(at);
  });

  it('sorts by time as text, the order a B-tree index keeps', () => {
    const ids = [0, 1, 255, 256, 65_536, Date.now(), 2 ** 48 - 1].map((at) => timeOrderedId(at));
    expect([...ids].sort()).toEqual(ids);
  });

  it('keeps 74 random bits: ids of the same millisecond differ', () => {
    const ids = new Set(Array.from({ length: 10_000 }, () => timeOrderedId(1_000)));
    expect(ids.size).toBe(10_000);
    for (const id of ids) expect(id).toMatch(UUID_V7);
  });
});
