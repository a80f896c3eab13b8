/**
 * `codex-lb-operator render -f codexlb.yaml`: the objects the operator would apply for each CodexLB
 * in the file, offline, in the order the controller applies them. Generated Secrets are named but not shown
 * (their values are created in the cluster, once); the migration Job is the one a first install would run, and
 * the StatefulSet after it is applied only once that Job has succeeded.
 */
import { parseAllDocuments, stringify } from 'yaml';
import type { CodexLB } from '../api/crds.ts';
import { admitOffline } from '../api/defaults.ts';
import { renderCodexLB } from '../render/codexlb.ts';
import { offlineInput } from '../render/offline.ts';
import { names } from '../render/names.ts';
import { withAppliedHash } from '../runtime/drift.ts';
import type { KubeObject } from '../runtime/kube/types.ts';

export function renderDocuments(yamlText: string, operatorVersion: string): string {
  const out: string[] = [];
  for (const doc of parseAllDocuments(yamlText)) {
    const obj = doc.toJS() as CodexLB | null;
    if (!obj || obj.kind !== 'CodexLB') continue;
    const cr = admitOffline(obj);
    const n = names(cr.metadata.name);
    const generated = [
      cr.spec.encryption.source === 'Generated' ? `${n.encryptionKey} (Fernet key, created once, kept when the CodexLB is deleted)` : undefined,
      `${n.adminToken} (operator → proxy admin token)`,
      cr.spec.database.postgres?.host ? `${n.database} (PostgreSQL URL composed from host, user and the password Secret)` : undefined,
    ].filter(Boolean);
    const provided = [
      cr.spec.externalSecrets ? `${n.credentials} (filled by the External Secrets Operator from the ExternalSecret below)` : undefined,
      cr.spec.database.postgres?.managed ? `${n.postgresApp} (written by CloudNativePG for the Cluster below)` : undefined,
    ].filter(Boolean);
    const header =
      `# CodexLB ${cr.metadata.namespace}/${cr.metadata.name}; Secrets generated in the cluster: ${generated.join('; ')}` +
      (provided.length ? `\n# Secrets other controllers write, which the pods wait for: ${provided.join('; ')}` : '');
    const objects = renderCodexLB(offlineInput(cr, operatorVersion));
    const migrates = objects.some((o) => o.kind === 'Job');
    const docs = objects.map((o) => {
      const yaml = toYaml(withAppliedHash(o));
      // The order above is the controller's: on a first install the StatefulSet waits for the Job.
      return migrates && o.kind === 'StatefulSet' ? `# Applied once the migration Job above has succeeded.\n${yaml}` : yaml;
    });
    out.push(`${header}\n${docs[0] ?? ''}`, ...docs.slice(1));
  }
  return out.join('\n---\n');
}

/**
 * YAML 1.1 quoting: kubectl, Argo CD and Flux read manifests as YAML 1.1, where an unquoted `off`, `on`, `yes`
 * or `no` is a boolean (an annotation value `off` would be rejected: "cannot unmarshal bool").
 */
function toYaml(obj: KubeObject): string {
  return stringify(obj, { lineWidth: 0, version: '1.1' }).trimEnd();
}
