/**
 * Kubernetes reads a container's termination message from `/dev/termination-log` into the Pod status, which is
 * how the operator learns the migrated revision without `pods/log` RBAC. Outside Kubernetes that file does not
 * exist: the default path is written only when present, an explicitly given path always.
 */
import { access, writeFile } from 'node:fs/promises';

export const DEFAULT_TERMINATION_LOG = '/dev/termination-log';

export async function writeTerminationLog(line: string, path: string | undefined): Promise<void> {
  const target = path ?? DEFAULT_TERMINATION_LOG;
  if (path === undefined) {
    try {
      await access(target);
    } catch {
      return;
    }
  }
  await writeFile(target, `${line}\n`);
}
