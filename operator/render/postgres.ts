/**
 * CloudNativePG Cluster <name>-postgres (postgresql.cnpg.io/v1) for database.postgres.managed: a PostgreSQL
 * for installations that have none. CloudNativePG creates the database and its owner at bootstrap and
 * writes their credentials, with a ready-made `uri`, to Secret <name>-postgres-app, which the pods use.
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

export function wantsManagedPostgres(cr: CodexLB): boolean {
  return cr.spec.database.type === 'PostgreSQL' && cr.spec.database.postgres?.managed !== undefined;
}

export function renderPostgresCluster(cr: CodexLB): KubeObject | undefined {
  const pg = cr.spec.database.postgres;
  const managed = pg?.managed;
  if (!pg || !managed || cr.spec.database.type !== 'PostgreSQL') return undefined;
  return {
    apiVersion: 'postgresql.cnpg.io/v1',
    kind: 'Cluster',
    metadata: childMeta(cr, names(cr.metadata.name).postgres, 'database'),
    spec: {
      instances: managed.instances,
      ...(managed.imageName ? { imageName: managed.imageName } : {}),
      storage: { size: managed.storage.size, ...(managed.storage.storageClassName ? { storageClass: managed.storage.storageClassName } : {}) },
      bootstrap: { initdb: { database: pg.database, owner: pg.user } },
      ...(managed.resources ? { resources: managed.resources } : {}),
      ...(managed.parameters ? { postgresql: { parameters: managed.parameters } } : {}),
    },
  };
}
