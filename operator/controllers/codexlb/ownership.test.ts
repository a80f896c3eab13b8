import { describe, expect, it } from 'vitest';
import type { CodexLB } from '../../api/crds.ts';
import { admitOffline } from '../../api/defaults.ts';
import { labels } from '../../render/labels.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { ownershipConflict } from './ownership.ts';

const UID = '11111111-1111-1111-1111-111111111111';
const cr = admitOffline({ apiVersion: 'codexlb.io/v1alpha1', kind: 'CodexLB', metadata: { name: 'victim', namespace: 'ns', uid: UID }, spec: {} } as unknown as CodexLB);

function obj(kind: string, name: string, meta: Partial<KubeObject['metadata']> = {}): KubeObject {
  return { apiVersion: 'v1', kind, metadata: { name, namespace: 'ns', ...meta } };
}
const controller = (uid: string, kind = 'CodexLB', name = 'victim') => [{ apiVersion: 'codexlb.io/v1alpha1', kind, name, uid, controller: true }];

describe('ownershipConflict', () => {
  it('lets the CodexLB write what does not exist yet and what it controls', () => {
    expect(ownershipConflict(cr, undefined)).toBeUndefined();
    expect(ownershipConflict(cr, obj('Service', 'victim', { ownerReferences: controller(UID) }))).toBeUndefined();
  });

  it('refuses a namesake it did not create, naming the object', () => {
    expect(ownershipConflict(cr, obj('Service', 'victim'))).toEqual({
      reason: 'NameConflict',
      message:
        'Service ns/victim already exists and it was not created by this CodexLB; the operator will not take it over. ' +
        'Delete or rename that object, or give the CodexLB another name',
    });
  });

  it('refuses an object controlled by something else, even one carrying the operator\'s labels', () => {
    const other = obj('ConfigMap', 'victim-env', { labels: labels('victim'), ownerReferences: controller('22222222-2222-2222-2222-222222222222') });
    expect(ownershipConflict(cr, other)?.message).toContain('it is controlled by CodexLB victim (uid 22222222-2222-2222-2222-222222222222)');
  });

  it('takes up the kept encryption key and SQLite volume of this instance again (labels, no controller)', () => {
    expect(ownershipConflict(cr, obj('Secret', 'victim-encryption', { labels: labels('victim', 'credentials') }))).toBeUndefined();
    expect(ownershipConflict(cr, obj('PersistentVolumeClaim', 'victim-data', { labels: labels('victim') }))).toBeUndefined();
  });

  it('does not extend that exception to other objects, other instances or unlabelled namesakes', () => {
    expect(ownershipConflict(cr, obj('ConfigMap', 'victim-env', { labels: labels('victim') }))?.reason).toBe('NameConflict');
    expect(ownershipConflict(cr, obj('Secret', 'victim-encryption', { labels: labels('other') }))?.reason).toBe('NameConflict');
    expect(ownershipConflict(cr, obj('Secret', 'victim-encryption'))?.reason).toBe('NameConflict');
    expect(ownershipConflict(cr, obj('PersistentVolumeClaim', 'victim-data', { labels: labels('victim'), ownerReferences: controller('x', 'StatefulSet', 'db') }))?.reason).toBe('NameConflict');
  });
});
