/**
 * The opt-in every Secret a resource names must carry before the operator reads it
 * (SECRET_ACCESS_LABEL, README "Security model"). Checked on metadata before the body is fetched, and
 * again on the body, since the label may be removed between the two reads.
 */
import { SECRET_ACCESS_LABEL, SECRET_ACCESS_VALUE } from '../api/common.ts';
import type { KubeObject } from '../runtime/kube/types.ts';

export function accessGranted(secret: KubeObject): boolean {
  return secret.metadata.labels?.[SECRET_ACCESS_LABEL] === SECRET_ACCESS_VALUE;
}

/** What the Secret's owner must do, naming the Secret and the field that refers to it. */
export function accessNotGrantedMessage(name: string, field: string, namespace: string, who = 'CodexLBs'): string {
  return (
    `Secret "${name}" (${field}) does not allow ${who} to use it: its owner must label it ` +
    `(kubectl -n ${namespace} label secret ${name} ${SECRET_ACCESS_LABEL}=${SECRET_ACCESS_VALUE})`
  );
}
