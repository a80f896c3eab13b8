/**
 * ExternalSecret <name>-credentials (external-secrets.io/v1): the External Secrets Operator fills Secret
 * <name>-credentials with the database URL and/or encryption key from spec.externalSecrets. ESO copies the
 * ExternalSecret's labels to the Secret, so the operator's own labels find it; `creationPolicy: Owner` makes
 * the ExternalSecret its controller, and deleting the CodexLB removes both.
 */
import type { CodexLB } from '../api/crds.ts';
import type { KubeObject } from '../runtime/kube/types.ts';
import { DATABASE_URL_KEY, ENCRYPTION_KEY_KEY } from './credentials.ts';
import { childMeta } from './meta.ts';
import { names } from './names.ts';

export function wantsExternalSecret(cr: CodexLB): boolean {
  return cr.spec.externalSecrets !== undefined;
}

export function renderExternalSecret(cr: CodexLB): KubeObject | undefined {
  const es = cr.spec.externalSecrets;
  if (!es) return undefined;
  const n = names(cr.metadata.name);
  const remote = (ref: { remoteKey: string; property?: string }) => ({ key: ref.remoteKey, ...(ref.property ? { property: ref.property } : {}) });
  const data: object[] = [];
  if (es.databaseURL) data.push({ secretKey: DATABASE_URL_KEY, remoteRef: remote(es.databaseURL) });
  if (es.encryptionKey) data.push({ secretKey: ENCRYPTION_KEY_KEY, remoteRef: remote(es.encryptionKey) });
  return {
    apiVersion: 'external-secrets.io/v1',
    kind: 'ExternalSecret',
    metadata: childMeta(cr, n.credentials, 'credentials'),
    spec: {
      refreshInterval: es.refreshInterval,
      secretStoreRef: { name: es.secretStoreRef.name, kind: es.secretStoreRef.kind },
      target: { name: n.credentials, creationPolicy: 'Owner' },
      data,
    },
  };
}
