/**
 * Settings whose default depends on the topology. The schema leaves them unset; these functions
 * resolve them, and status.effective reports the result.
 */
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

/** The image reference the spec asks for: repository@digest, else repository:tag (operator version by default). */
export function desiredImage(spec: CodexLBSpec, operatorVersion: string): string {
  const { repository, digest, tag } = spec.image;
  return digest ? `${repository}@${digest}` : `${repository}:${tag ?? operatorVersion}`;
}
