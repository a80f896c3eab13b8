/**
 * The render input a first reconcile would build, with placeholders for values only the cluster has
 * (Secret contents, their hashes). Object names, kinds and references are exactly the real ones, so
 * it serves `codex-lb-operator render` and the reconciler's ownership check before anything exists.
 */
import type { CodexLB } from '../api/crds.ts';
import { desiredImage, migrationStrategy } from './effective.ts';
import type { RenderInput } from './input.ts';
import { migrationJobName, migrationTarget } from './migration.ts';
import { names } from './names.ts';
import { DATABASE_URL_KEY, ENCRYPTION_KEY_KEY } from './secrets.ts';

/** Without `capabilities`, every optional API is assumed present: the output shows every object the spec asks for. */
export function offlineInput(
  cr: CodexLB,
  operatorVersion: string,
  capabilities: RenderInput['capabilities'] = { gatewayAPI: true, monitoring: true },
): RenderInput {
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
    capabilities,
  };
  const migrationJob = jobStrategy ? { name: migrationJobName(base, image, migrationTarget(cr, { database: 'offline', encryption: 'offline' })), image } : undefined;
  return { ...base, workloadImage: image, migrationJob };
}
