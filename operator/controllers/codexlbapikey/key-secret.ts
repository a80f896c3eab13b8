/**
 * The Secret a CodexLBAPIKey writes its key into (pure). Owned (controller reference) by the
 * CodexLBAPIKey, so it goes with it; labelled as the operator's, so the operator's label-selected
 * Secret cache sees it; annotated with the key id and rotation token it holds, because the Secret is
 * written before the status: after a crash in between, the Secret says which key is current.
 */
import type { CodexLBAPIKey } from '../../api/crds.ts';
import { labels } from '../../render/labels.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';

export const ANNOTATION_KEY_ID = 'codexlb.io/api-key-id';
export const ANNOTATION_ROTATION_TOKEN = 'codexlb.io/rotation-token';

export function renderKeySecret(cr: CodexLBAPIKey, keyId: string, key: string): KubeObject {
  return {
    apiVersion: 'v1',
    kind: 'Secret',
    metadata: {
      name: cr.spec.secret.name,
      namespace: cr.metadata.namespace,
      labels: labels(cr.spec.codexLBRef.name, 'credentials'),
      annotations: { [ANNOTATION_KEY_ID]: keyId, [ANNOTATION_ROTATION_TOKEN]: cr.spec.rotationToken ?? '' },
      ownerReferences: [
        { apiVersion: cr.apiVersion, kind: cr.kind, name: cr.metadata.name, uid: cr.metadata.uid ?? '', controller: true, blockOwnerDeletion: true },
      ],
    },
    type: 'Opaque',
    data: { [cr.spec.secret.key]: Buffer.from(key, 'utf8').toString('base64') },
  };
}

/** What a live Secret of ours records: the key id and rotation token it was written for. */
export function secretRecord(secret: KubeObject | undefined): { keyId?: string; rotationToken?: string } {
  const a = secret?.metadata.annotations ?? {};
  return { keyId: a[ANNOTATION_KEY_ID], rotationToken: a[ANNOTATION_ROTATION_TOKEN] };
}
