/** Credential providers: the ExternalSecret and the CloudNativePG Cluster, and what the pods read from them. */
import { describe, expect, it } from 'vitest';
import { NO_OPTIONAL_APIS, find, ids, render } from './testing.ts';

const eso = {
  secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
  databaseURL: { remoteKey: 'codex/prod', property: 'database-url' },
  encryptionKey: { remoteKey: 'codex/prod-key' },
};
const esoSpec = {
  topology: { mode: 'Replicated', replicas: 2 },
  database: { type: 'PostgreSQL' },
  encryption: { source: 'ExternalSecret' },
  externalSecrets: eso,
};

const podEnv = (objects: ReturnType<typeof render>) => find(objects, 'StatefulSet', 'lb').spec.template.spec;

describe('ExternalSecret', () => {
  it('fills <name>-credentials from the store, owned by the ExternalSecret, and the pods read it', () => {
    const objects = render(esoSpec);
    expect(find(objects, 'ExternalSecret', 'lb-credentials').spec).toEqual({
      refreshInterval: '1h',
      secretStoreRef: { name: 'vault', kind: 'ClusterSecretStore' },
      target: { name: 'lb-credentials', creationPolicy: 'Owner' },
      data: [
        { secretKey: 'database-url', remoteRef: { key: 'codex/prod', property: 'database-url' } },
        { secretKey: 'encryption-key', remoteRef: { key: 'codex/prod-key' } },
      ],
    });
    const pod = podEnv(objects);
    expect(pod.containers[0].env).toContainEqual({ name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'lb-credentials', key: 'database-url' } } });
    expect(pod.volumes).toContainEqual(expect.objectContaining({ name: 'encryption-key', secret: expect.objectContaining({ secretName: 'lb-credentials' }) }));
  });

  it('is left out when the External Secrets Operator is not installed', () => {
    expect(ids(render(esoSpec, { capabilities: NO_OPTIONAL_APIS }))).not.toContain('ExternalSecret/lb-credentials');
  });
});

describe('CloudNativePG Cluster', () => {
  const managed = {
    topology: { mode: 'Replicated', replicas: 2 },
    database: { type: 'PostgreSQL', postgres: { database: 'codex', user: 'codex', managed: { instances: 3, storage: { size: '20Gi', storageClassName: 'fast' } } } },
  };

  it('bootstraps the database and its owner, and the pods use its app Secret URL', () => {
    const objects = render(managed);
    expect(find(objects, 'Cluster', 'lb-postgres').spec).toEqual({
      instances: 3,
      storage: { size: '20Gi', storageClass: 'fast' },
      bootstrap: { initdb: { database: 'codex', owner: 'codex' } },
    });
    expect(podEnv(objects).containers[0].env).toContainEqual({ name: 'CODEX_LB_DATABASE_URL', valueFrom: { secretKeyRef: { name: 'lb-postgres-app', key: 'uri' } } });
  });

  it('is left out when CloudNativePG is not installed', () => {
    expect(ids(render(managed, { capabilities: NO_OPTIONAL_APIS }))).not.toContain('Cluster/lb-postgres');
  });
});
