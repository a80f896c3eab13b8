/**
 * `codex-lb-operator render -f codexlb.yaml`: the objects the operator would apply for each CodexLB
 * in the file, offline. Generated Secrets are named but not shown (their values are created in the
 * cluster, once); the migration Job is the one a first install would run.
 */
import { parseAllDocuments, stringify } from 'yaml';
import type { CodexLB } from '../api/crds.ts';
import { admitOffline } from '../api/defaults.ts';
import { renderCodexLB } from '../render/codexlb.ts';
import { desiredImage, migrationStrategy } from '../render/effective.ts';
import type { RenderInput } from '../render/input.ts';
import { migrationJobName, migrationTarget } from '../render/migration.ts';
import { names } from '../render/names.ts';
import { DATABASE_URL_KEY, ENCRYPTION_KEY_KEY } from '../render/secrets.ts';
import { withAppliedHash } from '../runtime/drift.ts';
import type { KubeObject } from '../runtime/kube/types.ts';

/** The render input a first reconcile would build, with placeholders for cluster-side values. */
export function offlineInput(cr: CodexLB, operatorVersion: string): RenderInput {
  const n = names(cr.metadata.name);
  const { spec } = cr;
  const image = desiredImage(spec, operatorVersion);
  const pg = spec.database.type === 'PostgreSQL' ? spec.database.postgres : undefined;
  const jobStrategy = migrationStrategy(spec) === 'Job';
  const encryptionKey =
    spec.encryption.source === 'Generated'
      ? { name: n.encryptionKey, key: ENCRYPTION_KEY_KEY }
      : spec.encryption.source === 'SecretRef' && spec.encryption.secretRef
        ? { name: spec.encryption.secretRef.name, key: spec.encryption.secretRef.key }
        : undefined;
  const base: RenderInput = {
    codexlb: cr,
    operatorVersion,
    encryptionKey,
    adminTokenSecret: n.adminToken,
    databaseUrl: pg?.urlSecretRef ? { name: pg.urlSecretRef.name, key: pg.urlSecretRef.key } : pg ? { name: n.database, key: DATABASE_URL_KEY } : undefined,
    secretsHash: 'offline',
    capabilities: { gatewayAPI: true, monitoring: true },
  };
  const migrationJob = jobStrategy ? { name: migrationJobName(base, image, migrationTarget(cr, 'offline')), image } : undefined;
  return { ...base, workloadImage: image, migrationJob };
}

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
    const header = `# CodexLB ${cr.metadata.namespace}/${cr.metadata.name}; Secrets generated in the cluster: ${generated.join('; ')}`;
    const docs = renderCodexLB(offlineInput(cr, operatorVersion)).map((o) => toYaml(withAppliedHash(o)));
    out.push(`${header}\n${docs[0] ?? ''}`, ...docs.slice(1));
  }
  return out.join('\n---\n');
}

function toYaml(obj: KubeObject): string {
  return stringify(obj, { lineWidth: 0 }).trimEnd();
}
