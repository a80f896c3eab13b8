/**
 * Every API call a reconcile makes is cancelled with the reconcile (operator/runtime/kube/request-scope.ts):
 * against a frozen API server, a KubeClient call inside the scope rejects once the scope's signal aborts
 * instead of hanging for the client's own 30 s header timeout.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { withRequestSignal } from '../../../operator/runtime/kube/request-scope.ts';
import { startOperatorTestEnv, type OperatorTestEnv } from './support.ts';

describe('the reconcile request scope', () => {
  let env: OperatorTestEnv;
  beforeAll(async () => {
    env = await startOperatorTestEnv('api');
    await env.client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }); // discovery done before the freeze
  });
  afterAll(async () => {
    env.cp.signalApiserver('SIGCONT');
    await env?.stop();
  });

  it('cancels a KubeClient call made inside it when its signal aborts', async () => {
    env.cp.signalApiserver('SIGSTOP');
    try {
      const controller = new AbortController();
      const call = withRequestSignal(controller.signal, () => env.client.get({ apiVersion: 'v1', kind: 'Namespace', name: 'default' }));
      controller.abort();
      await expect(call).rejects.toThrow(/abort/i);
    } finally {
      env.cp.signalApiserver('SIGCONT');
    }
  });
});
