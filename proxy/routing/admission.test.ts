import { describe, expect, it } from 'vitest';
import { AdmissionGate } from './admission.ts';

const never = new AbortController().signal;

describe('AdmissionGate', () => {
  it('admits up to its limit at once', async () => {
    const gate = new AdmissionGate(2);
    expect(await gate.enter(0, never)).toBeTypeOf('function');
    expect(await gate.enter(0, never)).toBeTypeOf('function');
    expect(await gate.enter(0, never)).toBeUndefined();
    expect(gate.held).toBe(2);
  });

  it('hands a released slot to the oldest waiter', async () => {
    const gate = new AdmissionGate(1);
    const release = await gate.enter(0, never);
    const order: string[] = [];
    const first = gate.enter(60_000, never).then((r) => (order.push('first'), r));
    const second = gate.enter(60_000, never).then((r) => (order.push('second'), r));
    release?.();
    (await first)?.();
    (await second)?.();
    expect(order).toEqual(['first', 'second']);
    expect(gate.held).toBe(0);
  });

  it('gives up after the wait, or when the request is gone, leaving the queue clean', async () => {
    const gate = new AdmissionGate(1);
    const release = await gate.enter(0, never);
    expect(await gate.enter(1, never)).toBeUndefined();
    const aborted = new AbortController();
    const waiting = gate.enter(60_000, aborted.signal);
    aborted.abort();
    expect(await waiting).toBeUndefined();
    release?.();
    expect(gate.held).toBe(0);
    expect(await gate.enter(0, never)).toBeTypeOf('function');
  });

  it('counts a release once', async () => {
    const gate = new AdmissionGate(1);
    const release = await gate.enter(0, never);
    release?.();
    release?.();
    expect(gate.held).toBe(0);
  });
});
