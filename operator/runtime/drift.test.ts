import { describe, expect, it } from 'vitest';
import { applyReason, isSubset, parseQuantity, withAppliedHash, ANNOTATION_APPLIED_HASH } from './drift.ts';
import type { KubeObject } from './kube/types.ts';

const desired = withAppliedHash({
  apiVersion: 'apps/v1',
  kind: 'StatefulSet',
  metadata: { name: 'x', namespace: 'ns', labels: { a: '1' } },
  spec: {
    replicas: 2,
    template: {
      spec: {
        initContainers: [],
        containers: [{ name: 'c', image: 'img:1', args: ['serve'], env: [{ name: 'A', value: '1' }], resources: { requests: { cpu: '500m' } } }],
        volumes: [{ name: 'tmp', emptyDir: {} }],
      },
    },
    unset: undefined,
  },
});

/** What the API server returns after applying `desired`: defaults added, quantities canonicalised. */
function liveCopy(): KubeObject {
  const live = structuredClone(desired) as KubeObject & { spec: any };
  live.metadata.resourceVersion = '7';
  delete live.spec.template.spec.initContainers;
  live.spec.template.spec.dnsPolicy = 'ClusterFirst';
  live.spec.template.spec.containers[0].resources.requests.cpu = '0.5';
  live.spec.template.spec.containers[0].terminationMessagePath = '/dev/termination-log';
  live.spec.template.spec.containers.push({ name: 'sidecar', image: 'mesh' });
  return live;
}

describe('applyReason', () => {
  it('applies objects that do not exist yet', () => {
    expect(applyReason(desired, undefined)).toBe('missing');
  });

  it('does nothing when the live object holds every value we set, whatever the server added', () => {
    expect(applyReason(desired, liveCopy())).toBeUndefined();
  });

  it('re-applies when our intent changed (different content hash), e.g. a field we stopped setting', () => {
    const live = liveCopy();
    live.metadata.annotations = { [ANNOTATION_APPLIED_HASH]: 'older' };
    expect(applyReason(desired, live)).toBe('changed');
  });

  it('repairs a field edited by hand', () => {
    const live = liveCopy() as KubeObject & { spec: any };
    live.spec.replicas = 5;
    expect(applyReason(desired, live)).toBe('drifted');
  });

  it('repairs an env var removed by hand', () => {
    const live = liveCopy() as KubeObject & { spec: any };
    live.spec.template.spec.containers[0].env = [];
    expect(applyReason(desired, live)).toBe('drifted');
  });

  it('treats a changed atomic list as drift', () => {
    const live = liveCopy() as KubeObject & { spec: any };
    live.spec.template.spec.containers[0].args = ['serve', '--debug'];
    expect(applyReason(desired, live)).toBe('drifted');
  });
});

describe('isSubset', () => {
  it('matches named list items by name, not position', () => {
    expect(isSubset([{ name: 'b', v: 2 }, { name: 'a', v: 1 }], [{ name: 'a', v: 1 }, { name: 'b', v: 2 }])).toBe(true);
  });
  it('treats an empty desired list as satisfied by absence (the API server drops empty lists)', () => {
    expect(isSubset({ a: [] }, {})).toBe(true);
  });
  it('treats a missing empty object as drift (the API server keeps emptyDir: {})', () => {
    expect(isSubset({ name: 'data', emptyDir: {} }, { name: 'data', persistentVolumeClaim: { claimName: 'x' } })).toBe(false);
  });
});

describe('parseQuantity', () => {
  it.each([
    ['500m', 0.5],
    ['1Gi', 2 ** 30],
    ['1G', 1e9],
    ['2', 2],
    ['1e3', 1000],
    ['0.5', 0.5],
  ])('%s = %d', (text, value) => {
    expect(parseQuantity(text)).toBeCloseTo(value);
  });
  it('rejects non-quantities', () => {
    expect(parseQuantity('img:1')).toBeUndefined();
  });
});
