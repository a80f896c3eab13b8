import { describe, expect, it } from 'vitest';
import { DrainState } from './drain.ts';

describe('DrainState', () => {
  it('counts work in flight, each leave counted once', () => {
    const drain = new DrainState();
    const leave = drain.enter();
    drain.enter();
    expect(drain.inFlight).toBe(2);
    leave();
    leave();
    expect(drain.inFlight).toBe(1);
  });

  it('idle() resolves when the last work leaves', async () => {
    const drain = new DrainState();
    const leave = drain.enter();
    let idle = false;
    const waiting = drain.idle().then(() => (idle = true));
    await Promise.resolve();
    expect(idle).toBe(false);
    leave();
    await waiting;
    expect(idle).toBe(true);
  });

  it('notifies drain listeners once, and cannot be stopped after a committed shutdown', () => {
    const drain = new DrainState();
    let calls = 0;
    drain.onDrain(() => (calls += 1));
    drain.start({ shutdown: false });
    drain.start({ shutdown: false });
    expect(calls).toBe(1);
    expect(drain.stop()).toBe(true);
    drain.start({ shutdown: true, deadlineMonotonic: 42 });
    expect([drain.draining, drain.shutdownCommitted, drain.deadlineMonotonic]).toEqual([true, true, 42]);
    expect(drain.stop()).toBe(false);
  });
});
