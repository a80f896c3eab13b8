import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { Heartbeat } from './heartbeat.ts';

describe('Heartbeat', () => {
  beforeEach(() => vi.useFakeTimers());
  afterEach(() => vi.useRealTimers());

  it('beats nothing until started (an upstream accepted), then once per interval until stopped', async () => {
    const beat = vi.fn(async () => undefined);
    const heartbeat = new Heartbeat(100, beat);
    await vi.advanceTimersByTimeAsync(500);
    expect(beat).not.toHaveBeenCalled();
    heartbeat.start();
    heartbeat.start(); // a later acceptance (after a failover) keeps the same pace
    await vi.advanceTimersByTimeAsync(350);
    expect(beat).toHaveBeenCalledTimes(3);
    heartbeat.stop();
    heartbeat.start(); // stopped for good: the relay paces keepalives now
    await vi.advanceTimersByTimeAsync(500);
    expect(beat).toHaveBeenCalledTimes(3);
  });

  it('does not stack beats behind one a slow client has not taken yet, and survives a client that went away', async () => {
    let release: () => void = () => undefined;
    const beat = vi.fn(() => new Promise<void>((resolve) => (release = resolve)));
    const heartbeat = new Heartbeat(100, beat);
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(450);
    expect(beat).toHaveBeenCalledTimes(1);
    release();
    beat.mockImplementation(() => Promise.reject(new Error('client gone')));
    await vi.advanceTimersByTimeAsync(100);
    expect(beat).toHaveBeenCalledTimes(2);
    heartbeat.stop();
  });

  it('with keepalives off (interval ≤ 0) never beats', async () => {
    const beat = vi.fn(async () => undefined);
    const heartbeat = new Heartbeat(0, beat);
    heartbeat.start();
    await vi.advanceTimersByTimeAsync(1000);
    expect(beat).not.toHaveBeenCalled();
    heartbeat.stop();
  });
});
