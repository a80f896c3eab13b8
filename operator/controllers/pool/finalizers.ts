/**
 * The finalizer of ChatGPTAccounts and CodexLBAPIKeys: held while the resource has something in a
 * pool to remove (an account with deletionPolicy Delete, an API key). Edited with a merge patch
 * pinned to the resourceVersion read, so a concurrent change makes the edit fail (409) and the pass
 * retry, instead of dropping someone else's finalizer.
 */
import { refOf, type KubeClient } from '../../runtime/kube/client.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';

export const POOL_FINALIZER = 'codexlb.io/pool-cleanup';

export function hasFinalizer(obj: KubeObject, finalizer = POOL_FINALIZER): boolean {
  return obj.metadata.finalizers?.includes(finalizer) ?? false;
}

/** Adds or removes the finalizer; no request when it already is as wanted. */
export async function setFinalizer(client: KubeClient, obj: KubeObject, present: boolean, finalizer = POOL_FINALIZER): Promise<void> {
  if (hasFinalizer(obj, finalizer) === present) return;
  const others = (obj.metadata.finalizers ?? []).filter((f) => f !== finalizer);
  const finalizers = present ? [...others, finalizer] : others;
  await client.mergePatch(refOf(obj), { metadata: { finalizers, resourceVersion: obj.metadata.resourceVersion } });
}
