/**
 * Informer recovery logic, driven by a scripted list/watch source so each failure mode happens
 * exactly when the test says (the happy path runs against a real API server in the integration suite).
 */
import { describe, expect, it } from 'vitest';
import { Informer, type ListWatchClient } from './informer.ts';
import { ApiError, type KubeObject, type WatchEvent } from './kube/types.ts';
import { silentLogger } from './logger.ts';
import { waitFor } from '../../test/harness/process.ts';

const cm = (name: string, rv: string): KubeObject => ({ apiVersion: 'v1', kind: 'ConfigMap', metadata: { name, namespace: 'ns', resourceVersion: rv } });

type Step = { list: KubeObject[]; rv: string } | { watch: Array<WatchEvent<KubeObject>>; fail?: Error };

/** Plays `steps` in order: each list() and watch() call consumes the next matching step. */
function scripted(steps: Step[]): ListWatchClient & { calls: string[] } {
  const calls: string[] = [];
  const next = <K extends 'list' | 'watch'>(kind: K) => {
    const i = steps.findIndex((s) => kind in s);
    if (i < 0) return undefined;
    return steps.splice(i, 1)[0] as Extract<Step, Record<K, unknown>>;
  };
  return {
    calls,
    async list() {
      const step = next('list');
      calls.push('list');
      if (!step) throw new Error('no more lists');
      return { items: step.list, resourceVersion: step.rv };
    },
    async *watch(_v: string, _k: string, opts: { resourceVersion: string; signal?: AbortSignal }) {
      calls.push(`watch@${opts.resourceVersion}`);
      const step = next('watch');
      if (!step) {
        await new Promise<void>((resolve) => opts.signal?.addEventListener('abort', () => resolve()));
        return;
      }
      for (const event of step.watch) yield event;
      if (step.fail) throw step.fail;
    },
  } as unknown as ListWatchClient & { calls: string[] };
}

function record(informer: Informer) {
  const events: string[] = [];
  informer.on({
    add: (o) => events.push(`add ${o.metadata.name}`),
    update: (_o, n) => events.push(`update ${n.metadata.name}@${n.metadata.resourceVersion}`),
    delete: (o) => events.push(`delete ${o.metadata.name}`),
  });
  return events;
}

describe('Informer', () => {
  it('resumes a watch that ended from the last resourceVersion it saw, bookmarks included', async () => {
    const client = scripted([
      { list: [cm('a', '1')], rv: '10' },
      { watch: [{ type: 'MODIFIED', object: cm('a', '11') }, { type: 'BOOKMARK', object: { metadata: { resourceVersion: '15' } } }] },
    ]);
    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap' }, silentLogger());
    const events = record(informer);
    informer.start();
    await waitFor('the resumed watch', async () => (client.calls.includes('watch@15') ? true : undefined));
    await informer.stop();
    expect(client.calls).toEqual(['list', 'watch@10', 'watch@15']);
    expect(events).toEqual(['add a', 'update a@11']);
  });

  it('relists on 410 Gone and emits what changed while it was blind, deletions included', async () => {
    const client = scripted([
      { list: [cm('a', '1'), cm('b', '2')], rv: '10' },
      { watch: [{ type: 'ERROR', object: { code: 410, message: 'too old resource version' } }] },
      { list: [cm('a', '1'), cm('c', '30')], rv: '40' },
    ]);
    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap' }, silentLogger());
    const events = record(informer);
    informer.start();
    await waitFor('the watch after relisting', async () => (client.calls.includes('watch@40') ? true : undefined));
    await informer.stop();
    expect(events).toEqual(['add a', 'add b', 'add c', 'delete b']);
    expect(informer.list().map((o) => o.metadata.name).sort()).toEqual(['a', 'c']);
  });

  it('treats an HTTP 410 on the watch request like a Gone event', async () => {
    const client = scripted([
      { list: [], rv: '5' },
      { watch: [], fail: new ApiError(410, 'Expired', 'expired') },
      { list: [cm('x', '9')], rv: '9' },
    ]);
    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap' }, silentLogger());
    const events = record(informer);
    informer.start();
    await waitFor('the relist', async () => (client.calls.includes('watch@9') ? true : undefined));
    await informer.stop();
    expect(events).toEqual(['add x']);
  });

  it('retries after any other error and resumes without a relist', async () => {
    const client = scripted([
      { list: [cm('a', '1')], rv: '10' },
      { watch: [{ type: 'MODIFIED', object: cm('a', '12') }], fail: new Error('ECONNRESET') },
    ]);
    const informer = new Informer(client, { apiVersion: 'v1', kind: 'ConfigMap' }, silentLogger());
    informer.start();
    await informer.synced;
    await waitFor('the retried watch', async () => (client.calls.includes('watch@12') ? true : undefined));
    await informer.stop();
    expect(client.calls.filter((c) => c === 'list')).toHaveLength(1);
    expect(informer.hasSynced()).toBe(true);
  });
});
