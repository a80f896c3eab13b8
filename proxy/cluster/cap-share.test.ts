import { describe, expect, it } from 'vitest';
import { capShare, ShareHysteresis } from './cap-share.ts';

describe('capShare', () => {
  it('splits a cap over the live members so that together they never exceed it', () => {
    const members = ['pod-0', 'pod-1', 'pod-2'];
    const shares = members.map((self) => capShare(4, members, self));
    expect(shares).toEqual([2, 1, 1]);
    expect(shares.reduce((a, b) => a + b)).toBe(4);
    expect(members.map((self) => capShare(8, members, self))).toEqual([3, 3, 2]);
  });

  it('counts itself even when the membership read does not list it yet', () => {
    expect(capShare(8, ['pod-1'], 'pod-0')).toBe(4);
    expect(capShare(8, [], 'pod-0')).toBe(8);
  });

  it('never goes below one slot per replica, and 0 stays unlimited', () => {
    expect(capShare(2, ['a', 'b', 'c'], 'c')).toBe(1);
    expect(capShare(0, ['a', 'b'], 'a')).toBe(0);
  });
});

describe('ShareHysteresis', () => {
  it('applies a shrinking share at once', () => {
    const h = new ShareHysteresis(60_000);
    expect(h.observe(4, 0)).toBe(4);
    expect(h.observe(2, 1000)).toBe(2);
  });

  it('applies a growing share only after it was observed for the whole window', () => {
    const h = new ShareHysteresis(60_000);
    h.observe(2, 0);
    expect(h.observe(4, 10_000)).toBe(2);
    expect(h.observe(4, 69_999)).toBe(2);
    expect(h.observe(4, 70_000)).toBe(4);
  });

  it('restarts the window when the share drops back or a read fails, and grows to the smallest share seen', () => {
    const h = new ShareHysteresis(60_000);
    h.observe(2, 0);
    h.observe(4, 1000);
    expect(h.observe(2, 30_000)).toBe(2);
    h.observe(4, 31_000);
    h.readFailed();
    expect(h.observe(4, 92_000)).toBe(2);
    expect(h.observe(3, 100_000)).toBe(2);
    expect(h.observe(4, 152_000)).toBe(3);
  });

  it('treats 0 (unlimited) as the largest share', () => {
    const h = new ShareHysteresis(1000);
    h.observe(3, 0);
    expect(h.observe(0, 10)).toBe(3);
    expect(h.observe(0, 1010)).toBe(0);
    expect(h.observe(3, 1020)).toBe(3);
  });
});
