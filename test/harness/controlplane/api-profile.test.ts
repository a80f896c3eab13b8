/**
 * The `api` profile is a real kube-apiserver + etcd: CRDs are served with structural schema validation,
 * CEL rules reject bad objects with their message, and server-side apply tracks field managers.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { KubernetesObjectApi, PatchStrategy, type KubernetesObject } from '@kubernetes/client-node';
import { startControlPlane, type ControlPlane } from './controlplane.ts';
import { waitFor } from '../process.ts';

const widgetCrd = {
  apiVersion: 'apiextensions.k8s.io/v1',
  kind: 'CustomResourceDefinition',
  metadata: { name: 'widgets.harness.codex-lb.test' },
  spec: {
    group: 'harness.codex-lb.test',
    names: { kind: 'Widget', plural: 'widgets', singular: 'widget' },
    scope: 'Namespaced',
    versions: [
      {
        name: 'v1',
        served: true,
        storage: true,
        subresources: { status: {} },
        schema: {
          openAPIV3Schema: {
            type: 'object',
            properties: {
              spec: {
                type: 'object',
                properties: { replicas: { type: 'integer', minimum: 0 }, mode: { type: 'string', enum: ['a', 'b'] } },
                'x-kubernetes-validations': [
                  { rule: "self.mode != 'a' || self.replicas == 1", message: 'spec.replicas must be 1 when mode is a' },
                ],
              },
              status: { type: 'object', properties: { ready: { type: 'boolean' } } },
            },
          },
        },
      },
    ],
  },
};

type Widget = KubernetesObject & { metadata: { name: string; namespace: string }; spec: Record<string, unknown> };

function widget(name: string, spec: Record<string, unknown>): Widget {
  return { apiVersion: 'harness.codex-lb.test/v1', kind: 'Widget', metadata: { name, namespace: 'default' }, spec };
}

describe('control plane, api profile', () => {
  let cp: ControlPlane;
  let api: KubernetesObjectApi;

  beforeAll(async () => {
    cp = await startControlPlane({ profile: 'api' });
    api = KubernetesObjectApi.makeApiClient(cp.kubeConfig());
    // kubectl, not the typed client: client-node's model serializer drops keys it has no property for
    // (`enum`, `x-kubernetes-validations`), which would silently weaken the schema.
    await cp.apply([widgetCrd]);
    await waitFor('the Widget CRD to be established', async () => {
      const crd = (await api.read(widgetCrd)) as { status?: { conditions?: Array<{ type: string; status: string }> } };
      return crd.status?.conditions?.some((c) => c.type === 'Established' && c.status === 'True') ? true : undefined;
    });
  });

  afterAll(async () => {
    await cp?.stop();
  });

  it('reports a v1.35 server', async () => {
    const version = JSON.parse(await cp.kubectl('version', '-o', 'json')) as { serverVersion: { gitVersion: string } };
    expect(version.serverVersion.gitVersion).toMatch(/^v1\.35\.\d+$/);
  });

  it('serves a custom resource once its CRD is established', async () => {
    await waitFor('the widgets resource to be served', () => api.create(widget('ok', { mode: 'a', replicas: 1 })));
    const read = (await api.read(widget('ok', {}))) as KubernetesObject & { spec: { replicas: number } };
    expect(read.spec.replicas).toBe(1);
    expect(await cp.kubectl('get', 'widgets', '-n', 'default', '-o', 'name')).toContain('widget.harness.codex-lb.test/ok');
  });

  it('rejects an object violating a CEL rule, with the rule message', async () => {
    const err = await api.create(widget('bad', { mode: 'a', replicas: 3 })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 422 });
    expect(String((err as { body?: unknown }).body)).toContain('spec.replicas must be 1 when mode is a');
  });

  it('rejects an object violating the structural schema', async () => {
    const err = await api.create(widget('enum', { mode: 'c' })).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: 422 });
    expect(String((err as { body?: unknown }).body)).toContain('spec.mode: Unsupported value');
  });

  it('applies server-side with a field manager and reports conflicts with another manager', async () => {
    await api.patch(widget('ssa', { mode: 'b', replicas: 2 }), undefined, undefined, 'manager-one', false, PatchStrategy.ServerSideApply);
    const conflict = await api
      .patch(widget('ssa', { mode: 'b', replicas: 5 }), undefined, undefined, 'manager-two', false, PatchStrategy.ServerSideApply)
      .catch((e: unknown) => e);
    expect(conflict).toMatchObject({ code: 409 });
    const forced = await api.patch(widget('ssa', { mode: 'b', replicas: 5 }), undefined, undefined, 'manager-two', true, PatchStrategy.ServerSideApply);
    expect((forced as KubernetesObject & { spec: { replicas: number } }).spec.replicas).toBe(5);
    expect(forced.metadata?.managedFields?.map((f) => f.manager)).toContain('manager-two');
  });
});
