import { getEventListeners } from 'node:events';
import { describe, expect, it } from 'vitest';
import { sleep } from './time.ts';

describe('sleep', () => {
  it('leaves no abort listener behind once it has slept', async () => {
    const controller = new AbortController();
    for (let i = 0; i < 50; i++) await sleep(0, controller.signal);
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });

  it('resolves at once when the signal aborts, before or during the sleep', async () => {
    const aborted = AbortSignal.abort();
    await sleep(60_000, aborted);
    const controller = new AbortController();
    const sleeping = sleep(60_000, controller.signal);
    controller.abort();
    await sleeping;
    expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
  });
});
