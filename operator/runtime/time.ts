import { setTimeout as delay } from 'node:timers/promises';

/**
 * Resolves after `ms`, or at once when `signal` aborts. Built on timers/promises, which removes its abort
 * listener when the timer fires: the leader's renew loop sleeps every 2 s for months on one signal, and a
 * listener left behind per call would grow without bound.
 */
export async function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  try {
    await delay(ms, undefined, { signal });
  } catch (err) {
    if (!signal?.aborted) throw err;
  }
}

/** metav1.MicroTime wants exactly six fractional digits. */
export function microTime(date: Date): string {
  return date.toISOString().replace(/\.(\d{3})Z$/, '.$1000Z');
}
