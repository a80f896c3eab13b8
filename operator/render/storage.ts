/** The SQLite volume <name>-data (Standalone SQLite without existingClaim). */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

export function renderDataVolume(cr: CodexLB): KubeObject | undefined {
  const sqlite = cr.spec.database.sqlite;
  if (cr.spec.database.type !== 'SQLite' || sqlite?.storage.existingClaim) return undefined;
  const storage = sqlite?.storage ?? { size: '5Gi', retainOnDelete: true };
  return {
    apiVersion: 'v1',
    kind: 'PersistentVolumeClaim',
    // Retained volumes carry no ownerReference: deleting the CodexLB must not delete the database.
    metadata: childMeta(cr, names(cr.metadata.name).data, 'server', { owned: !storage.retainOnDelete }),
    spec: {
      accessModes: ['ReadWriteOnce'],
      resources: { requests: { storage: storage.size } },
      ...(storage.storageClassName ? { storageClassName: storage.storageClassName } : {}),
    },
  };
}
