/**
 * The render input a first reconcile would build, with placeholders for values only the cluster has
 * (Secret contents, their hashes). Object names, kinds and references are exactly the real ones, so
 * it serves `codex-lb-operator render` and the reconciler's ownership check before anything exists.
 */
import type { CodexLB } from '../api/crds.ts';
import { databaseUrlRef, encryptionKeyRef } from './credentials.ts';
import { desiredImage, migrationStrategy } from './effective.ts';
import { ALL_CAPABILITIES, type Capabilities, type RenderInput, type SecretKeyRef } from './input.ts';
import { migrationJobName, migrationTarget } from './migration.ts';
import { names } from './names.ts';

const keyRef = (ref: SecretKeyRef | undefined): SecretKeyRef | undefined => ref && { name: ref.name, key: ref.key };

/** Without `capabilities`, every optional API is assumed present: the output shows every object the spec asks for. */
export function offlineInput(cr: CodexLB, operatorVersion: string, capabilities: Capabilities = ALL_CAPABILITIES): RenderInput {
  const image = desiredImage(cr.spec, operatorVersion);
  const base: RenderInput = {
    codexlb: cr,
    operatorVersion,
    encryptionKey: keyRef(encryptionKeyRef(cr)),
    adminTokenSecret: names(cr.metadata.name).adminToken,
    databaseUrl: keyRef(databaseUrlRef(cr)),
    secretsHash: 'offline',
    capabilities,
  };
  const jobStrategy = migrationStrategy(cr.spec) === 'Job';
  const migrationJob = jobStrategy ? { name: migrationJobName(base, image, migrationTarget(cr, { database: 'offline', encryption: 'offline' })), image } : undefined;
  return { ...base, workloadImage: image, migrationJob };
}
