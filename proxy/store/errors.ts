/**
 * Failures of the schema runner, each with a stable `code` the CLI maps to an exit code (OPERATOR-CONTRACT.md).
 * Messages never contain connection URLs.
 */

/** The database records migrations this build does not know: it was upgraded by a newer build (a downgrade). */
export class SchemaAheadError extends Error {
  override readonly name = 'SchemaAheadError';
  readonly code = 'schema_ahead';
  readonly unknownRevisions: readonly string[];

  constructor(unknownRevisions: readonly string[]) {
    super(`the database schema is ahead of this build (unknown revisions: ${unknownRevisions.join(', ')}); refusing to downgrade`);
    this.unknownRevisions = unknownRevisions;
  }
}

/** No connection could be made within the allowed time. */
export class DatabaseUnreachableError extends Error {
  override readonly name = 'DatabaseUnreachableError';
  readonly code = 'database_unreachable';

  constructor(waitedMs: number, cause: unknown) {
    super(`database unreachable after ${Math.round(waitedMs / 1000)}s: ${messageOf(cause)}`, { cause });
  }
}

/** Another runner held the migration lock longer than the lock timeout. */
export class MigrationLockTimeoutError extends Error {
  override readonly name = 'MigrationLockTimeoutError';
  readonly code = 'migration_lock_timeout';

  constructor(timeoutMs: number) {
    super(`could not take the migration lock within ${Math.round(timeoutMs / 1000)}s: another migration is running`);
  }
}

/** The schema did not reach this build's head in time. */
export class SchemaWaitTimeoutError extends Error {
  override readonly name = 'SchemaWaitTimeoutError';
  readonly code = 'schema_wait_timeout';

  constructor(waitedMs: number, lastSeen: string) {
    super(`schema not at head after ${Math.round(waitedMs / 1000)}s (${lastSeen})`);
  }
}

export function messageOf(err: unknown): string {
  if (err instanceof AggregateError && err.errors.length > 0) return err.errors.map(messageOf).join('; ');
  return err instanceof Error ? err.message : String(err);
}

/** The schema is behind this build and this process may not migrate it (a migration Job is expected to). */
export class SchemaBehindError extends Error {
  override readonly name = 'SchemaBehindError';
  readonly code = 'schema_behind';

  constructor(current: string | null, head: string) {
    super(`the database schema is at ${current ?? 'no revision'}, this build needs ${head}; run "codex-lb-proxy migrate upgrade"`);
  }
}
