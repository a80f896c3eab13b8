/** controller-runtime result semantics of the Controller, with a scripted reconciler. */
import { describe, expect, it } from 'vitest';
import { Controller, TerminalError, stateChanged, type ReconcileResult } from './controller.ts';
import { silentLogger } from './logger.ts';
import { RuntimeMetrics } from './metrics.ts';
import { requestSignal } from './kube/request-scope.ts';
import type { KubeObject } from './kube/types.ts';
import { waitFor } from '../../test/harness/process.ts';

function controllerWith(behaviour: (call: number) => Promise<ReconcileResult | undefined>) {
  const calls: number[] = [];
  const metrics = new RuntimeMetrics({ processMetrics: false });
  const controller = new Controller(
    'test',
    {
      async reconcile() {
        calls.push(Date.now());
        return behaviour(calls.length);
      },
    },
    { log: silentLogger(), metrics, workers: 1, backoff: { baseMs: 20, maxMs: 1000 }, resyncPeriodMs: 3_600_000 },
  );
  return { controller, calls, metrics };
}

async function results(metrics: RuntimeMetrics): Promise<Record<string, number>> {
  const out: Record<string, number> = {};
  for (const v of (await metrics.reconcileTotal.get()).values) out[String(v.labels.result)] = v.value;
  return out;
}

describe('Controller', () => {
  it('retries a failing key with growing backoff until it succeeds, then forgets the failures', async () => {
    const { controller, calls, metrics } = controllerWith(async (n) => {
      if (n < 3) throw new Error('transient');
      return undefined;
    });
    controller.start();
    controller.queue.add('ns/a');
    await waitFor('three attempts', async () => (calls.length >= 3 ? true : undefined));
    await controller.stop();
    expect(calls[2]! - calls[1]!).toBeGreaterThan(calls[1]! - calls[0]!);
    expect(controller.queue.numRequeues('ns/a')).toBe(0);
    expect(await results(metrics)).toEqual({ error: 2, success: 1 });
  });

  it('does not retry a TerminalError', async () => {
    const { controller, calls, metrics } = controllerWith(async () => {
      throw new TerminalError('invalid spec');
    });
    controller.start();
    controller.queue.add('ns/a');
    await waitFor('one attempt', async () => (calls.length === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 100));
    await controller.stop();
    expect(calls).toHaveLength(1);
    expect((await metrics.terminalErrors.get()).values[0]?.value).toBe(1);
  });

  it('comes back after requeueAfterMs', async () => {
    const { controller, calls } = controllerWith(async (n) => (n === 1 ? { requeueAfterMs: 50 } : undefined));
    controller.start();
    controller.queue.add('ns/a');
    await waitFor('the requeued pass', async () => (calls.length === 2 ? true : undefined));
    await controller.stop();
    expect(calls[1]! - calls[0]!).toBeGreaterThanOrEqual(45);
  });
});

describe('stateChanged', () => {
  const obj = (meta: Partial<KubeObject['metadata']>): KubeObject => ({ apiVersion: 'v1', kind: 'X', metadata: { name: 'a', generation: 1, ...meta } });
  it('ignores status-only updates (same generation, labels and annotations)', () => {
    expect(stateChanged(obj({ resourceVersion: '1' }), obj({ resourceVersion: '2' }))).toBe(false);
  });
  it.each([
    ['a spec change', { generation: 2 }],
    ['a label change', { labels: { x: 'y' } }],
    ['an annotation change', { annotations: { x: 'y' } }],
    ['deletion', { deletionTimestamp: '2026-01-01T00:00:00Z' }],
  ])('reacts to %s', (_what, meta) => {
    expect(stateChanged(obj({}), obj(meta))).toBe(true);
  });
});

describe('Controller and slow reconciles', () => {
  it('keeps a key taken until its reconcile settles, even past the timeout', async () => {
    let active = 0;
    let mostAtOnce = 0;
    let calls = 0;
    const metrics = new RuntimeMetrics({ processMetrics: false });
    const controller = new Controller(
      'slow',
      {
        async reconcile() {
          calls += 1;
          active += 1;
          mostAtOnce = Math.max(mostAtOnce, active);
          // Ignores its signal: the worst case a timeout must not turn into two reconciles of one object.
          await new Promise((r) => setTimeout(r, 150));
          active -= 1;
          return undefined;
        },
      },
      { log: silentLogger(), metrics, workers: 2, reconcileTimeoutMs: 20, resyncPeriodMs: 3_600_000 },
    );
    controller.start();
    controller.queue.add('ns/a');
    await waitFor('the first reconcile to run', async () => (calls === 1 ? true : undefined));
    await new Promise((r) => setTimeout(r, 50)); // past the timeout, while the reconcile still runs
    controller.queue.add('ns/a');
    await waitFor('the second reconcile', async () => (calls === 2 && active === 0 ? true : undefined));
    await controller.stop();
    expect(mostAtOnce).toBe(1);
  });

  it('aborts the API calls of a reconcile that times out, and counts the timeout', async () => {
    const metrics = new RuntimeMetrics({ processMetrics: false });
    const seen: Array<AbortSignal | undefined> = [];
    const controller = new Controller(
      'aborting',
      {
        async reconcile() {
          const signal = requestSignal();
          seen.push(signal);
          await new Promise((_, reject) => signal?.addEventListener('abort', () => reject(new Error('aborted')), { once: true }));
          return undefined;
        },
      },
      { log: silentLogger(), metrics, workers: 1, reconcileTimeoutMs: 20, resyncPeriodMs: 3_600_000, backoff: { baseMs: 60_000, maxMs: 60_000 } },
    );
    controller.start();
    controller.queue.add('ns/a');
    await waitFor('the timeout to be counted', async () => ((await metrics.reconcileTimeouts.get()).values[0]?.value === 1 ? true : undefined));
    await controller.stop();
    expect(seen[0]?.aborted).toBe(true);
  });
});

