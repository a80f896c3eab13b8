import type { CodexLB } from '../api/crds.ts';
import type { ObjectMetadata, OwnerReference } from '../runtime/kube/types.ts';
import { labels, type Component } from './labels.ts';

export function ownerReference(cr: CodexLB): OwnerReference {
  return {
    apiVersion: cr.apiVersion,
    kind: cr.kind,
    name: cr.metadata.name,
    uid: cr.metadata.uid ?? '',
    controller: true,
    blockOwnerDeletion: true,
  };
}

/**
 * Metadata of a child object: spec.commonLabels/commonAnnotations, then the object's own, then the
 * operator's labels (which nothing overrides: they select and identify the children). `owned: false`
 * leaves out the ownerReference, so garbage collection keeps the object when the CodexLB is deleted
 * (retained volumes, the encryption key).
 */
export function childMeta(
  cr: CodexLB,
  name: string,
  component: Component,
  opts: { owned?: boolean; labels?: Record<string, string>; annotations?: Record<string, string> } = {},
): ObjectMetadata {
  const meta: ObjectMetadata = {
    name,
    namespace: cr.metadata.namespace,
    labels: { ...cr.spec.commonLabels, ...opts.labels, ...labels(cr.metadata.name, component) },
  };
  const annotations = { ...cr.spec.commonAnnotations, ...opts.annotations };
  if (Object.keys(annotations).length > 0) meta.annotations = annotations;
  if (opts.owned !== false) meta.ownerReferences = [ownerReference(cr)];
  return meta;
}
