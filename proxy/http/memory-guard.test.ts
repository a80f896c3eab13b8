import { describe, expect, it } from 'vitest';
import { MemoryGuard } from './memory-guard.ts';

describe('MemoryGuard', () => {
  it('admits bodies while they fit the budget and refuses the one that would overflow it (503 + Retry-After)', () => {
    const guard = new MemoryGuard({ budgetBytes: 100, rssLimitBytes: 0 });
    const first = guard.admit(60);
    expect(() => guard.admit(41)).toThrow(expect.objectContaining({ status: 503, code: 'proxy_unavailable', retryAfterSeconds: 5 }));
    const second = guard.admit(40);
    expect(guard.held).toBe(100);
    first.release();
    second.release();
    expect(guard.held).toBe(0);
  });

  it('grows a ticket as a body of unknown length arrives, and refuses the chunk that overflows', () => {
    const guard = new MemoryGuard({ budgetBytes: 100, rssLimitBytes: 0 });
    const other = guard.admit(50);
    const ticket = guard.admit(0);
    ticket.grow(30);
    ticket.grow(20); // never shrinks
    expect(ticket.bytes).toBe(30);
    expect(() => ticket.grow(51)).toThrow(expect.objectContaining({ code: 'proxy_unavailable' }));
    expect(guard.held).toBe(80);
    ticket.release();
    ticket.release(); // idempotent
    other.release();
    expect(guard.held).toBe(0);
  });

  it('refuses all new work at the RSS threshold, and never with the threshold off', () => {
    let rss = 10;
    const guard = new MemoryGuard({ budgetBytes: 100, rssLimitBytes: 20, rss: () => rss });
    expect(() => guard.checkPressure()).not.toThrow();
    rss = 20;
    expect(() => guard.checkPressure()).toThrow(expect.objectContaining({ status: 503, code: 'proxy_unavailable', message: expect.stringMatching(/memory pressure/) }));
    expect(() => guard.admit(1)).toThrow(expect.objectContaining({ code: 'proxy_unavailable' }));
    expect(guard.held).toBe(0);
    expect(() => new MemoryGuard({ budgetBytes: 1, rssLimitBytes: 0, rss: () => Number.MAX_SAFE_INTEGER }).checkPressure()).not.toThrow();
  });
});
