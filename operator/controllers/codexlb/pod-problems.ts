/**
 * Reading what the proxy's containers said when they stopped. The operator cannot read the database,
 * but the proxy refuses to start (serve) or to finish a migration (migrate upgrade) with a key the
 * database was not encrypted with, and writes `…_error=encryption_key_mismatch` to its termination
 * log (proxy/OPERATOR-CONTRACT.md). Kubernetes copies that line into the Pod status, where this pure
 * mapping turns it into `Degraded=True, EncryptionKeyLost` with a message saying what to do.
 */
import type { SecretKeyRef } from '../../render/input.ts';
import type { KubeObject } from '../../runtime/kube/types.ts';
import { DegradedReason, type Problem } from '../conditions.ts';

/** The termination-log code of a key mismatch, written by `serve` and `migrate upgrade`. */
export const KEY_MISMATCH_CODE = 'encryption_key_mismatch';
/** Their exit code for it. */
export const EXIT_KEY_MISMATCH = 5;

interface Terminated {
  exitCode?: number;
  message?: string;
}

interface ContainerStatus {
  name: string;
  state?: { terminated?: Terminated };
  lastState?: { terminated?: Terminated };
}

export interface PodView extends KubeObject {
  status?: { containerStatuses?: ContainerStatus[]; initContainerStatuses?: ContainerStatus[] };
}

export function isKeyMismatch(terminated: Terminated | undefined): boolean {
  return terminated?.message?.includes(`_error=${KEY_MISMATCH_CODE}`) ?? false;
}

/** The first container of `pods` that stopped (now or in its previous run) on a key mismatch. */
export function keyMismatchIn(pods: readonly PodView[]): { pod: string; container: string } | undefined {
  for (const pod of pods) {
    for (const c of [...(pod.status?.initContainerStatuses ?? []), ...(pod.status?.containerStatuses ?? [])]) {
      if (isKeyMismatch(c.state?.terminated) || isKeyMismatch(c.lastState?.terminated)) return { pod: pod.metadata.name, container: c.name };
    }
  }
  return undefined;
}

/** The condition for a key mismatch reported by `where` (a pod/container or a migration Job). */
export function keyMismatchProblem(where: string, key: SecretKeyRef | undefined): Problem {
  const secret = key ? `the key in Secret "${key.name}" (key "${key.key}")` : 'the encryption key';
  return {
    reason: DegradedReason.EncryptionKeyLost,
    message:
      `${where} refused to start: ${secret} is not the key this database was encrypted with, so the stored account ` +
      'tokens cannot be decrypted. Restore the original key into that Secret (from a backup); the rollout resumes once it ' +
      'matches. Pods still running keep the old key.',
  };
}
