/**
 * Settings whose default depends on the topology. The schema leaves them unset; these functions
 * resolve them, and status.effective reports the result.
 */
import { FLAVOR_IMAGES } from '../api/codexlb-proxy.ts';
import type { CodexLBSpec } from '../api/codexlb-spec.ts';

export type MigrationStrategy = 'Job' | 'Startup';

export function migrationStrategy(spec: CodexLBSpec): MigrationStrategy {
  return spec.migration.strategy ?? (spec.database.type === 'SQLite' ? 'Startup' : 'Job');
}

export function continuityEnabled(spec: CodexLBSpec): boolean {
  return spec.continuity.enabled ?? spec.topology.mode === 'Replicated';
}

export function podDisruptionBudgetEnabled(spec: CodexLBSpec): boolean {
  return spec.podDisruptionBudget.enabled ?? spec.topology.mode === 'Replicated';
}

export function schemaGateEnabled(spec: CodexLBSpec): boolean {
  return migrationStrategy(spec) === 'Job' && spec.migration.schemaGate.enabled;
}

/** The bundled proxy's first-event deadline (the field has no schema default: Upstream rejects it). */
export function streamFirstEventTimeoutSeconds(spec: CodexLBSpec): number {
  return spec.config.streamFirstEventTimeoutSeconds ?? 20;
}

/** The image repository: the spec's, else the flavor's. */
export function imageRepository(spec: CodexLBSpec): string {
  return spec.image.repository ?? FLAVOR_IMAGES[spec.proxy.flavor].repository;
}

/**
 * The image reference the spec asks for: repository@digest, else repository:tag. The default tag is the
 * operator's version for the bundled proxy and the tested release for the official application (also
 * when its repository is a mirror).
 */
export function desiredImage(spec: CodexLBSpec, operatorVersion: string): string {
  const { digest, tag } = spec.image;
  const repository = imageRepository(spec);
  return digest ? `${repository}@${digest}` : `${repository}:${tag ?? FLAVOR_IMAGES[spec.proxy.flavor].tag ?? operatorVersion}`;
}
