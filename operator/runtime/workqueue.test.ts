import { describe, expect, it } from 'vitest';
import { WorkQueue, type Clock } from './workqueue.ts';

/** A manual clock: timers fire only when the test advances time. */
function manualClock() {
  let now = 0;
  const timers: Array<{ at: number; fn: () => void; handle: number }> = [];
  let next = 1;
  const clock: Clock = {
    now: () => now,
    setTimeout: (fn, ms) => {
      const handle = next++;
      timers.push({ at: now + ms, fn, handle });
      return handle;
    },
    clearTimeout: (handle) => {
      const i = timers.findIndex((t) => t.handle === handle);
      if (i >= 0) timers.splice(i, 1);
    },
  };
  const advance = (ms: number) => {
    now += ms;
    for (const t of timers.filter((t) => t.at <= now).sort((a, b) => a.at - b.at)) {
      timers.splice(timers.indexOf(t), 1);
      t.fn();
    }
  };
  return { clock, advance, pending: () => timers.length };
}

describe('WorkQueue', () => {
  it('collapses repeated adds of a waiting key into one item', async () => {
    const q = new WorkQueue('t');
    q.add('a');
    q.add('a');
    q.add('b');
    expect(q.length).toBe(2);
    expect(await q.get()).toBe('a');
    expect(await q.get()).toBe('b');
  });

  it('never hands a key to two workers: a key added while processing is re-queued on done', async () => {
    const q = new WorkQueue('t');
    q.add('a');
    const key = await q.get();
    q.add('a');
    expect(q.length).toBe(0);
    q.done(key!);
    expect(q.length).toBe(1);
    expect(await q.get()).toBe('a');
  });

  it('does not re-queue a processed key that was not added again', async () => {
    const q = new WorkQueue('t');
    q.add('a');
    q.done((await q.get())!);
    expect(q.length).toBe(0);
  });

  it('backs off exponentially per key and resets after forget', () => {
    const { clock, advance } = manualClock();
    const q = new WorkQueue('t', { clock, backoff: { baseMs: 10, maxMs: 50 } });
    q.addRateLimited('a');
    expect(q.length).toBe(0);
    advance(10);
    expect(q.length).toBe(1);
    expect(q.backoffFor(q.numRequeues('a'))).toBe(20);
    expect([1, 2, 3, 4, 5].map((n) => q.backoffFor(n))).toEqual([20, 40, 50, 50, 50]);
    q.forget('a');
    expect(q.numRequeues('a')).toBe(0);
  });

  it('keeps the earliest of several delayed adds for one key', () => {
    const { clock, advance, pending } = manualClock();
    const q = new WorkQueue('t', { clock });
    q.addAfter('a', 100);
    q.addAfter('a', 500);
    expect(pending()).toBe(1);
    q.addAfter('a', 50);
    expect(pending()).toBe(1);
    advance(50);
    expect(q.length).toBe(1);
  });

  it('wakes a waiting worker when a key arrives, and ends waiting workers on shutdown', async () => {
    const q = new WorkQueue('t');
    const first = q.get();
    q.add('x');
    expect(await first).toBe('x');
    const second = q.get();
    q.shutDown();
    expect(await second).toBeUndefined();
    q.add('y');
    expect(q.length).toBe(0);
  });
});
